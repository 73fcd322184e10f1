// Keys under a case-insensitive comparison (SQLite `COLLATE NOCASE`, PostgreSQL `citext`
// bound as `citext[]` through `pg_type`): the database returns rows whose key differs from the
// requested one; the loader matches rows to keys by exact value, so such rows are not
// delivered, but counted in `LoaderStats::unmatched_rows` (and logged as a WARN, tested in the
// engine's unit tests). On MariaDB the derived statement compares with the `JSON_TABLE`
// column's collation (`utf8mb4_bin`), so it is exact even on a `utf8mb4_general_ci` column:
// tests/mysql/tests/case_insensitive.rs checks that, and a hand-written statement that
// compares under the column's collation. Included by tests/<backend>/tests/case_insensitive.rs
// after `use batchload_tests_<backend> as backend;`; the SQLite and PostgreSQL files run
// `derived_loader_counts_rows_matched_case_insensitively` as a test.

use std::time::Duration;

use backend::{CiTag, CiTagByName, TestDb};
use futures_util::future::join;

const TIMEOUT: Duration = Duration::from_secs(60);

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future).await.expect("test timed out")
}

async fn seeded() -> Option<TestDb> {
    let db = TestDb::connect(2).await?;
    sqlx::query(sqlx::AssertSqlSafe(backend::sql("INSERT INTO ci_tags (id, name) VALUES (1, $1), (2, $2)")))
        .bind("abc")
        .bind("Zoë")
        .execute(&db.pool)
        .await
        .expect("insert fixture rows");
    Some(db)
}

/// `(rows, unmatched_rows)` of `loader`.
fn rows(loader: &CiTagByName) -> (u64, u64) {
    let stats = loader.stats();
    (stats.rows, stats.unmatched_rows)
}

/// The derived loader over a column its statement compares case-insensitively: rows of
/// another case are counted, not delivered.
#[allow(dead_code)] // Not run on MariaDB, whose derived statement compares exactly.
async fn derived_loader_counts_rows_matched_case_insensitively() {
    within(async {
        let Some(db) = seeded().await else { return };
        let abc = CiTag { id: 1, name: "abc".to_owned() };

        // The database matches "ABC" to the row "abc"; the loader does not deliver it.
        let loader = CiTagByName::new(db.pool.clone());
        assert_eq!(loader.load("ABC".to_owned()).await.expect("load"), Vec::<CiTag>::new());
        assert_eq!(rows(&loader), (1, 1), "the row came back and was counted");
        assert_eq!(loader.load("abc".to_owned()).await.expect("load"), std::slice::from_ref(&abc));
        assert_eq!(rows(&loader), (2, 1));

        // Both spellings in one batch: the row comes back once, for the exact key.
        let loader = CiTagByName::new(db.pool.clone());
        let (upper, lower) = join(loader.load("ABC".to_owned()), loader.load("abc".to_owned())).await;
        assert_eq!((upper.expect("load"), lower.expect("load")), (vec![], vec![abc]));
        assert_eq!(rows(&loader), (1, 0));
        assert_eq!(loader.stats().statements, 1);

        // Case beyond ASCII folding is the database's business: "zoë" matches "Zoë" on all three.
        let loader = CiTagByName::new(db.pool.clone());
        assert_eq!(loader.load("zoë".to_owned()).await.expect("load"), Vec::<CiTag>::new());
        assert_eq!(rows(&loader), (1, 1));
        let many = loader.load_many(["Zoë".to_owned(), "nobody".to_owned()]).await.expect("load_many");
        assert_eq!(many["Zoë"], [CiTag { id: 2, name: "Zoë".to_owned() }]);
        assert!(many["nobody"].is_empty());
        assert_eq!(rows(&loader), (2, 1));
    })
    .await;
}
