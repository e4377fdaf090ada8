CREATE TABLE librarians (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- Argon2id, PHC string format.
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('librarian', 'admin')),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Only the SHA-256 of a session token is stored: a copy of the database opens no session.
CREATE TABLE desk_sessions (
    token_hash TEXT PRIMARY KEY,
    librarian_id BIGINT NOT NULL REFERENCES librarians(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX desk_sessions_librarian ON desk_sessions(librarian_id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- Staff-only note on a ticket; never sent to the patron.
ALTER TABLE tickets ADD COLUMN note TEXT;
