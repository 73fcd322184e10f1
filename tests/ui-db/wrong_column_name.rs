use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bot_stances", order_by = "id")]
struct BotStance {
    id: i64,
    #[batched(group, column = "bot_idd")]
    bot_id: i64,
    topic: String,
}

fn main() {}
