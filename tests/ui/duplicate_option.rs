use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances")]
#[batched(table = "bots")]
struct BotStance {
    #[batched(key, key)]
    id: i64,
    #[batched(group)]
    bot_id: i64,
    topic: String,
}

fn main() {}
