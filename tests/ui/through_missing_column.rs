use batchload::Batched;

// `target` names the column of `topics` that `bot_topics.topic_id` references: no field of
// `Topic` is read from `topic_key`.
#[derive(Clone, Batched)]
#[batched(table = "topics")]
#[batched(through(table = "bot_topics", parent = "bot_id", child = "topic_id", target = "topic_key"))]
struct Topic {
    #[batched(key)]
    id: i64,
    name: String,
}

fn main() {}
