use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_topics", key(bot_id, topic))]
struct BotTopic {
    bot_id: i64,
    topic_id: i64,
    position: i64,
}

fn main() {}
