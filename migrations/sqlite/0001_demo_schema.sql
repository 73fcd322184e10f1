-- The chat-bot backend batchload grew out of: bots talking in chats, each bot with
-- stances (opinions on topics) and holdings (positions it talks about).
--
-- Deliberately WITHOUT the secondary indexes on messages(chat_id, created_at),
-- messages(bot_id, created_at), bot_stances(bot_id) and bot_holdings(bot_id):
-- the index advisor proves they are missing and a later migration adds them.

CREATE TABLE bots (
    id         INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    persona    TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE chats (
    id         INTEGER PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY NOT NULL,
    chat_id    INTEGER NOT NULL REFERENCES chats (id),
    bot_id     INTEGER NOT NULL REFERENCES bots (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE bot_stances (
    id       INTEGER PRIMARY KEY NOT NULL,
    bot_id   INTEGER NOT NULL REFERENCES bots (id),
    topic    TEXT NOT NULL,
    stance   TEXT NOT NULL,
    strength REAL NOT NULL,
    note     TEXT
);

CREATE TABLE bot_holdings (
    id         INTEGER PRIMARY KEY NOT NULL,
    bot_id     INTEGER NOT NULL REFERENCES bots (id),
    symbol     TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    cost_basis REAL
);
