-- The language each message was written in (inbound: as identified; outbound: the reply's),
-- so pages can mark it up and the desk can show and filter a ticket's language.
ALTER TABLE messages ADD COLUMN lang TEXT;

-- The languages a librarian answers in, comma-separated ISO 639-1 codes; empty: any.
ALTER TABLE librarians ADD COLUMN languages TEXT NOT NULL DEFAULT '';

-- The outgoing text's language travels with it, so the web chat can mark it up.
ALTER TABLE outbox ADD COLUMN lang TEXT;
