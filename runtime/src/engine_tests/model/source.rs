//! The data source of the models: an in-memory table of versioned rows whose statement is a
//! sequence of Shuttle scheduling points (other tasks run while it "executes"), with a gate
//! that holds statements after they read, a signal per read, and controllable failures.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::BoxFuture;
use shuttle::future::batch_semaphore::{BatchSemaphore, Fairness};

use crate::{BatchQuery, LoaderOptions, OneLoader};

/// One row: `id` is the key, `version` counts the writes to it (1 when created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) version: u32,
}

/// Permits of an open gate: more than any model's statements take.
const OPEN: usize = 1 << 20;

/// Scheduling points of a statement around its read of the table.
const STEPS: usize = 2;

/// The shared state of a source. Built inside the model's execution (its gate and signal are
/// Shuttle primitives).
pub(crate) struct Source {
    /// `id -> version` of every row.
    table: Mutex<BTreeMap<i64, u32>>,
    /// Keys of every statement, in the order they read the table.
    calls: Mutex<Vec<Vec<i64>>>,
    /// A statement waits here after reading, until [`open`](Self::open).
    gate: BatchSemaphore,
    /// One permit per statement that has read the table.
    reads: BatchSemaphore,
    /// How many of the next statements fail.
    fail_next: AtomicUsize,
}

impl Source {
    /// Rows `ids` at version 1; statements pass the gate unless `held`.
    pub(crate) fn new(ids: impl IntoIterator<Item = i64>, held: bool) -> Self {
        Self {
            table: Mutex::new(ids.into_iter().map(|id| (id, 1)).collect()),
            calls: Mutex::new(Vec::new()),
            gate: BatchSemaphore::new(if held { 0 } else { OPEN }, Fairness::Unfair),
            reads: BatchSemaphore::new(0, Fairness::Unfair),
            fail_next: AtomicUsize::new(0),
        }
    }

    /// Lets held and later statements finish.
    pub(crate) fn open(&self) {
        self.gate.release(OPEN);
    }

    /// Waits until one more statement has read the table (each read is awaited once).
    pub(crate) async fn read(&self) {
        self.reads.acquire(1).await.expect("the read signal is never closed");
    }

    pub(crate) fn fail_next(&self, statements: usize) {
        self.fail_next.store(statements, Ordering::SeqCst);
    }

    /// Writes row `id` (its version goes up by one; a missing row is created at version 1).
    pub(crate) fn write(&self, id: i64) {
        *self.table.lock().expect("table").entry(id).or_insert(0) += 1;
    }

    /// The row `id` as it is now (what a load that reads the table now returns).
    pub(crate) fn row(&self, id: i64) -> Option<Row> {
        self.table.lock().expect("table").get(&id).map(|&version| Row { id, version })
    }

    /// Keys of every statement so far.
    pub(crate) fn calls(&self) -> Vec<Vec<i64>> {
        self.calls.lock().expect("calls").clone()
    }

    async fn run(&self, keys: &[i64]) -> Result<Vec<Row>, sqlx::Error> {
        for _ in 0..STEPS {
            shuttle::future::yield_now().await;
        }
        let fails = self.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        let rows: Vec<Row> = {
            let table = self.table.lock().expect("table");
            keys.iter().filter_map(|&id| table.get(&id).map(|&version| Row { id, version })).collect()
        };
        self.calls.lock().expect("calls").push(keys.to_vec());
        self.reads.release(1);
        self.gate.acquire(1).await.expect("the gate is never closed");
        self.gate.release(1);
        for _ in 0..STEPS {
            shuttle::future::yield_now().await;
        }
        if fails {
            return Err(sqlx::Error::Protocol("model statement failed".into()));
        }
        Ok(rows)
    }
}

/// The model's statement by `id`.
pub(crate) struct ById(pub(crate) std::sync::Arc<Source>);

impl BatchQuery for ById {
    type Key = i64;
    type Row = Row;

    const LOADER: &'static str = "ModelById";
    const TABLE: &'static str = "model";
    const KEY_COLUMN: &'static str = "id";
    const SQL: &'static str = "SELECT id, version FROM model WHERE id IN (?)";
    const DATABASE: &'static str = "Model";

    fn fetch<'a>(&'a self, keys: &'a [i64]) -> BoxFuture<'a, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(self.0.run(keys))
    }

    fn key_of(&self, row: &Row) -> Option<i64> {
        Some(row.id)
    }
}

/// A one-to-one loader over `source`, whose batches run inline (the default) or on their own
/// task, picked at random per execution, so that every scenario explores both.
pub(crate) fn loader(source: &std::sync::Arc<Source>, options: LoaderOptions) -> OneLoader<ById> {
    let on_own_task = shuttle::rand::Rng::gen_bool(&mut shuttle::rand::thread_rng(), 0.5);
    fixed_loader(source, if on_own_task { options.max_inline_waiters(0) } else { options })
}

/// A one-to-one loader over `source` with exactly `options`.
pub(crate) fn fixed_loader(source: &std::sync::Arc<Source>, options: LoaderOptions) -> OneLoader<ById> {
    OneLoader::with_options(ById(std::sync::Arc::clone(source)), options)
}
