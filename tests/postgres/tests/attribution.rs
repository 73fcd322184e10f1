//! Attribution inside the database: every loader statement ends with a comment naming its
//! loader (`/*batchload='BotById'*/`), and PostgreSQL's own statistics show it. The test runs
//! on a throwaway server of its own (`initdb` + `pg_ctl`, tests/shared/throwaway_server.rs)
//! started with `shared_preload_libraries=pg_stat_statements` (the shared server is never
//! restarted): the loaders' statements run there, and `pg_stat_statements.query` holds each
//! loader's exact text, comment included, with one call per batch. Skipped (a SKIPPED line on
//! stderr) without the server programs or the `pg_stat_statements` module, unless `CI=true`.

use std::time::Duration;

use backend::handwritten::StancesForViewer;
use backend::{BotById, BotStanceByBotId, TestDb, seed};
use batchload::{BatchQuery, GroupLoader};
use batchload_tests_postgres as backend;

#[path = "../../shared/throwaway_server.rs"]
#[allow(dead_code, reason = "stopping and restarting are the fault tests'; this test only starts a server")]
mod throwaway_server;

use throwaway_server::ThrowawayServer;

/// How long the whole test may take (starting a server included).
const LIMIT: Duration = Duration::from_secs(120);

/// The `pg_stat_statements` rows of the current database whose text carries a batchload
/// comment: `(query, calls)`, sorted by text.
async fn attributed_statements(pool: &sqlx::PgPool) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT s.query, s.calls FROM pg_stat_statements AS s \
         JOIN pg_database AS d ON d.oid = s.dbid \
         WHERE d.datname = current_database() AND s.query LIKE '%/*batchload=%' ORDER BY s.query",
    )
    .fetch_all(pool)
    .await
    .expect("read pg_stat_statements")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_stat_statements_names_the_loader_of_each_statement() {
    tokio::time::timeout(LIMIT, async {
        let Some(server) = tokio::task::block_in_place(|| ThrowawayServer::start_with(&["pg_stat_statements"])) else {
            return;
        };
        let Some(db) = TestDb::connect_to(&server.url(), 2).await else { return };
        seed::bots(&db.pool, 20).await.expect("seed bots");
        seed::stances(&db.pool, 20).await.expect("seed stances");
        sqlx::raw_sql("CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset()")
            .execute(&db.pool)
            .await
            .expect("create pg_stat_statements in the test's database");

        // Two derived loaders and a hand-written one (`batch_statement!`), each in two batches.
        let bots = BotById::new(db.pool.clone());
        let stances = BotStanceByBotId::new(db.pool.clone());
        let viewer = GroupLoader::new(StancesForViewer { pool: db.pool.clone(), viewer: 3 });
        for keys in [[1_i64, 2, 3], [4, 5, 6]] {
            assert_eq!(bots.load_many(keys).await.expect("bots").len(), 3);
            assert_eq!(stances.load_many(keys).await.expect("stances").len(), 3);
            assert_eq!(viewer.load_many(keys).await.expect("stances for a viewer").len(), 3);
        }
        assert_eq!(
            [bots.stats().statements, stances.stats().statements, viewer.stats().statements],
            [2, 2, 2],
            "one statement per batch"
        );

        // Each loader's statement is in the statistics under its exact text: its comment names it.
        assert!(BotById::SQL.ends_with(" /*batchload='BotById'*/"), "{}", BotById::SQL);
        assert!(BotStanceByBotId::SQL.ends_with(" /*batchload='BotStanceByBotId'*/"));
        assert!(StancesForViewer::SQL.ends_with(" /*batchload='StancesForViewer'*/"));
        let mut expected = vec![
            (BotById::SQL.to_owned(), 2),
            (BotStanceByBotId::SQL.to_owned(), 2),
            // pg_stat_statements shows constants as parameters numbered after the statement's
            // own ($1, $2): the hand-written statement's `SELECT 1` reads `SELECT $3`.
            (StancesForViewer::SQL.replacen("SELECT 1 FROM", "SELECT $3 FROM", 1), 2),
        ];
        expected.sort();
        assert_eq!(attributed_statements(&db.pool).await, expected);
    })
    .await
    .expect("the test completes within its limit");
}
