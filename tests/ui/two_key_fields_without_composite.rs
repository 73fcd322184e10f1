use batchload::Batched;

// A join table whose rows are unique per (bot_id, topic_id) pair, marked like two unique
// columns: `load(bot_id)` would silently return one of the bot's rows.
#[derive(Clone, Batched)]
#[batched(table = "bot_topics")]
struct BotTopic {
    #[batched(key)]
    bot_id: i64,
    #[batched(key)]
    topic_id: i64,
    position: i64,
}

fn main() {}
