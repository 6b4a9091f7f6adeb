-- Why a host is QUARANTINED (the GPU and check of a failed GPU health gate, or the failed cleanup step);
-- null for a host in any other state. Portable: H2 and PostgreSQL.
ALTER TABLE hosts ADD COLUMN quarantine_reason TEXT;
