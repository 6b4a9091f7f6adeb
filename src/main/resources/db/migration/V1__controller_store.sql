-- The controller's durable state. Portable SQL: the same file runs on H2 (embedded) and PostgreSQL.
-- Timestamps are UTC; ids are UUID strings; statuses are text.

CREATE TABLE hosts (
    host_id              VARCHAR(128) PRIMARY KEY,
    address              VARCHAR(255) NOT NULL,
    http_port            INTEGER,
    grpc_port            INTEGER,
    labels               TEXT         NOT NULL,
    state                VARCHAR(16)  NOT NULL,
    reachability         VARCHAR(16)  NOT NULL,
    failed_pings         INTEGER      NOT NULL,
    last_seen            TIMESTAMP,
    allocation_id        VARCHAR(36),
    created_at           TIMESTAMP    NOT NULL,
    updated_at           TIMESTAMP    NOT NULL
);

CREATE TABLE allocations (
    allocation_id        VARCHAR(36)  PRIMARY KEY,
    host_id              VARCHAR(128) NOT NULL,
    user_name            VARCHAR(32)  NOT NULL,
    ssh_public_keys      TEXT         NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    error_message        TEXT,
    operation_id         VARCHAR(36),
    created_at           TIMESTAMP    NOT NULL,
    updated_at           TIMESTAMP    NOT NULL
);
CREATE INDEX allocations_host_idx ON allocations (host_id);
CREATE INDEX allocations_status_idx ON allocations (status);

CREATE TABLE tasks (
    task_id              VARCHAR(256) PRIMARY KEY,
    host_id              VARCHAR(128) NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    error_message        TEXT,
    operation_id         VARCHAR(36),
    created_at           TIMESTAMP    NOT NULL,
    updated_at           TIMESTAMP    NOT NULL
);

-- One row per unit of work sent to an agent; a replica owns a RUNNING row while its lease holds.
CREATE TABLE operations (
    operation_id         VARCHAR(36)  PRIMARY KEY,
    op_type              VARCHAR(32)  NOT NULL,
    target               VARCHAR(256) NOT NULL,
    host_id              VARCHAR(128) NOT NULL,
    payload              TEXT         NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    attempts             INTEGER      NOT NULL,
    last_error           TEXT,
    claimed_by           VARCHAR(128),
    lease_until          TIMESTAMP,
    next_attempt_at      TIMESTAMP    NOT NULL,
    created_at           TIMESTAMP    NOT NULL,
    updated_at           TIMESTAMP    NOT NULL,
    finished_at          TIMESTAMP
);
CREATE INDEX operations_due_idx ON operations (status, next_attempt_at);
CREATE INDEX operations_target_idx ON operations (target);

-- Status events written in the same transaction as the transition they report.
CREATE TABLE outbox (
    event_id             VARCHAR(36)  PRIMARY KEY,
    event_type           VARCHAR(64)  NOT NULL,
    payload              TEXT         NOT NULL,
    attempts             INTEGER      NOT NULL,
    last_error           TEXT,
    next_attempt_at      TIMESTAMP    NOT NULL,
    created_at           TIMESTAMP    NOT NULL,
    delivered_at         TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (delivered_at, next_attempt_at);
