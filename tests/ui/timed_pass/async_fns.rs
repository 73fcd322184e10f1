//! `#[timed]` on async fns: free, generic, with `?` and early `return`, returning
//! `Result<impl Iterator<Item = T>, E>`, and the future stays `Send`.

use batchload::timed;

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[timed]
async fn no_return_type() {}

#[timed(name = "custom", max_queries = 4, level = "debug", threshold = 3)]
async fn every_option(value: u32) -> u32 {
    value
}

#[timed]
async fn early_returns(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let value: u32 = text.parse()?;
    Ok(value + 1)
}

#[timed]
async fn impl_iterator(items: Vec<u32>) -> Result<impl Iterator<Item = u32>, String> {
    if items.is_empty() {
        return Err("empty".to_owned());
    }
    Ok(items.into_iter().map(|item| item * 2))
}

#[timed]
async fn generic<T: Clone + Send + Sync, E>(value: &T) -> Result<T, E>
where
    E: std::fmt::Debug,
{
    Ok(value.clone())
}

#[timed]
async fn borrows<'a>(text: &'a str, other: &str) -> &'a str {
    let _ = other;
    text
}

fn main() {
    let _ = assert_send(no_return_type());
    let _ = assert_send(every_option(1));
    let _ = assert_send(early_returns("1"));
    let _ = assert_send(impl_iterator(vec![1]));
    let _ = assert_send(generic::<String, ()>(&String::new()));
    let _ = assert_send(borrows("a", "b"));
}
