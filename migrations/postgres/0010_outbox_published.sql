-- With several instances a web chat reply is handed to the instances' bus ('published')
-- and only the instance that pushes it to the patron's open page marks it 'sent'; a row
-- nobody could push stays 'published' until the page comes back and gets it replayed.
-- SQLite (one instance) pushes in process and never writes this status.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'published', 'sent', 'failed', 'undeliverable'));
