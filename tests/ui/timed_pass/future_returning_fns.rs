//! `#[timed]` on fns returning futures: `impl Future`, `Pin<Box<dyn Future + Send>>`, and
//! `#[async_trait]` methods (which become the latter).

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use batchload::timed;

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[timed]
fn impl_future(value: u32) -> impl Future<Output = u32> + Send {
    async move { value }
}

#[timed]
fn boxed<'a>(text: &'a str) -> Pin<Box<dyn Future<Output = Result<usize, String>> + Send + 'a>> {
    Box::pin(async move { Ok(text.len()) })
}

#[async_trait]
trait Source {
    async fn count(&self, table: &str) -> Result<u64, String>;
    async fn name(&self) -> String;
}

struct Database;

#[async_trait]
impl Source for Database {
    #[timed(max_queries = 1)]
    async fn count(&self, table: &str) -> Result<u64, String> {
        if table.is_empty() {
            return Err("no table".to_owned());
        }
        Ok(table.len() as u64)
    }

    #[timed(name = "source.name")]
    async fn name(&self) -> String {
        "database".to_owned()
    }
}

/// Native `async fn` in a trait implementation.
trait Native {
    fn value(&self) -> impl Future<Output = u32> + Send;
    fn sync_value(&self) -> u32;
}

impl Native for Database {
    #[timed]
    async fn value(&self) -> u32 {
        1
    }

    #[timed]
    fn sync_value(&self) -> u32 {
        2
    }
}

fn main() {
    let _ = assert_send(impl_future(1));
    let _ = assert_send(boxed("abc"));
    let database = Database;
    let _ = assert_send(database.count("bots"));
    let _ = assert_send(database.name());
    let _ = assert_send(database.value());
    assert_eq!(database.sync_value(), 2);
}
