-- Test-only fixture for the relation shapes of #[derive(Batched)]:
-- topics followed by bots, many-to-many through bot_topics (composite primary key, the
-- bot's own order in `position`); reactions to messages, read top-N per message and by the
-- composite (message_id, emoji). No foreign keys: property tests insert rows in any order.
CREATE TABLE topics (
    id   BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE bot_topics (
    bot_id   BIGINT NOT NULL,
    topic_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (bot_id, topic_id),
    INDEX idx_bot_topics_topic_id (topic_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE reactions (
    id         BIGINT NOT NULL PRIMARY KEY,
    message_id BIGINT NOT NULL,
    emoji      VARCHAR(64) NOT NULL,
    score      BIGINT NOT NULL,
    INDEX idx_reactions_message_id_score (message_id, score),
    INDEX idx_reactions_message_id_emoji (message_id, emoji)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
