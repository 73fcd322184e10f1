use batchload::timed;

#[timed(max_queries)]
async fn load_context() {}

fn main() {
    let _ = load_context();
}
