use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances", loader = "Bot Stance")]
struct BotStance {
    #[batched(key)]
    id: i64,
    #[batched(group)]
    bot_id: i64,
    topic: String,
}

fn main() {}
