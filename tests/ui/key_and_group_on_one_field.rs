use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances")]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(key, group)]
    bot_id: i64,
    topic: String,
}

fn main() {}
