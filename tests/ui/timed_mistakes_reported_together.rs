use batchload::timed;

#[timed(level = "loud", max_queries = -1, budget = 3, threshold = 0)]
const fn load_context() -> u32 {
    1
}

fn main() {
    let _ = load_context();
}
