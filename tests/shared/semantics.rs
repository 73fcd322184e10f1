// The loader contract where it depends on the database, proven against real databases of
// every backend with exact assertions: every caller's answer against per-key reference
// queries, text keys matched by exact value, 40,000 keys in chunked statements, a real
// statement failure, nested loads over a nullable self-referencing key, and a property test
// against per-key reference queries. The engine-only guarantees (batch counting, cancellation,
// the cache, clear during a flight, delay, runtime shutdown, nesting, stress) are unit tests
// on a fake source in `runtime/src/engine_tests`.
//
// One body for every backend: each test crate's `tests/semantics.rs` names its library
// `backend` (`use batchload_tests_postgres as backend;`) and includes this file. The library
// provides the models and loaders, `Db`, `Timestamp`, `seed_time`, `seed`, `sql` and
// `TestDb::connect`, which is `None` (the test returns early) when no server is reachable.
// Reference queries are runtime-checked SQL written with `$n` placeholders, converted by
// `backend::sql` for MySQL.
//
// Every test body runs under a timeout, so a hang fails the test instead of blocking the run.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use backend::{
    Bot, BotById, BotNamedByName, BotStance, BotStanceByBotId, Employee, EmployeeById, EmployeeByReportsTo, NamedBot,
    Timestamp, seed,
};
use batchload::{DEFAULT_MAX_BATCH_SIZE, Error, LoaderOptions};
use futures_util::future::{join, join_all};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::AssertSqlSafe;

/// The pool type of the backend under test.
type DbPool = sqlx::Pool<backend::Db>;

/// Upper bound for every test body: a hang fails instead of blocking the run.
const LIMIT: Duration = Duration::from_secs(60);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: did not complete within {LIMIT:?} (hang)"),
    }
}

/// Seeds bots `1..=bots` and their stances (`seed::bots`, `seed::stances`).
async fn seed_bots_and_stances(pool: &DbPool, bots: i64) {
    seed::bots(pool, bots).await.expect("seed bots");
    seed::stances(pool, bots).await.expect("seed stances");
}

/// `text` (placeholders written `$1`, `$2`, ...) as a statement for the backend under test.
fn query_text(text: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(backend::sql(text))
}

/// The backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Postgres,
    MySql,
}

fn kind() -> Kind {
    match <backend::Db as sqlx::Database>::NAME {
        "SQLite" => Kind::Sqlite,
        "PostgreSQL" => Kind::Postgres,
        "MySQL" => Kind::MySql,
        other => panic!("no semantics tests for database {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Per-key reference queries (runtime-checked SQL, one statement per key).
// ---------------------------------------------------------------------------------------------

use backend::reference::{bot as ref_bot, stances as ref_stances};

/// The bots whose name is exactly `name`. SQL `=` is not exact everywhere (MySQL's
/// `utf8mb4_bin` pads with spaces: `'bot-7 ' = 'bot-7'`), while loaders match rows to keys
/// by Rust value, so the reference keeps only the rows whose name equals `name` exactly.
async fn ref_named(pool: &DbPool, name: &str) -> Vec<NamedBot> {
    sqlx::query_as::<_, (i64, String, String)>(query_text(
        "SELECT id, name, persona FROM bots WHERE name = $1 ORDER BY id",
    ))
    .bind(name)
    .fetch_all(pool)
    .await
    .expect("reference query on bots by name")
    .into_iter()
    .filter(|(_, found, _)| found == name)
    .map(|(id, name, persona)| NamedBot { id, name, persona })
    .collect()
}

async fn ref_employee(pool: &DbPool, id: i64) -> Option<Employee> {
    sqlx::query_as::<_, (i64, String, Option<i64>)>(query_text(
        "SELECT id, name, reports_to FROM employees WHERE id = $1",
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .expect("reference query on employees")
    .map(|(id, name, reports_to)| Employee { id, name, reports_to })
}

async fn ref_reports(pool: &DbPool, manager: i64) -> Vec<Employee> {
    sqlx::query_as::<_, (i64, String, Option<i64>)>(query_text(
        "SELECT id, name, reports_to FROM employees WHERE reports_to = $1 ORDER BY id",
    ))
    .bind(manager)
    .fetch_all(pool)
    .await
    .expect("reference query on employees by manager")
    .into_iter()
    .map(|(id, name, reports_to)| Employee { id, name, reports_to })
    .collect()
}

/// Per-key reference answers for every key of `keys`.
async fn references(
    pool: &DbPool,
    keys: impl IntoIterator<Item = i64>,
) -> (HashMap<i64, Option<Bot>>, HashMap<i64, Vec<BotStance>>) {
    let mut bots = HashMap::new();
    let mut stances = HashMap::new();
    for key in keys {
        bots.insert(key, ref_bot(pool, key).await);
        stances.insert(key, ref_stances(pool, key).await);
    }
    (bots, stances)
}

/// The `CREATE TABLE bot_stances` statement (without its `;`), verbatim from the backend's
/// demo schema migration.
fn bot_stances_ddl() -> &'static str {
    let schema: &'static str = match kind() {
        Kind::Sqlite => include_str!("../../migrations/sqlite/0001_demo_schema.sql"),
        Kind::Postgres => include_str!("../../migrations/postgres/0001_demo_schema.sql"),
        Kind::MySql => include_str!("../../migrations/mysql/0001_demo_schema.sql"),
    };
    let start = schema.find("CREATE TABLE bot_stances").expect("bot_stances DDL in the migration");
    let end = start + schema[start..].find(';').expect("end of the bot_stances DDL");
    &schema[start..end]
}

fn distinct(keys: &[i64]) -> usize {
    keys.iter().collect::<HashSet<_>>().len()
}

// ---------------------------------------------------------------------------------------------
// Ordering and de-duplication
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_caller_gets_the_answer_for_its_own_key_in_shuffled_order() {
    within("order", async {
        let Some(db) = backend::TestDb::connect(4).await else { return };
        seed_bots_and_stances(&db.pool, 300).await;
        let pool = &db.pool;
        // Found keys, missing keys (<= 0, > 300, extremes), and bots with 0..=3 stances.
        let mut keys: Vec<i64> = (-5..=310).collect();
        keys.extend([i64::MIN, i64::MAX, i64::MIN + 1, 1 << 53, (1 << 53) + 1]);
        fastrand::Rng::with_seed(0x0005_eed0_0001).shuffle(&mut keys);

        let bots = BotById::new(pool.clone());
        let stances = BotStanceByBotId::new(pool.clone());
        let (bot_answers, stance_answers) =
            join(join_all(keys.iter().map(|&k| bots.load(k))), join_all(keys.iter().map(|&k| stances.load(k)))).await;

        let mut found_bots = 0;
        let mut found_stances = 0;
        for ((&key, bot), stance) in keys.iter().zip(bot_answers).zip(stance_answers) {
            let expected_bot = ref_bot(pool, key).await;
            let expected_stances = ref_stances(pool, key).await;
            found_bots += usize::from(expected_bot.is_some());
            found_stances += expected_stances.len();
            assert_eq!(bot.expect("BotById load"), expected_bot, "BotById key {key}");
            assert_eq!(stance.expect("BotStanceByBotId load"), expected_stances, "BotStanceByBotId key {key}");
        }
        assert_eq!(found_bots, 300, "the domain covers every seeded bot");
        assert_eq!(found_stances, 450, "the domain covers every seeded stance");
        for (name, stats, rows) in
            [("BotById", bots.stats(), found_bots), ("BotStanceByBotId", stances.stats(), found_stances)]
        {
            assert_eq!(stats.batches, 1, "{name}: {stats:?}");
            assert_eq!(stats.statements, 1, "{name}: {stats:?}");
            assert_eq!(stats.keys, keys.len() as u64, "{name}: {stats:?}");
            assert_eq!(stats.rows, rows as u64, "{name}: {stats:?}");
            assert_eq!(stats.failed_batches, 0, "{name}: {stats:?}");
        }
    })
    .await;
}

/// `load_shared` of derived loaders: the same answers as the reference queries, from one
/// statement per loader, handed out without copies.
#[tokio::test]
async fn shared_answers_match_the_reference_queries() {
    within("shared", async {
        let Some(db) = backend::TestDb::connect(4).await else { return };
        seed_bots_and_stances(&db.pool, 40).await;
        let pool = &db.pool;
        let keys: Vec<i64> = (-2..=45).chain([7, 7, 8]).collect();
        let bots = BotById::new(pool.clone());
        let stances = BotStanceByBotId::new(pool.clone());
        let (bot_answers, stance_answers) = join(
            join_all(keys.iter().map(|&k| bots.load_shared(k))),
            join_all(keys.iter().map(|&k| stances.load_shared(k))),
        )
        .await;
        for ((&key, bot), stance) in keys.iter().zip(bot_answers).zip(stance_answers) {
            assert_eq!(*bot.expect("BotById load_shared"), ref_bot(pool, key).await, "BotById key {key}");
            let stance = stance.expect("BotStanceByBotId load_shared");
            assert_eq!(*stance, ref_stances(pool, key).await, "BotStanceByBotId key {key}");
        }
        for stats in [bots.stats(), stances.stats()] {
            assert_eq!((stats.batches, stats.statements, stats.keys), (1, 1, 48), "{stats:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn text_keys_are_matched_by_exact_value() {
    within("text keys", async {
        let Some(db) = backend::TestDb::connect(4).await else { return };
        seed_bots_and_stances(&db.pool, 20).await;
        let pool = &db.pool;
        let extra = [
            (1001, "zoë"),
            (1002, "日本語の名前"),
            (1003, ""),
            (1004, "it's"),
            (1005, "quote\"d \\ back"),
            (1006, "emoji 🦀"),
            (1007, "bot-7"),
            (1008, "BOT-7"),
            (1009, " bot-7"),
            (1010, "zoë"),
            (1011, "[\"json\"]"),
        ];
        for (id, name) in extra {
            sqlx::query(query_text("INSERT INTO bots (id, name, persona) VALUES ($1, $2, $3)"))
                .bind(id)
                .bind(name)
                .bind(format!("persona {id}"))
                .execute(pool)
                .await
                .expect("insert a named bot");
        }
        let mut names: Vec<String> = extra.iter().map(|(_, name)| (*name).to_owned()).collect();
        names.extend(["bot-1", "bot-20", "bot-21", "Zoë", "zoe", "nobody", "bot-7 ", "%", "_"].map(str::to_owned));
        let duplicated: Vec<String> = names.iter().chain(names.iter()).cloned().collect();
        let mut keys = duplicated;
        fastrand::Rng::with_seed(7).shuffle(&mut keys);

        let loader = BotNamedByName::new(pool.clone());
        let answers = join_all(keys.iter().map(|name| loader.load(name.clone()))).await;
        for (name, answer) in keys.iter().zip(answers) {
            assert_eq!(answer.expect("BotNamedByName load"), ref_named(pool, name).await, "name {name:?}");
        }
        assert_eq!(ref_named(pool, "bot-7").await.len(), 2, "two bots share the name bot-7");
        assert_eq!(ref_named(pool, "zoë").await.len(), 2, "two bots share the name zoë");
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.statements), (1, 1), "{stats:?}");
        assert_eq!(stats.keys, names.iter().collect::<HashSet<_>>().len() as u64, "{stats:?}");

        let many = loader.load_many(keys.iter().cloned()).await.expect("load_many by name");
        assert_eq!(many.len(), names.iter().collect::<HashSet<_>>().len());
        for name in &names {
            assert_eq!(many[name], ref_named(pool, name).await, "load_many name {name:?}");
        }
        assert_eq!(loader.stats().statements, 1, "load_many was answered from the cache");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// load_many
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn load_many_of_forty_thousand_keys_runs_four_statements() {
    within("40k keys", async {
        let Some(db) = backend::TestDb::connect(5).await else { return };
        let pool = &db.pool;
        seed::bots(pool, 39_990).await.expect("seed bots");
        let table: HashMap<i64, Bot> =
            sqlx::query_as::<_, (i64, String, String, Timestamp)>("SELECT id, name, persona, created_at FROM bots")
                .fetch_all(pool)
                .await
                .expect("read the table")
                .into_iter()
                .map(|(id, name, persona, created_at)| (id, Bot { id, name, persona, created_at }))
                .collect();
        assert_eq!(table.len(), 39_990);

        let mut keys: Vec<i64> = (1..=40_000).collect();
        // Duplicates never cause a split: 40,000 distinct keys, 45,000 requested.
        keys.extend(1..=5_000);
        fastrand::Rng::with_seed(40_000).shuffle(&mut keys);
        let loader = BotById::new(pool.clone());
        let many = loader.load_many(keys.iter().copied()).await.expect("load_many");
        assert_eq!(many, table, "every found key, and only those");
        let stats = loader.stats();
        assert_eq!(DEFAULT_MAX_BATCH_SIZE, 10_000);
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 4, 40_000, 39_990), "{stats:?}");
        assert_eq!(loader.cached_keys(), 40_000);

        // The same through 40,000 concurrent loads on a fresh loader.
        let loader = BotById::new(pool.clone());
        let answers = join_all(keys.iter().map(|&k| loader.load(k))).await;
        for (key, answer) in keys.iter().zip(answers) {
            assert_eq!(answer.expect("load").as_ref(), table.get(key), "key {key}");
        }
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 4, 40_000, 39_990), "{stats:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// `error` is the backend's "table `bot_stances` does not exist" error.
fn assert_missing_bot_stances(error: &sqlx::Error) {
    let Some(database_error) = error.as_database_error() else {
        panic!("expected a database error, got {error:?}");
    };
    let (code, message) = (database_error.code(), database_error.message());
    match kind() {
        // SQLITE_ERROR, the generic code: the message tells the cause.
        Kind::Sqlite => {
            assert_eq!(code.as_deref(), Some("1"), "{error:?}");
            assert_eq!(message, "no such table: bot_stances", "{error:?}");
        }
        // undefined_table
        Kind::Postgres => {
            assert_eq!(code.as_deref(), Some("42P01"), "{error:?}");
            assert_eq!(message, "relation \"bot_stances\" does not exist", "{error:?}");
        }
        // ER_NO_SUCH_TABLE (1146), SQLSTATE 42S02; the message names the test's database.
        Kind::MySql => {
            assert_eq!(code.as_deref(), Some("42S02"), "{error:?}");
            assert!(message.starts_with("Table '") && message.ends_with(".bot_stances' doesn't exist"), "{error:?}");
        }
    }
}

fn assert_database_error(result: Result<impl std::fmt::Debug, Error>, loader_name: &str, key_count: usize) {
    match result {
        Err(Error::Database { loader, keys, source }) => {
            assert_eq!(loader, loader_name);
            assert_eq!(keys, key_count);
            assert_missing_bot_stances(&source);
        }
        other => panic!("expected Error::Database {{ loader: {loader_name:?}, keys: {key_count} }}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failed_batch_fails_every_waiter_and_is_not_cached() {
    within("errors", async {
        let Some(db) = backend::TestDb::connect(4).await else { return };
        seed_bots_and_stances(&db.pool, 300).await;
        let pool = &db.pool;
        let (_, reference) = references(pool, 1..=30).await;
        let bots = BotById::new(pool.clone());
        assert_eq!(bots.load(3).await.expect("load before the drop"), ref_bot(pool, 3).await);

        sqlx::query("DROP TABLE bot_stances").execute(pool).await.expect("drop bot_stances");
        let loader = BotStanceByBotId::new(pool.clone());
        let keys: Vec<i64> = (1..=20).collect();
        let results = join_all(keys.iter().map(|&k| loader.load(k))).await;
        assert_eq!(results.len(), 20);
        for result in results {
            assert_database_error(result, "BotStanceByBotId", 20);
        }
        let stats = loader.stats();
        assert_eq!(stats.failed_batches, 1, "{stats:?}");
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 20, 0), "{stats:?}");
        assert_eq!(loader.cached_keys(), 0, "failed keys are not cached");

        // load_many fails the same way, with the error of its batch.
        assert_database_error(loader.load_many([1, 2, 2, 21]).await, "BotStanceByBotId", 3);
        assert_eq!(loader.stats().failed_batches, 2);

        // Other loaders are unaffected.
        assert_eq!(bots.load(4).await.expect("BotById still works"), ref_bot(pool, 4).await);

        sqlx::query(bot_stances_ddl()).execute(pool).await.expect("recreate bot_stances");
        seed::stances(pool, 300).await.expect("reseed stances");
        let results = join_all(keys.iter().map(|&k| loader.load(k))).await;
        for (key, result) in keys.iter().zip(results) {
            assert_eq!(result.expect("load after recreating the table"), reference[key], "key {key}");
        }
        let many = loader.load_many(1..=30).await.expect("load_many after recreating the table");
        assert_eq!(many, reference);
        let stats = loader.stats();
        assert_eq!(stats.failed_batches, 2, "{stats:?}");
        assert_eq!((stats.batches, stats.statements), (4, 4), "{stats:?}");
        assert_eq!(loader.cached_keys(), 30);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Nested loads
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn nested_loads_across_two_loaders_find_reports_of_reports() {
    within("reports of reports", async {
        let Some(db) = backend::TestDb::connect(4).await else { return };
        seed::employees(&db.pool, 500).await.expect("seed employees");
        let pool = &db.pool;
        let by_id = EmployeeById::new(pool.clone());
        let reports = EmployeeByReportsTo::new(pool.clone());
        let grand = join_all((1..=500).map(|manager| {
            let (by_id, reports) = (&by_id, &reports);
            async move {
                let direct = reports.load(manager).await.expect("direct reports");
                let below = join_all(direct.iter().map(|report| async move {
                    let again = by_id.load(report.id).await.expect("load report").expect("report exists");
                    assert_eq!(&again, report);
                    reports.load(again.id).await.expect("reports of report")
                }))
                .await;
                (direct, below.into_iter().flatten().collect::<Vec<Employee>>())
            }
        }))
        .await;
        for (manager, (direct, below)) in (1..=500).zip(grand) {
            assert_eq!(direct, ref_reports(pool, manager).await, "direct reports of {manager}");
            let expected: Vec<i64> = (4 * manager..4 * manager + 4).filter(|&i| i <= 500).collect();
            assert_eq!(below.iter().map(|e| e.id).collect::<Vec<_>>(), expected, "reports of reports of {manager}");
            for employee in &below {
                assert_eq!(Some(employee), ref_employee(pool, employee.id).await.as_ref());
            }
        }
        let stats = reports.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 500, 499), "{stats:?}");
        let stats = by_id.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 499, 499), "{stats:?}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Property test
// ---------------------------------------------------------------------------------------------

struct Reference {
    bots: HashMap<i64, Option<Bot>>,
    stances: HashMap<i64, Vec<BotStance>>,
}

const DOMAIN: std::ops::RangeInclusive<i64> = -5..=300;

fn key_lists() -> impl Strategy<Value = Vec<i64>> {
    prop_oneof![
        4 => prop::collection::vec(DOMAIN, 0..=16),
        3 => prop::collection::vec(DOMAIN, 0..=256),
        1 => prop::collection::vec(DOMAIN, 0..=5_000),
    ]
}

fn batch_sizes() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![1 => Just(None), 3 => (1usize..=64).prop_map(Some)]
}

fn case_error(error: Error) -> TestCaseError {
    TestCaseError::fail(format!("loader error: {error}"))
}

async fn check_case(
    pool: &DbPool,
    reference: &Reference,
    keys: &[i64],
    max_batch_size: Option<usize>,
    cache: bool,
) -> Result<(), TestCaseError> {
    let options =
        max_batch_size.map_or_else(LoaderOptions::new, |size| LoaderOptions::new().max_batch_size(size)).cache(cache);
    let chunk = max_batch_size.unwrap_or(DEFAULT_MAX_BATCH_SIZE);
    let distinct_keys: BTreeSet<i64> = keys.iter().copied().collect();
    let distinct_count = distinct(keys);
    let statements = distinct_count.div_ceil(chunk) as u64;
    let batches = u64::from(distinct_count > 0);

    // Unique loader: load_many, then loads on the same loader, then loads on a fresh one.
    let expected_bots: HashMap<i64, Bot> =
        distinct_keys.iter().filter_map(|k| reference.bots[k].clone().map(|bot| (*k, bot))).collect();
    let bots = BotById::with_options(pool.clone(), options.clone());
    let many = bots.load_many(keys.iter().copied()).await.map_err(case_error)?;
    prop_assert_eq!(&many, &expected_bots);
    let stats = bots.stats();
    prop_assert_eq!(
        (stats.batches, stats.statements, stats.keys, stats.rows, stats.failed_batches),
        (batches, statements, distinct_count as u64, expected_bots.len() as u64, 0)
    );
    let answers = join_all(keys.iter().map(|&k| bots.load(k))).await;
    for (key, answer) in keys.iter().zip(answers) {
        prop_assert_eq!(&answer.map_err(case_error)?, &reference.bots[key], "BotById key {}", key);
    }
    let expected_after = if cache { statements } else { 2 * statements };
    prop_assert_eq!(bots.stats().statements, expected_after);

    let fresh = BotById::with_options(pool.clone(), options.clone());
    let answers = join_all(keys.iter().map(|&k| fresh.load(k))).await;
    for (key, answer) in keys.iter().zip(answers) {
        prop_assert_eq!(&answer.map_err(case_error)?, &reference.bots[key], "BotById key {}", key);
    }
    let stats = fresh.stats();
    prop_assert_eq!((stats.batches, stats.statements, stats.keys), (batches, statements, distinct_count as u64));

    // Group loader: the map holds every requested key.
    let expected_stances: HashMap<i64, Vec<BotStance>> =
        distinct_keys.iter().map(|k| (*k, reference.stances[k].clone())).collect();
    let expected_rows: usize = expected_stances.values().map(Vec::len).sum();
    let stances = BotStanceByBotId::with_options(pool.clone(), options.clone());
    let many = stances.load_many(keys.iter().copied()).await.map_err(case_error)?;
    prop_assert_eq!(&many, &expected_stances);
    let stats = stances.stats();
    prop_assert_eq!(
        (stats.batches, stats.statements, stats.keys, stats.rows, stats.failed_batches),
        (batches, statements, distinct_count as u64, expected_rows as u64, 0)
    );
    let fresh = BotStanceByBotId::with_options(pool.clone(), options.clone());
    let answers = join_all(keys.iter().map(|&k| fresh.load(k))).await;
    for (key, answer) in keys.iter().zip(answers) {
        prop_assert_eq!(&answer.map_err(case_error)?, &reference.stances[key], "BotStanceByBotId key {}", key);
    }
    let stats = fresh.stats();
    prop_assert_eq!((stats.batches, stats.statements, stats.keys), (batches, statements, distinct_count as u64));

    // Mixed: loads and a load_many of the other half, concurrently, on one fresh loader.
    let (first, second) = keys.split_at(keys.len() / 2);
    let mixed = BotStanceByBotId::with_options(pool.clone(), options);
    let (answers, many) =
        join(join_all(first.iter().map(|&k| mixed.load(k))), mixed.load_many(second.iter().copied())).await;
    for (key, answer) in first.iter().zip(answers) {
        prop_assert_eq!(&answer.map_err(case_error)?, &reference.stances[key], "mixed key {}", key);
    }
    let many = many.map_err(case_error)?;
    prop_assert_eq!(many.len(), distinct(second));
    for key in second {
        prop_assert_eq!(&many[key], &reference.stances[key], "mixed load_many key {}", key);
    }
    prop_assert_eq!(mixed.stats().failed_batches, 0);
    Ok(())
}

#[test]
fn property_loads_match_per_key_reference_queries() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    // One database and one runtime for every case; the database is declared after the
    // runtime, so it is dropped first.
    let Some(db) = runtime.block_on(within("property connect", backend::TestDb::connect(5))) else { return };
    let reference = runtime.block_on(within("property setup", async {
        seed_bots_and_stances(&db.pool, 300).await;
        let (bots, stances) = references(&db.pool, DOMAIN).await;
        assert_eq!(bots.values().filter(|bot| bot.is_some()).count(), 300);
        assert_eq!(stances.values().map(Vec::len).sum::<usize>(), 450);
        Reference { bots, stances }
    }));
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(1_000);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&(key_lists(), batch_sizes(), any::<bool>()), |(keys, max_batch_size, cache)| {
        runtime.block_on(within("property case", check_case(&db.pool, &reference, &keys, max_batch_size, cache)))
    });
    if let Err(error) = result {
        panic!("{error}\n{runner}");
    }
    eprintln!("property test: {cases} cases in {:?}", started.elapsed());
}
