-- Issue 10, the controller's side of a provable handover. Portable SQL (H2 and PostgreSQL).

-- Fencing epoch of each host: raised in the same transaction as every ownership change; every mutating
-- agent call carries the epoch of the ownership it acts for. agent_epoch is the highest epoch the agent
-- has reported (ping, stale-epoch refusal); the next ownership change goes above both.
ALTER TABLE hosts ADD COLUMN epoch BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE hosts ADD COLUMN agent_epoch BIGINT DEFAULT 0 NOT NULL;

-- The epoch an allocation was given when its host was allocated to it.
ALTER TABLE allocations ADD COLUMN epoch BIGINT DEFAULT 0 NOT NULL;

-- Every agent call attempt an operation made: when, how it ended, and why.
CREATE TABLE operation_attempts (
    operation_id         VARCHAR(36)  NOT NULL,
    attempt              INTEGER      NOT NULL,
    operation            VARCHAR(32)  NOT NULL,
    request_id           VARCHAR(128),
    epoch                BIGINT,
    started_at           TIMESTAMP    NOT NULL,
    finished_at          TIMESTAMP    NOT NULL,
    outcome              VARCHAR(32)  NOT NULL,
    error                TEXT,
    PRIMARY KEY (operation_id, attempt)
);

-- The handover report of each release and host cleanup, as JSON; the newest one of an allocation is its report.
CREATE TABLE handover_reports (
    operation_id         VARCHAR(36)  PRIMARY KEY,
    allocation_id        VARCHAR(36),
    host_id              VARCHAR(128) NOT NULL,
    report               TEXT         NOT NULL,
    created_at           TIMESTAMP    NOT NULL
);
CREATE INDEX handover_reports_allocation_idx ON handover_reports (allocation_id, created_at);
