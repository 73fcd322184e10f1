use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "reactions")]
struct Reaction {
    #[batched(key)]
    id: i64,
    #[batched(group, limit = 3)]
    message_id: i64,
    score: i64,
}

fn main() {}
