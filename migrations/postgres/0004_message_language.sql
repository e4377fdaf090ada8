-- The language of an outgoing message when refdesk knows it (the bot's FAQ answers and its
-- own phrases, ISO 639-1), so the web chat can mark each message with it for screen
-- readers. NULL: not known, as for a librarian's reply.
ALTER TABLE messages ADD COLUMN language TEXT;
ALTER TABLE outbox ADD COLUMN language TEXT;
