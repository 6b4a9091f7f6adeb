-- Joining the fleet (issue 12): join tokens an admin creates, single- or multi-use, with an expiry.
-- Only the SHA-256 of a token's secret is kept; the token itself is shown once, when it is created.
CREATE TABLE join_tokens (
    token_id             VARCHAR(32)  PRIMARY KEY,
    secret_sha256        VARCHAR(64)  NOT NULL,
    description          TEXT,
    max_uses             INTEGER      NOT NULL,
    uses                 INTEGER      DEFAULT 0 NOT NULL,
    expires_at           TIMESTAMP    NOT NULL,
    revoked_at           TIMESTAMP,
    created_by           VARCHAR(128),
    created_at           TIMESTAMP    NOT NULL,
    last_used_at         TIMESTAMP
);
-- Which host joined with which token, and what it reported: a re-join of the same host with the same
-- token is answered from here (same registration, same credential) without using the token again.
CREATE TABLE host_joins (
    host_id              VARCHAR(128) PRIMARY KEY,
    token_id             VARCHAR(32)  NOT NULL,
    address              VARCHAR(255) NOT NULL,
    gpu_inventory        TEXT,
    joined_at            TIMESTAMP    NOT NULL,
    last_joined_at       TIMESTAMP    NOT NULL
);
