use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances", column = "id")]
struct BotStance {
    #[batched(key, table = "bots")]
    id: i64,
    #[batched(group)]
    bot_id: i64,
    topic: String,
}

fn main() {}
