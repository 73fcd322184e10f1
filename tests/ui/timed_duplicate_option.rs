use batchload::timed;

#[timed(name = "first", max_queries = 3, name = "second")]
async fn load_context() {}

fn main() {
    let _ = load_context();
}
