use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stance")]
struct BotStance {
    #[batched(key)]
    id: i64,
    bot_id: i64,
    topic: String,
}

fn main() {}
