-- The chat-bot demo schema (MySQL 8 / MariaDB 10.6+). Same tables as migrations/sqlite,
-- native types. Deliberately WITHOUT the secondary indexes on messages(chat_id, created_at),
-- messages(bot_id, created_at), bot_stances(bot_id) and bot_holdings(bot_id); InnoDB would
-- create an index for each FOREIGN KEY, so these tables declare none on those columns
-- and the relationship is documented here instead (see docs/decisions.md).

CREATE TABLE bots (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(255) NOT NULL,
    persona    TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE chats (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title      VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE messages (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    chat_id    BIGINT NOT NULL,
    bot_id     BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE bot_stances (
    id       BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bot_id   BIGINT NOT NULL,
    topic    VARCHAR(255) NOT NULL,
    stance   TEXT NOT NULL,
    strength DOUBLE NOT NULL,
    note     TEXT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE bot_holdings (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bot_id     BIGINT NOT NULL,
    symbol     VARCHAR(32) NOT NULL,
    quantity   BIGINT NOT NULL,
    cost_basis DOUBLE NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
