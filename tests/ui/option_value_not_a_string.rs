use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = bot_stances)]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(group = true)]
    bot_id: i64,
    #[batched(column)]
    topic: String,
}

fn main() {}
