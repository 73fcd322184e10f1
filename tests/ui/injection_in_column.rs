use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances")]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(group)]
    bot_id: i64,
    #[batched(column = "topic` FROM bots --")]
    topic: String,
}

fn main() {}
