-- The indexes the index advisor (batchload::advisor) finds missing in 0001: every loader
-- statement of the demo models is then served by an index. A composite (key, created_at)
-- index also returns each key's rows in creation order.

CREATE INDEX `idx_messages_chat_id_created_at` ON `messages` (`chat_id`, `created_at`);
CREATE INDEX `idx_messages_bot_id_created_at` ON `messages` (`bot_id`, `created_at`);
CREATE INDEX `idx_bot_stances_bot_id` ON `bot_stances` (`bot_id`);
CREATE INDEX `idx_bot_holdings_bot_id` ON `bot_holdings` (`bot_id`);
