use batchload::Batched;

#[derive(Batched)]
#[batched(table = "bots")]
union Bot {
    id: i64,
    strength: f64,
}

fn main() {}
