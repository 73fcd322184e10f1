use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances")]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(grouped)]
    bot_id: i64,
    topic: String,
}

fn main() {}
