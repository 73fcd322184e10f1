-- Test-only fixture for the relation shapes of #[derive(Batched)]:
-- topics followed by bots, many-to-many through bot_topics (composite primary key, the
-- bot's own order in `position`); reactions to messages, read top-N per message and by the
-- composite (message_id, emoji). No foreign keys: property tests insert rows in any order.
CREATE TABLE topics (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE bot_topics (
    bot_id   INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (bot_id, topic_id)
);

CREATE INDEX idx_bot_topics_topic_id ON bot_topics (topic_id);

CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY NOT NULL,
    message_id INTEGER NOT NULL,
    emoji      TEXT NOT NULL,
    score      INTEGER NOT NULL
);

CREATE INDEX idx_reactions_message_id_score ON reactions (message_id, score);
CREATE INDEX idx_reactions_message_id_emoji ON reactions (message_id, emoji);
