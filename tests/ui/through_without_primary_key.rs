use batchload::Batched;

// The join table's `child` column references the struct's primary key: none is marked.
#[derive(Clone, Batched)]
#[batched(table = "topics", through(table = "bot_topics", parent = "bot_id", child = "topic_id"))]
struct Topic {
    id: i64,
    name: String,
}

fn main() {}
