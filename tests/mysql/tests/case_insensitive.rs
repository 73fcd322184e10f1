//! Case-insensitive keys on MariaDB (`utf8mb4_general_ci`): the derived statement compares
//! the column with the `JSON_TABLE` column's `utf8mb4_bin` collation, so it is exact; a
//! hand-written statement comparing under the column's collation returns rows of other case
//! and accents, counted as unmatched. Shares `tests/shared/case_insensitive.rs`.

use backend::handwritten::CiTagByNameCi;
use batchload::GroupLoader;

use batchload_tests_mysql as backend;

include!("../../shared/case_insensitive.rs");

#[tokio::test]
async fn the_derived_statement_compares_exactly_on_a_general_ci_column() {
    within(async {
        let Some(db) = seeded().await else { return };
        let loader = CiTagByName::new(db.pool.clone());
        let (upper, lower) = join(loader.load("ABC".to_owned()), loader.load("abc".to_owned())).await;
        assert_eq!(
            (upper.expect("load"), lower.expect("load")),
            (vec![], vec![CiTag { id: 1, name: "abc".to_owned() }])
        );
        assert_eq!(rows(&loader), (1, 0), "the statement itself matched \"abc\" only");
    })
    .await;
}

/// A hand-written statement comparing under the column's `utf8mb4_general_ci`: "ABC" and
/// "zoe" match rows the loader does not deliver; they are counted.
#[tokio::test]
async fn case_and_accent_insensitive_matches_are_counted() {
    within(async {
        let Some(db) = seeded().await else { return };
        let loader = GroupLoader::new(CiTagByNameCi { pool: db.pool.clone() });
        let (upper, accentless) = join(loader.load("ABC".to_owned()), loader.load("ZOE".to_owned())).await;
        assert_eq!((upper.expect("load"), accentless.expect("load")), (vec![], vec![]));
        let stats = loader.stats();
        assert_eq!((stats.statements, stats.rows, stats.unmatched_rows), (1, 2, 2), "{stats:?}");
        let exact = loader.load("Zoë".to_owned()).await.expect("load");
        assert_eq!(exact, [CiTag { id: 2, name: "Zoë".to_owned() }]);
    })
    .await;
}
