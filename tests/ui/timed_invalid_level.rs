use batchload::timed;

#[timed(level = "verbose")]
fn load_context() {}

fn main() {
    load_context();
}
