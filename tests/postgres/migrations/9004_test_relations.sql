-- Test-only fixture for the relation shapes of #[derive(Batched)]:
-- topics followed by bots, many-to-many through bot_topics (composite primary key, the
-- bot's own order in `position`); reactions to messages, read top-N per message and by the
-- composite (message_id, emoji). No foreign keys: property tests insert rows in any order.
CREATE TABLE topics (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE bot_topics (
    bot_id   BIGINT NOT NULL,
    topic_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (bot_id, topic_id)
);

CREATE INDEX idx_bot_topics_topic_id ON bot_topics (topic_id);

CREATE TABLE reactions (
    id         BIGINT PRIMARY KEY,
    message_id BIGINT NOT NULL,
    emoji      TEXT NOT NULL,
    score      BIGINT NOT NULL
);

CREATE INDEX idx_reactions_message_id_score ON reactions (message_id, score);
CREATE INDEX idx_reactions_message_id_emoji ON reactions (message_id, emoji);
