-- Why a host is QUARANTINED (the GPU and check of a failed GPU health gate, or the failed cleanup step);
-- set when a release or host cleanup quarantines the host, kept while a manual cleanup runs, cleared
-- when one frees the host. Portable: H2 and PostgreSQL.
ALTER TABLE hosts ADD COLUMN quarantine_reason TEXT;
