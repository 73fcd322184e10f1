use batchload::timed;

#[timed(max_query = 3)]
async fn load_context() {}

fn main() {
    let _ = load_context();
}
