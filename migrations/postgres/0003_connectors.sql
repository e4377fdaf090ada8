-- A message too long for its platform goes out in parts; this many have been delivered,
-- so a retry resumes with the next part instead of repeating the first.
ALTER TABLE outbox ADD COLUMN parts_sent BIGINT NOT NULL DEFAULT 0;

-- Finds a recipient's earlier pending row, so a later message never overtakes one that
-- is waiting out a retry or a rate limit.
CREATE INDEX outbox_pending_recipient ON outbox(channel, recipient, id) WHERE status = 'pending';

-- Small per-connector bookmarks, such as Telegram's update offset.
CREATE TABLE connector_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
