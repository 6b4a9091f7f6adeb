-- Drain (issue 15): a drained host takes no new allocation; its current one runs to release.
-- A flag beside state, not a state: the allocation and cleanup transitions stay as they are.
ALTER TABLE hosts ADD COLUMN drained BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE hosts ADD COLUMN drain_reason TEXT;
ALTER TABLE hosts ADD COLUMN drained_at TIMESTAMP;
