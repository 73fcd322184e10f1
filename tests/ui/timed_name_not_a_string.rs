use batchload::timed;

#[timed(name = load_context)]
async fn load_context() {}

#[timed(name = "")]
async fn empty_name() {}

fn main() {
    let _ = load_context();
    let _ = empty_name();
}
