use batchload::Batched;

#[derive(Clone, Batched)]
#[batched(table = "bots; DROP TABLE bots")]
struct Bot {
    #[batched(key)]
    id: i64,
    name: String,
}

fn main() {}
