use batchload::timed;

#[timed(threshold = 1)]
async fn load_context() {}

fn main() {
    let _ = load_context();
}
