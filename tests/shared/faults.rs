// Real faults on real servers, through the derived loaders: the backend connection killed
// while a batch's statement runs, the pool exhausted until acquire times out, and the server
// stopped and started during a stream of loads (on a throwaway server of the test's own,
// never the shared one). For each: every waiter gets an error within a bound derived from
// the pool's timeout, none hangs (every wait is under a timeout), nothing wrong is cached
// (rows changed during the fault are read after it), and the next load after recovery works.
//
// One body for PostgreSQL and MariaDB: tests/{postgres,mysql}/tests/faults.rs name their
// library `backend`, declare `mod throwaway_server` (tests/shared/throwaway_server.rs), then
// include this file. Statements that differ by backend (locks, session ids, ending a session)
// are chosen by `kind()`. Without a server (or, for the restart test, without the server
// programs) a test prints SKIPPED and returns, unless `CI=true`.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use backend::{Bot, BotById, BotStance, BotStanceByBotId, Db, TestDb, seed};
use batchload::{Error, LoaderOptions};
use futures_util::future::{join, join_all};
use sqlx::pool::PoolOptions;
use sqlx::{AssertSqlSafe, ConnectOptions as _, Executor as _};
use throwaway_server::ThrowawayServer;

/// A connection of the backend under test.
type Conn = <Db as sqlx::Database>::Connection;

/// Upper bound of every test body: a hang fails the test instead of blocking the run.
const LIMIT: Duration = Duration::from_secs(90);

/// Scheduling allowance on top of the pool's timeout in every time bound: the machine may be
/// busy (tests run in parallel with builds), so the bounds are generous, but finite.
const SLACK: Duration = Duration::from_secs(2);

/// The backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Postgres,
    MySql,
}

fn kind() -> Kind {
    match <Db as sqlx::Database>::NAME {
        "PostgreSQL" => Kind::Postgres,
        "MySQL" => Kind::MySql,
        other => panic!("no fault tests for database {other:?}"),
    }
}

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: did not complete within {LIMIT:?} (hang)"),
    }
}

/// Sleeps in 5 ms steps until `condition` holds (callers are themselves under [`within`]).
async fn wait_until(mut condition: impl FnMut() -> bool) {
    while !condition() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Polls `future` exactly once with the current task's context.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// `future`'s output with the instant it was ready.
async fn timed<F: Future>(future: F) -> (F::Output, Instant) {
    let output = future.await;
    (output, Instant::now())
}

/// The sqlx error of `answer`, which must be loader `loader`'s [`Error::Database`] for a batch
/// of `keys` distinct keys.
fn batch_error<'a, V: Debug>(answer: &'a Result<V, Error>, loader: &str, keys: usize) -> &'a sqlx::Error {
    match answer {
        Err(Error::Database { loader: name, keys: count, source }) if *name == loader && *count == keys => source,
        other => panic!("expected `{loader}`'s batch of {keys} key(s) to fail with a database error, got {other:?}"),
    }
}

/// Whether `error` says the connection ended under the statement: the server's own error for
/// a terminated session (PostgreSQL 57P01 `admin_shutdown`, MariaDB 1927
/// `ER_CONNECTION_KILLED`, SQLSTATE 70100), or the socket closing.
fn connection_ended(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(error) => {
            matches!((kind(), error.code().as_deref()), (Kind::Postgres, Some("57P01")) | (Kind::MySql, Some("70100")))
        }
        sqlx::Error::Io(_) => true,
        _ => false,
    }
}

/// `text` (placeholders written `$1`, `$2`, ...) as a statement for the backend under test.
fn query_text(text: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(backend::sql(text))
}

async fn seed_bots_and_stances(pool: &sqlx::Pool<Db>, bots: i64) {
    seed::bots(pool, bots).await.expect("seed bots");
    seed::stances(pool, bots).await.expect("seed stances");
}

/// A pool of `max_connections` to `db` whose `acquire` gives up after `acquire_timeout`.
async fn pool_with(db: &TestDb, max_connections: u32, acquire_timeout: Duration) -> sqlx::Pool<Db> {
    PoolOptions::<Db>::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(db.connect_options())
        .await
        .expect("open the test's pool")
}

// ---------------------------------------------------------------------------------------------
// Per-key reference queries (runtime-checked SQL, one statement per key)
// ---------------------------------------------------------------------------------------------

use backend::reference::{bot as ref_bot, stances as ref_stances};

/// Rewrites the persona of bots `first..=last` to `persona` and the stance text of their
/// stances to `stance`, on `connection`.
async fn rewrite(connection: &mut Conn, first: i64, last: i64, persona: &str, stance: &str) {
    sqlx::query(query_text("UPDATE bots SET persona = $1 WHERE id BETWEEN $2 AND $3"))
        .bind(persona)
        .bind(first)
        .bind(last)
        .execute(&mut *connection)
        .await
        .expect("rewrite bots");
    sqlx::query(query_text("UPDATE bot_stances SET stance = $1 WHERE bot_id BETWEEN $2 AND $3"))
        .bind(stance)
        .bind(first)
        .bind(last)
        .execute(&mut *connection)
        .await
        .expect("rewrite bot_stances");
}

/// Asserts that every answer of `answers` (for `keys`, in order) is `loader`'s batch of
/// `batch_keys` keys failing with `PoolTimedOut`, no sooner than `acquire_timeout` after
/// `started` and within `acquire_timeout + SLACK`.
fn assert_timed_out<V: Debug>(
    answers: &[(Result<V, Error>, Instant)],
    keys: &[i64],
    loader: &str,
    batch_keys: usize,
    started: Instant,
    acquire_timeout: Duration,
) {
    assert_eq!(answers.len(), keys.len());
    for ((answer, ready_at), key) in answers.iter().zip(keys) {
        let error = batch_error(answer, loader, batch_keys);
        assert!(matches!(error, sqlx::Error::PoolTimedOut), "{loader} key {key}: {error:?}");
        let waited = ready_at.duration_since(started);
        assert!(waited >= acquire_timeout, "{loader} key {key}: failed before the pool's timeout ({waited:?})");
        assert!(waited < acquire_timeout + SLACK, "{loader} key {key}: waited {waited:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions: lock tables, find the sessions waiting on the lock, end them
// ---------------------------------------------------------------------------------------------

/// The server's id of the session on `connection` (PostgreSQL backend pid, MariaDB connection
/// id).
async fn session_id(connection: &mut Conn) -> i64 {
    let sql = match kind() {
        Kind::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT)",
        Kind::MySql => "SELECT CAST(CONNECTION_ID() AS SIGNED)",
    };
    sqlx::query_scalar::<_, i64>(sql).fetch_one(connection).await.expect("session id")
}

/// Takes locks on `bots` and `bot_stances` that block every reader until [`unlock`]:
/// PostgreSQL `ACCESS EXCLUSIVE` in an open transaction, MariaDB `LOCK TABLES ... WRITE`.
async fn lock_for_writing(connection: &mut Conn) {
    let statements: &[&'static str] = match kind() {
        Kind::Postgres => &["BEGIN", "LOCK TABLE bots, bot_stances IN ACCESS EXCLUSIVE MODE"],
        Kind::MySql => &["LOCK TABLES bots WRITE, bot_stances WRITE"],
    };
    for &statement in statements {
        connection.execute(statement).await.expect("lock the tables");
    }
}

/// Releases [`lock_for_writing`]'s locks (PostgreSQL commits the transaction).
async fn unlock(connection: &mut Conn) {
    let statement = match kind() {
        Kind::Postgres => "COMMIT",
        Kind::MySql => "UNLOCK TABLES",
    };
    connection.execute(statement).await.expect("release the table locks");
}

/// Ids of the other sessions of `observer`'s database that wait for a table lock, sorted;
/// waits until there are exactly `expected` of them.
async fn sessions_waiting_for_a_lock(observer: &mut Conn, expected: usize) -> Vec<i64> {
    let sql = match kind() {
        Kind::Postgres => {
            "SELECT CAST(pid AS BIGINT) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' \
             AND wait_event_type = 'Lock' ORDER BY pid"
        }
        Kind::MySql => {
            "SELECT CAST(id AS SIGNED) FROM information_schema.processlist \
             WHERE db = DATABASE() AND id <> CONNECTION_ID() AND state LIKE 'Waiting for table%' ORDER BY id"
        }
    };
    loop {
        let waiting = sqlx::query_scalar::<_, i64>(sql).fetch_all(&mut *observer).await.expect("list waiting sessions");
        assert!(waiting.len() <= expected, "more sessions wait for the lock than batches run: {waiting:?}");
        if waiting.len() == expected {
            return waiting;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Ends session `id` from `observer`: `pg_terminate_backend` / `KILL`.
async fn kill_session(observer: &mut Conn, id: i64) {
    match kind() {
        Kind::Postgres => {
            let ended: bool = sqlx::query_scalar(AssertSqlSafe(format!("SELECT pg_terminate_backend({id})")))
                .fetch_one(&mut *observer)
                .await
                .expect("pg_terminate_backend");
            assert!(ended, "pg_terminate_backend({id}) found no such backend");
        }
        Kind::MySql => {
            observer.execute(AssertSqlSafe(format!("KILL {id}"))).await.expect("KILL the loader's session");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The backend killed while a batch runs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_killed_under_a_running_batch_fails_its_waiters_and_caches_nothing() {
    within("backend killed", async {
        let Some(db) = TestDb::connect(1).await else { return };
        seed_bots_and_stances(&db.pool, 20).await;
        let acquire_timeout = Duration::from_secs(2);
        let pool = pool_with(&db, 4, acquire_timeout).await;
        let bots = BotById::new(pool.clone());
        let stances = BotStanceByBotId::new(pool.clone());
        // Cached before the fault: must stay as it was.
        let cached_before = bots.load(20).await.expect("load before the fault");
        assert_eq!(cached_before, ref_bot(&pool, 20).await);

        let mut locker = db.connect_options().connect().await.expect("locker session");
        let mut observer = db.connect_options().connect().await.expect("observer session");
        let locker_id = session_id(&mut locker).await;
        lock_for_writing(&mut locker).await;
        // Written under the lock: visible to readers only after `unlock` (PostgreSQL commits
        // then; MariaDB readers wait for the table lock).
        rewrite(&mut locker, 1, 6, "persona written under the lock", "stance written under the lock").await;

        // One batch per loader (one task polls every load): keys 1..=5, some requested thrice.
        let keys = [1, 2, 3, 4, 5, 1, 2, 3, 3, 3];
        let (b, s) = (bots.clone(), stances.clone());
        let first_wave = tokio::spawn(async move {
            join(join_all(keys.map(|k| timed(b.load(k)))), join_all(keys.map(|k| timed(s.load(k))))).await
        });
        // Both statements wait for the lock: the sessions running them are the loaders'.
        let waiting = sessions_waiting_for_a_lock(&mut observer, 2).await;
        assert!(!waiting.contains(&locker_id), "the locker does not wait: {waiting:?}");
        assert_eq!((bots.stats().batches, stances.stats().batches), (2, 1), "one running batch each, after warm-up");

        // Polled here, before the kill: key 1 joins the running batch; key 6 gathers the next
        // batch (one batch runs at a time), dispatched when this task polls it again.
        let mut joins_running = Box::pin(bots.load(1));
        let mut queued = Box::pin(bots.load(6));
        for _ in 0..2 {
            assert!(poll_once(&mut joins_running).await.is_pending());
            assert!(poll_once(&mut queued).await.is_pending());
        }

        let killed_at = Instant::now();
        for &id in &waiting {
            kill_session(&mut observer, id).await;
        }
        let (bot_answers, stance_answers) = first_wave.await.expect("first wave task");
        for ((answer, ready_at), key) in bot_answers.iter().zip(keys) {
            let error = batch_error(answer, "BotById", 5);
            assert!(connection_ended(error), "key {key}: {error:?}");
            let waited = ready_at.duration_since(killed_at);
            assert!(waited < acquire_timeout + SLACK, "BotById key {key}: error {waited:?} after the kill");
        }
        for ((answer, ready_at), key) in stance_answers.iter().zip(keys) {
            let error = batch_error(answer, "BotStanceByBotId", 5);
            assert!(connection_ended(error), "key {key}: {error:?}");
            let waited = ready_at.duration_since(killed_at);
            assert!(waited < acquire_timeout + SLACK, "stances key {key}: error {waited:?} after the kill");
        }
        eprintln!("backend killed: waiters got {:?}", bot_answers[0].0.as_ref().err().and_then(Error::database_error));
        let joined = tokio::time::timeout(acquire_timeout + SLACK, joins_running).await.expect("the joiner hangs");
        assert!(connection_ended(batch_error(&joined, "BotById", 5)), "{joined:?}");
        // Nothing of the failed batches is cached; the warm-up's answer stays.
        assert_eq!(bots.cached_keys(), 1);
        assert_eq!(stances.cached_keys(), 0);
        assert_eq!((bots.stats().failed_batches, stances.stats().failed_batches), (1, 1));

        unlock(&mut locker).await;
        // Recovery: the queued batch and the next loads read what the locker wrote.
        let queued = tokio::time::timeout(acquire_timeout + SLACK, queued).await.expect("the queued waiter hangs");
        let six = queued.expect("the batch queued behind the killed one");
        assert_eq!(six.as_ref().map(|bot| bot.persona.as_str()), Some("persona written under the lock"));
        assert_eq!(six, ref_bot(&pool, 6).await);
        let (bot_answers, stance_answers) =
            join(join_all((1..=5).map(|k| bots.load(k))), join_all((1..=5).map(|k| stances.load(k)))).await;
        for ((key, bot), stance) in (1..=5).zip(bot_answers).zip(stance_answers) {
            let bot = bot.expect("load after the kill");
            assert_eq!(bot.as_ref().map(|bot| bot.persona.as_str()), Some("persona written under the lock"), "{key}");
            assert_eq!(bot, ref_bot(&pool, key).await, "key {key}");
            let stance = stance.expect("load after the kill");
            assert_eq!(stance.len(), (key % 4) as usize, "key {key}");
            assert!(stance.iter().all(|row| row.stance == "stance written under the lock"), "key {key}: {stance:?}");
            assert_eq!(stance, ref_stances(&pool, key).await, "key {key}");
        }
        assert_eq!(bots.load(20).await.expect("cached"), cached_before);
        let (bots_stats, stances_stats) = (bots.stats(), stances.stats());
        // BotById: warm-up, killed, queued (key 6), keys 1..=5; the cached key 20 ran nothing.
        assert_eq!((bots_stats.batches, bots_stats.statements, bots_stats.failed_batches), (4, 4, 1), "{bots_stats:?}");
        assert_eq!((stances_stats.batches, stances_stats.failed_batches), (2, 1), "{stances_stats:?}");
        assert_eq!(bots.cached_keys(), 7);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The pool exhausted until acquire times out
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_fails_every_waiter_when_acquire_times_out() {
    within("pool exhausted", async {
        let Some(db) = TestDb::connect(1).await else { return };
        seed_bots_and_stances(&db.pool, 20).await;
        let acquire_timeout = Duration::from_millis(500);
        let pool = pool_with(&db, 2, acquire_timeout).await;
        let mut held = [pool.acquire().await.expect("hold a connection"), pool.acquire().await.expect("hold another")];
        let bots = BotById::new(pool.clone());
        // Five keys in chunks of two: three statements, each acquiring a connection.
        let stances = BotStanceByBotId::with_options(pool.clone(), LoaderOptions::new().max_batch_size(2));

        let keys = [1, 2, 3, 4, 5, 1, 2, 3, 3, 3];
        let started = Instant::now();
        let (b, s) = (bots.clone(), stances.clone());
        let first_wave = tokio::spawn(async move {
            join(join_all(keys.map(|k| timed(b.load(k)))), join_all(keys.map(|k| timed(s.load(k))))).await
        });
        wait_until(|| bots.stats().batches == 1 && stances.stats().batches == 1).await;
        // While those batches wait for a connection: key 1 joins the running batch, key 7
        // gathers the next one, which runs (and waits for a connection) after it.
        let second_started = Instant::now();
        let b = bots.clone();
        let second_wave = tokio::spawn(async move { join(timed(b.load(1)), timed(b.load(7))).await });

        let (bot_answers, stance_answers) = first_wave.await.expect("first wave task");
        assert_timed_out(&bot_answers, &keys, "BotById", 5, started, acquire_timeout);
        assert_timed_out(&stance_answers, &keys, "BotStanceByBotId", 5, started, acquire_timeout);
        let ((joined, joined_at), (queued, queued_at)) = second_wave.await.expect("second wave task");
        // Answered with the running batch's error (a batch of 5 keys).
        assert_timed_out(&[(joined, joined_at)], &[1], "BotById", 5, started, acquire_timeout);
        // The queued batch waits for the running one, then for a connection itself.
        assert!(matches!(batch_error(&queued, "BotById", 1), sqlx::Error::PoolTimedOut), "{queued:?}");
        let waited = queued_at.duration_since(second_started);
        assert!(waited >= acquire_timeout, "key 7 failed before its own acquire timed out ({waited:?})");
        assert!(waited < 2 * acquire_timeout + SLACK, "key 7 waited {waited:?}: over two acquire timeouts");
        assert_eq!(bots.cached_keys() + stances.cached_keys(), 0, "nothing of a failed batch is cached");
        let (bots_stats, stances_stats) = (bots.stats(), stances.stats());
        assert_eq!((bots_stats.batches, bots_stats.statements, bots_stats.failed_batches), (2, 2, 2), "{bots_stats:?}");
        let stances_counts = (stances_stats.batches, stances_stats.statements, stances_stats.failed_batches);
        assert_eq!(stances_counts, (1, 3, 1), "{stances_stats:?}");

        // Written while the pool was exhausted, on a held connection; then the pool recovers.
        rewrite(&mut held[0], 1, 7, "persona after the pool recovered", "stance after the pool recovered").await;
        drop(held);
        let (bot_answers, stance_answers) =
            join(join_all((1..=7).map(|k| bots.load(k))), join_all((1..=7).map(|k| stances.load(k)))).await;
        for ((key, bot), stance) in (1..=7).zip(bot_answers).zip(stance_answers) {
            let bot = bot.expect("load after the pool recovered");
            assert_eq!(bot.as_ref().map(|bot| bot.persona.as_str()), Some("persona after the pool recovered"), "{key}");
            assert_eq!(bot, ref_bot(&pool, key).await, "key {key}");
            let stance = stance.expect("load after the pool recovered");
            assert_eq!(stance.len(), (key % 4) as usize, "key {key}");
            assert!(stance.iter().all(|row| row.stance == "stance after the pool recovered"), "key {key}: {stance:?}");
            assert_eq!(stance, ref_stances(&pool, key).await, "key {key}");
        }
        let (bots_stats, stances_stats) = (bots.stats(), stances.stats());
        assert_eq!((bots_stats.batches, bots_stats.failed_batches), (3, 2), "{bots_stats:?}");
        let stances_counts = (stances_stats.batches, stances_stats.statements, stances_stats.failed_batches);
        assert_eq!(stances_counts, (2, 7, 1), "{stances_stats:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The server stopped and started during a stream of loads (a throwaway server)
// ---------------------------------------------------------------------------------------------

/// One request of the stream: a fresh key, loaded through both loaders at once.
struct Request {
    key: i64,
    issued_at: Instant,
    ready_at: Instant,
    bot: Result<Option<Bot>, Error>,
    stances: Result<Vec<BotStance>, Error>,
}

/// Bots seeded on the throwaway server: more than the stream can request, so every request
/// asks for a key nobody asked for before.
const STREAM_BOTS: i64 = 1_500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stopped_and_started_during_a_stream_of_loads() {
    within("server restart", async {
        let test_started = Instant::now();
        let Some(mut server) = tokio::task::block_in_place(ThrowawayServer::start) else { return };
        let url = server.url();
        let Some(db) = TestDb::connect_to(&url, 1).await else { return };
        seed_bots_and_stances(&db.pool, STREAM_BOTS).await;
        let acquire_timeout = Duration::from_millis(500);
        let pool = pool_with(&db, 3, acquire_timeout).await;
        let setup = test_started.elapsed();
        // Long-lived loaders (cache on): what a failed batch leaves in the cache would show.
        let bots = BotById::new(pool.clone());
        let stances = BotStanceByBotId::new(pool.clone());

        // The stream: a request every 10 ms, each a task of its own, each for a new key.
        let stop_stream = Arc::new(AtomicBool::new(false));
        let stream = {
            let (bots, stances, stop_stream) = (bots.clone(), stances.clone(), Arc::clone(&stop_stream));
            tokio::spawn(async move {
                let mut requests = Vec::new();
                for key in 1..STREAM_BOTS {
                    if stop_stream.load(Ordering::Relaxed) {
                        break;
                    }
                    let (bots, stances) = (bots.clone(), stances.clone());
                    requests.push(tokio::spawn(async move {
                        let issued_at = Instant::now();
                        let answers = tokio::time::timeout(LIMIT / 3, join(bots.load(key), stances.load(key))).await;
                        let (bot, stances) = answers.unwrap_or_else(|_| panic!("request for key {key} hangs"));
                        Request { key, issued_at, ready_at: Instant::now(), bot, stances }
                    }));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let mut done = Vec::with_capacity(requests.len());
                for request in requests {
                    done.push(request.await.expect("request task"));
                }
                done
            })
        };

        wait_until(|| bots.stats().batches >= 5).await;
        let stop_began = Instant::now();
        tokio::task::block_in_place(|| server.stop());
        wait_until(|| bots.stats().failed_batches >= 2 && stances.stats().failed_batches >= 2).await;
        tokio::task::block_in_place(|| server.restart());
        // Ready for sessions (not only listening): a connection of its own.
        let mut probe = loop {
            match db.connect_options().connect().await {
                Ok(connection) => break connection,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        let recovered_at = Instant::now();
        // The next load after recovery works (a key the stream will not ask for).
        let fresh = STREAM_BOTS;
        assert_eq!(bots.load(fresh).await.expect("the first load after the restart"), ref_bot(&pool, fresh).await);
        let batches_after_recovery = bots.stats().batches;
        wait_until(|| bots.stats().batches >= batches_after_recovery + 5).await;
        stop_stream.store(true, Ordering::Relaxed);
        let requests = stream.await.expect("stream task");
        let outage = recovered_at.duration_since(stop_began);

        // Per loader: the keys whose load failed.
        let (mut failed_bots, mut failed_stances) = (Vec::new(), Vec::new());
        let mut after_recovery = 0;
        for request in &requests {
            let Request { key, issued_at, ready_at, bot, stances } = request;
            if *issued_at >= recovered_at {
                after_recovery += 1;
            }
            let waited = ready_at.duration_since(*issued_at);
            if bot.is_err() || stances.is_err() {
                assert!(*issued_at < recovered_at, "key {key}: issued after the restart, failed: {bot:?} {stances:?}");
                assert!(*ready_at > stop_began, "key {key}: failed before the server stopped: {bot:?} {stances:?}");
                // Its batch may wait behind one running batch: two acquire timeouts at most.
                assert!(waited < 2 * acquire_timeout + SLACK, "key {key}: failed after {waited:?}");
            }
            match bot {
                Ok(bot) => assert_eq!(bot, &ref_bot(&pool, *key).await, "key {key}"),
                Err(error) => {
                    assert!(matches!(error, Error::Database { loader: "BotById", .. }), "key {key}: {error:?}");
                    failed_bots.push(*key);
                }
            }
            match stances {
                Ok(stances) => assert_eq!(stances, &ref_stances(&pool, *key).await, "key {key}"),
                Err(error) => {
                    assert!(matches!(error, Error::Database { loader: "BotStanceByBotId", .. }), "{key}: {error:?}");
                    failed_stances.push(*key);
                }
            }
        }
        assert!(!failed_bots.is_empty(), "no BotById load failed while the server was down ({outage:?})");
        assert!(!failed_stances.is_empty(), "no BotStanceByBotId load failed while the server was down ({outage:?})");
        assert!(after_recovery >= 5, "{after_recovery} requests issued after the restart");

        // Nothing wrong is cached: the rows of every failed key, rewritten now, are read from
        // the database; an answer delivered before the fault stays cached as delivered.
        let last_key = requests.last().map_or(0, |request| request.key);
        assert!(requests.iter().map(|request| request.key).eq(1..=last_key), "the stream asked for keys 1, 2, ...");
        rewrite(&mut probe, 1, last_key, "persona after the restart", "stance after the restart").await;
        let statements_before = (bots.stats().statements, stances.stats().statements);
        let (bot_answers, stance_answers) = join(
            join_all(requests.iter().map(|request| bots.load(request.key))),
            join_all(requests.iter().map(|request| stances.load(request.key))),
        )
        .await;
        for ((request, bot), stance) in requests.iter().zip(bot_answers).zip(stance_answers) {
            let key = request.key;
            let bot = bot.expect("load after the restart");
            if failed_bots.contains(&key) {
                assert_eq!(bot.as_ref().map(|bot| bot.persona.as_str()), Some("persona after the restart"), "{key}");
                assert_eq!(bot, ref_bot(&pool, key).await, "key {key}");
            } else {
                assert_eq!(Some(&bot), request.bot.as_ref().ok(), "key {key}: the cached answer");
            }
            let stance = stance.expect("load after the restart");
            if failed_stances.contains(&key) {
                assert!(stance.iter().all(|row| row.stance == "stance after the restart"), "key {key}: {stance:?}");
                assert_eq!(stance, ref_stances(&pool, key).await, "key {key}");
            } else {
                assert_eq!(Some(&stance), request.stances.as_ref().ok(), "key {key}: the cached answer");
            }
        }
        // One statement each, for the failed keys only.
        let statements = (bots.stats().statements, stances.stats().statements);
        assert_eq!(statements, (statements_before.0 + 1, statements_before.1 + 1));
        eprintln!(
            "server restart: set-up {setup:?}, {} requests, {}/{} loads failed during an outage of {outage:?}, \
             {after_recovery} after it, {:?} in all; {:?} / {:?}",
            requests.len(),
            failed_bots.len(),
            failed_stances.len(),
            test_started.elapsed(),
            bots.stats(),
            stances.stats()
        );
        drop(probe);
        pool.close().await;
        drop(db);
        drop(server);
    })
    .await;
}
