use batchload::timed;

#[timed(max_queries = "4")]
async fn load_context() {}

fn main() {
    let _ = load_context();
}
