use batchload::Batched;

// The many-to-many loader by `bot_id` would be named like the group loader of the field.
#[derive(Clone, Batched)]
#[batched(table = "topics", through(table = "bot_topics", parent = "bot_id", child = "topic_id"))]
struct Topic {
    #[batched(key)]
    id: i64,
    #[batched(group)]
    bot_id: i64,
}

fn main() {}
