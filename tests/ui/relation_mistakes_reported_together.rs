use batchload::Batched;

// Every relation mistake of one derive is reported in one compilation.
#[derive(Clone, Batched)]
#[batched(table = "reactions", key(message_id))]
#[batched(through(table = "message_reactions", parent = "message_id", child = "message_id"))]
struct Reaction {
    #[batched(key)]
    id: i64,
    #[batched(group, limit = 0)]
    message_id: i64,
    #[batched(key)]
    emoji: String,
    score: i64,
}

fn main() {}
