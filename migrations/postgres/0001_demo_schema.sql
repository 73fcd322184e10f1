-- The chat-bot demo schema (PostgreSQL). Same tables as migrations/sqlite, native types.
-- Deliberately WITHOUT the secondary indexes on messages(chat_id, created_at),
-- messages(bot_id, created_at), bot_stances(bot_id) and bot_holdings(bot_id).

CREATE TABLE bots (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    persona    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chats (
    id         BIGSERIAL PRIMARY KEY,
    title      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE messages (
    id         BIGSERIAL PRIMARY KEY,
    chat_id    BIGINT NOT NULL REFERENCES chats (id),
    bot_id     BIGINT NOT NULL REFERENCES bots (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE bot_stances (
    id       BIGSERIAL PRIMARY KEY,
    bot_id   BIGINT NOT NULL REFERENCES bots (id),
    topic    TEXT NOT NULL,
    stance   TEXT NOT NULL,
    strength DOUBLE PRECISION NOT NULL,
    note     TEXT
);

CREATE TABLE bot_holdings (
    id         BIGSERIAL PRIMARY KEY,
    bot_id     BIGINT NOT NULL REFERENCES bots (id),
    symbol     TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    cost_basis DOUBLE PRECISION
);
