-- Reads made for every message, each given the index it needs so that its cost does not
-- grow with the history the database keeps.

-- The language of a patron's latest message (a hint for short messages): exactly the rows
-- that read wants, newest last, so it is one step however long the conversation grew.
CREATE INDEX messages_inbound_lang ON messages(conversation_id, id) WHERE direction = 'in' AND lang IS NOT NULL;

-- The outbox claim takes the oldest pending rows: sent rows stay until the retention purge,
-- and without this PostgreSQL walked all of them in id order to find the few pending ones.
CREATE INDEX outbox_pending ON outbox(id) WHERE status = 'pending';
