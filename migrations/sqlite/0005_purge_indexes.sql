-- The purge and a patron's erasure delete messages by id: without these, each deleted message
-- scans the whole inbox and outbox (their foreign keys point at messages).
CREATE INDEX inbox_message ON inbox(message_id);
CREATE INDEX outbox_message ON outbox(message_id);
