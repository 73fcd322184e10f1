-- Chats' members: a many-to-many between chats and bots (the bots that talk in a chat, in the
-- chat's own `position` order). The primary key (chat_id, bot_id) serves the reads by chat.
-- Additive: no existing table changes.

CREATE TABLE chat_members (
    chat_id  INTEGER NOT NULL REFERENCES chats (id),
    bot_id   INTEGER NOT NULL REFERENCES bots (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (chat_id, bot_id)
);
