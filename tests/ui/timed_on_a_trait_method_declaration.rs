use batchload::timed;

trait Source {
    #[timed]
    fn load(&self) -> u32;
}

fn main() {}
