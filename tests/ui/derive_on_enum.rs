use batchload::Batched;

#[derive(Batched)]
#[batched(table = "bots")]
enum Bot {
    Id(i64),
    Name(String),
}

fn main() {}
