-- Fleet-wide jobs that one controller replica at a time runs (the reachability sweep, the callback
-- sender): the replica holding a row's unexpired lease runs the job; another takes over once it lapses.
CREATE TABLE job_leases (
    job_name             VARCHAR(64)  PRIMARY KEY,
    holder               VARCHAR(128),
    lease_until          TIMESTAMP    NOT NULL
);
INSERT INTO job_leases (job_name, holder, lease_until) VALUES ('reachability-sweep', NULL, TIMESTAMP '2000-01-01 00:00:00');
INSERT INTO job_leases (job_name, holder, lease_until) VALUES ('callback-sender', NULL, TIMESTAMP '2000-01-01 00:00:00');
