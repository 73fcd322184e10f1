-- Chats' members: a many-to-many between chats and bots (the bots that talk in a chat, in the
-- chat's own `position` order). The primary key (chat_id, bot_id) serves the reads by chat.
-- Additive: no existing table changes. No foreign keys, as in 0001 (InnoDB would add an index
-- for each).

CREATE TABLE chat_members (
    chat_id  BIGINT NOT NULL,
    bot_id   BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (chat_id, bot_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
