use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_topics")]
struct BotTopic {
    #[batched(key(bot_id, topic_id))]
    bot_id: i64,
    topic_id: i64,
    position: i64,
}

fn main() {}
