use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot stances")]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(group, colunm = "bot_id")]
    bot_id: i64,
    topic: String,
}

fn main() {}
