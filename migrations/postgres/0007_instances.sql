-- The instances serving from this database, each with the FAQ version it answers from, as
-- each last reported it (every 15 s); a row not refreshed for 90 s is an instance gone.
CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    faq_version TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
