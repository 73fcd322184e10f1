use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "reactions")]
struct Reaction {
    #[batched(key)]
    id: i64,
    #[batched(group, order_by = "score DESC", limit = 0)]
    message_id: i64,
    score: i64,
}

fn main() {}
