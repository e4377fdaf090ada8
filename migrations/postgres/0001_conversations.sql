-- Patrons are known only by their channel and the channel's id for them (for the web chat,
-- a hash of the session token): no names, no phone numbers.
CREATE TABLE patrons (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    channel_user_id TEXT NOT NULL,
    language TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (channel, channel_user_id)
);

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    patron_id BIGINT NOT NULL REFERENCES patrons(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX conversations_patron ON conversations(patron_id, closed_at);

CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    sender TEXT NOT NULL CHECK (sender IN ('patron', 'bot', 'librarian', 'system')),
    -- NULL once the retention job has removed it.
    text TEXT,
    outcome TEXT,
    faq_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

-- Dedupe of inbound platform messages: a redelivery hits the primary key.
CREATE TABLE inbox (
    channel TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    -- Set in the same transaction, right after the message row exists.
    message_id BIGINT REFERENCES messages(id),
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel, platform_message_id)
);

CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
    reason TEXT NOT NULL,
    assignee TEXT,
    opened_at BIGINT NOT NULL,
    claimed_at BIGINT,
    resolved_at BIGINT
);
CREATE INDEX tickets_status ON tickets(status, opened_at);
CREATE INDEX tickets_conversation ON tickets(conversation_id, status);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES messages(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'undeliverable')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- Set while one worker is sending the row; a crashed worker's lease runs out.
    leased_until BIGINT,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at, id);

-- Anonymous counts kept after message text is purged.
CREATE TABLE daily_counts (
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    outcome TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, channel, outcome)
);
