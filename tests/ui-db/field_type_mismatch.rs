use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances")]
struct BotStance {
    #[batched(key)]
    id: i64,
    bot_id: i64,
    topic: i64,
}

fn main() {}
