//! A fake data source for the engine's unit tests: an in-memory table, a gate that holds
//! statements until it is opened, and controllable failures, panics and delays. Records the
//! keys of every statement it runs.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::{BatchQuery, GroupLoader, LoaderOptions, OneLoader};

/// One row of the fake table: `id` is unique, `parent` groups rows (`None`: no parent).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) parent: Option<i64>,
    pub(crate) label: String,
}

impl Row {
    pub(crate) fn new(id: i64, parent: Option<i64>) -> Self {
        Self { id, parent, label: format!("row-{id}") }
    }
}

/// The shared state of a fake source.
pub(crate) struct Source {
    table: Mutex<Vec<Row>>,
    /// Keys of every statement, in the order they ran (after the gate).
    calls: Mutex<Vec<Vec<i64>>>,
    /// Statements started (before the gate).
    started: AtomicUsize,
    gate: tokio::sync::watch::Sender<bool>,
    /// How many of the next statements fail.
    fail_next: AtomicUsize,
    /// The next statement panics (its batch task dies).
    panic_next: AtomicBool,
    /// Sleep this long in every statement.
    delay: Mutex<Duration>,
    /// Rows every statement returns on top of the matching ones (keys nobody asked for).
    extra: Mutex<Vec<Row>>,
    /// The threads every statement started and finished on, in the order they finished.
    threads: Mutex<Vec<(ThreadId, ThreadId)>>,
}

impl Source {
    /// A source holding `rows`, its gate open.
    pub(crate) fn new(rows: impl IntoIterator<Item = Row>) -> Arc<Self> {
        Arc::new(Self {
            table: Mutex::new(rows.into_iter().collect()),
            calls: Mutex::new(Vec::new()),
            started: AtomicUsize::new(0),
            gate: tokio::sync::watch::channel(true).0,
            fail_next: AtomicUsize::new(0),
            panic_next: AtomicBool::new(false),
            delay: Mutex::new(Duration::ZERO),
            extra: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
        })
    }

    /// Rows `1..=count`, row `i` with parent `i / 2` (row 1 has none): a tree.
    pub(crate) fn tree(count: i64) -> Arc<Self> {
        Self::new((1..=count).map(|id| Row::new(id, (id > 1).then_some(id / 2))))
    }

    /// Holds every statement that starts from now on until [`open`](Self::open).
    pub(crate) fn hold(&self) {
        self.gate.send_replace(false);
    }

    /// Lets held and later statements run.
    pub(crate) fn open(&self) {
        self.gate.send_replace(true);
    }

    pub(crate) fn fail_next(&self, statements: usize) {
        self.fail_next.store(statements, Ordering::SeqCst);
    }

    pub(crate) fn panic_next(&self) {
        self.panic_next.store(true, Ordering::SeqCst);
    }

    pub(crate) fn set_delay(&self, delay: Duration) {
        *self.delay.lock().expect("lock") = delay;
    }

    pub(crate) fn set_extra(&self, rows: Vec<Row>) {
        *self.extra.lock().expect("lock") = rows;
    }

    /// Replaces the row with `row.id` (a write).
    pub(crate) fn write(&self, row: Row) {
        let mut table = self.table.lock().expect("lock");
        table.retain(|old| old.id != row.id);
        table.push(row);
    }

    pub(crate) fn calls(&self) -> Vec<Vec<i64>> {
        self.calls.lock().expect("lock").clone()
    }

    pub(crate) fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// The reference answer of a by-id load.
    pub(crate) fn by_id(&self, id: i64) -> Option<Row> {
        self.table.lock().expect("lock").iter().find(|row| row.id == id).cloned()
    }

    /// The reference answer of a by-parent load (ordered by id).
    pub(crate) fn by_parent(&self, parent: i64) -> Vec<Row> {
        let mut rows: Vec<Row> =
            self.table.lock().expect("lock").iter().filter(|row| row.parent == Some(parent)).cloned().collect();
        rows.sort();
        rows
    }

    /// The threads every statement started and finished on, in the order they finished.
    pub(crate) fn threads(&self) -> Vec<(ThreadId, ThreadId)> {
        self.threads.lock().expect("lock").clone()
    }

    async fn run(&self, keys: &[i64], key_of: fn(&Row) -> Option<i64>) -> Result<Vec<Row>, sqlx::Error> {
        let started_on = std::thread::current().id();
        self.started.fetch_add(1, Ordering::SeqCst);
        let mut gate = self.gate.subscribe();
        let _ = gate.wait_for(|open| *open).await;
        let delay = *self.delay.lock().expect("lock");
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.threads.lock().expect("lock").push((started_on, std::thread::current().id()));
        assert!(!keys.is_empty(), "the engine never runs a statement without keys");
        let distinct: HashSet<i64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len(), "the engine de-duplicates keys: {keys:?}");
        self.calls.lock().expect("lock").push(keys.to_vec());
        if self.panic_next.swap(false, Ordering::SeqCst) {
            panic!("fake statement panicked");
        }
        if self.fail_next.load(Ordering::SeqCst) > 0 {
            self.fail_next.fetch_sub(1, Ordering::SeqCst);
            return Err(sqlx::Error::Protocol("fake statement failed".into()));
        }
        let mut rows: Vec<Row> = self
            .table
            .lock()
            .expect("lock")
            .iter()
            .filter(|row| key_of(row).is_some_and(|key| distinct.contains(&key)))
            .cloned()
            .collect();
        rows.sort();
        rows.extend(self.extra.lock().expect("lock").iter().cloned());
        Ok(rows)
    }
}

/// Fake statement by `id` (unique).
#[derive(Clone)]
pub(crate) struct ById(pub(crate) Arc<Source>);

/// Fake statement by `parent` (one-to-many).
#[derive(Clone)]
pub(crate) struct ByParent(pub(crate) Arc<Source>);

impl BatchQuery for ById {
    type Key = i64;
    type Row = Row;

    const LOADER: &'static str = "FakeById";
    const TABLE: &'static str = "fake";
    const KEY_COLUMN: &'static str = "id";
    const SQL: &'static str = "SELECT id, parent, label FROM fake WHERE id IN (?)";
    const DATABASE: &'static str = "Fake";

    fn fetch<'a>(&'a self, keys: &'a [i64]) -> BoxFuture<'a, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(self.0.run(keys, |row| Some(row.id)))
    }

    fn key_of(&self, row: &Row) -> Option<i64> {
        Some(row.id)
    }
}

impl BatchQuery for ByParent {
    type Key = i64;
    type Row = Row;

    const LOADER: &'static str = "FakeByParent";
    const TABLE: &'static str = "fake";
    const KEY_COLUMN: &'static str = "parent";
    const SQL: &'static str = "SELECT id, parent, label FROM fake WHERE parent IN (?) ORDER BY id";
    const DATABASE: &'static str = "Fake";

    fn fetch<'a>(&'a self, keys: &'a [i64]) -> BoxFuture<'a, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(self.0.run(keys, |row| row.parent))
    }

    fn key_of(&self, row: &Row) -> Option<i64> {
        row.parent
    }
}

/// A one-to-one loader by id over `source`.
pub(crate) fn by_id(source: &Arc<Source>, options: LoaderOptions) -> OneLoader<ById> {
    OneLoader::with_options(ById(Arc::clone(source)), options)
}

/// A one-to-many loader by parent over `source`.
pub(crate) fn by_parent(source: &Arc<Source>, options: LoaderOptions) -> GroupLoader<ByParent> {
    GroupLoader::with_options(ByParent(Arc::clone(source)), options)
}
