use batchload::Batched;

#[derive(Batched)]
#[batched(table = "bots")]
struct Bot(#[batched(key)] i64, String);

fn main() {}
