use batchload::timed;

#[timed]
struct Context {
    bots: Vec<i64>,
}

fn main() {
    let _ = Context { bots: Vec::new() };
}
