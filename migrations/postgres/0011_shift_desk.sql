-- The desk for a shift (hand-over, notes, history, ratings, opening hours).

-- Notes as a thread: each with its author and time, never shown to the patron. The one
-- note a ticket had becomes the first of its thread.
CREATE TABLE ticket_notes (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes(ticket_id, id);
INSERT INTO ticket_notes (ticket_id, author, text, created_at)
    SELECT id, COALESCE(assignee, 'staff'), note, COALESCE(claimed_at, opened_at) FROM tickets
    WHERE note IS NOT NULL AND note <> '';

-- A follow-up: the patron's earlier ticket this one came after (resolved shortly before).
ALTER TABLE tickets ADD COLUMN follows BIGINT;
-- Opened while no librarian was on duty (the opening hours in the settings).
ALTER TABLE tickets ADD COLUMN out_of_hours BIGINT NOT NULL DEFAULT 0;
-- The patron's rating at the end of the chat (1-5), and when they were asked for it.
ALTER TABLE tickets ADD COLUMN rating BIGINT;
ALTER TABLE tickets ADD COLUMN rating_asked_at BIGINT;
CREATE INDEX tickets_follows ON tickets(follows);

-- The name a librarian shows patrons ("Mara"); none: "a librarian". Whether the desk's
-- single-key shortcuts are on for them (WCAG 2.1.4: they can be turned off).
ALTER TABLE librarians ADD COLUMN display_name TEXT;
ALTER TABLE librarians ADD COLUMN shortcuts BIGINT NOT NULL DEFAULT 1;

-- The librarian who wrote an outgoing message (their username, for the desk's transcript).
ALTER TABLE messages ADD COLUMN author TEXT;

-- Who wrote an outgoing message as the patron sees it (a librarian's display name), and
-- what it asks of the patron ('rating': the page offers buttons).
ALTER TABLE outbox ADD COLUMN sender_name TEXT;
ALTER TABLE outbox ADD COLUMN prompt TEXT;

-- The failed-deliveries view reads rows that did not go out, newest first.
CREATE INDEX outbox_not_sent ON outbox(id) WHERE status IN ('failed', 'undeliverable');
