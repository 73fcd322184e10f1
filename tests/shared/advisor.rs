// The index advisor on the demo schema: before the index migration the four group loaders on
// unindexed columns scan their table (with the exact DDL that fixes them) and the primary-key
// loaders are indexed; after applying that DDL, and separately after the 0002 migration,
// every demo loader is indexed. Included by tests/<backend>/tests/advisor.rs after
// `use batchload_tests_<backend> as backend;`.

use std::time::Duration;

use backend::{
    BotById, BotStanceByBotId, BotStanceById, Db, HoldingById, HoldingByOwner, INDEX_MIGRATION, MessageByBotId,
    MessageByChatId, MessageById, TestDb, seed,
};
use batchload::advisor::{Access, AdvisorError, IndexReport, analyze, assert_indexed, registered_for};
use batchload::LoaderInfo;
use sqlx::Executor as _;

const TIMEOUT: Duration = Duration::from_secs(120);

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future).await.expect("test timed out")
}

/// The demo loaders, as registered by the derive, in name order.
fn demo_loaders() -> Vec<LoaderInfo> {
    let names = [
        BotById::LOADER,
        BotStanceByBotId::LOADER,
        BotStanceById::LOADER,
        HoldingById::LOADER,
        HoldingByOwner::LOADER,
        MessageByBotId::LOADER,
        MessageByChatId::LOADER,
        MessageById::LOADER,
    ];
    let loaders: Vec<_> = registered_for::<Db>().into_iter().filter(|info| names.contains(&info.loader)).collect();
    assert_eq!(loaders.iter().map(|info| info.loader).collect::<Vec<_>>(), names);
    loaders
}

fn database() -> &'static str {
    <Db as sqlx::Database>::NAME
}

/// `name` quoted as this backend's derive quotes identifiers.
fn q(name: &str) -> String {
    if database() == "PostgreSQL" { format!("\"{name}\"") } else { format!("`{name}`") }
}

/// The index serving each primary-key loader of `table`.
fn primary_key_index(table: &str) -> String {
    match database() {
        "SQLite" => "INTEGER PRIMARY KEY".to_owned(),
        "PostgreSQL" => format!("{table}_pkey"),
        _ => "PRIMARY".to_owned(),
    }
}

/// The exact DDL the advisor suggests for the four scanning demo loaders, by loader.
fn expected_suggestions() -> Vec<(&'static str, String)> {
    vec![
        (
            "BotStanceByBotId",
            format!("CREATE INDEX {} ON {} ({})", q("idx_bot_stances_bot_id"), q("bot_stances"), q("bot_id")),
        ),
        (
            "HoldingByOwner",
            format!("CREATE INDEX {} ON {} ({})", q("idx_bot_holdings_bot_id"), q("bot_holdings"), q("bot_id")),
        ),
        ("MessageByBotId", format!("CREATE INDEX {} ON {} ({})", q("idx_messages_bot_id"), q("messages"), q("bot_id"))),
        (
            "MessageByChatId",
            format!(
                "CREATE INDEX {} ON {} ({}, {})",
                q("idx_messages_chat_id_created_at"),
                q("messages"),
                q("chat_id"),
                q("created_at")
            ),
        ),
    ]
}

type Row = (&'static str, Access, Option<String>, Option<String>);

/// The report without the what-if outcomes (which depend on the planner's view of 20 rows).
fn actual_without_verification(report: &IndexReport) -> Vec<Row> {
    summary(report)
}

/// (loader, access, index, suggestion) of every entry.
fn summary(report: &IndexReport) -> Vec<Row> {
    report
        .plans()
        .iter()
        .map(|plan| {
            let name = [
                "BotById",
                "BotStanceByBotId",
                "BotStanceById",
                "HoldingById",
                "HoldingByOwner",
                "MessageByBotId",
                "MessageByChatId",
                "MessageById",
            ]
            .into_iter()
            .find(|name| *name == plan.loader())
            .unwrap_or("other");
            let suggestion = plan.suggestions().first().map(|suggestion| suggestion.ddl().to_owned());
            (name, plan.access(), plan.index().map(str::to_owned), suggestion)
        })
        .collect()
}

/// The expected summary: primary keys indexed, the four group loaders either scanning (with
/// their suggestion) or served by `secondary(loader)`.
fn expected(secondary: Option<fn(&str) -> &'static str>) -> Vec<Row> {
    let pk = |loader: &'static str, table: &str| (loader, Access::Indexed, Some(primary_key_index(table)), None);
    let group = |loader: &'static str| -> Row {
        match secondary {
            Some(index) => (loader, Access::Indexed, Some(index(loader).to_owned()), None),
            None => {
                let ddl = expected_suggestions().into_iter().find(|(name, _)| *name == loader).map(|(_, ddl)| ddl);
                (loader, Access::FullScan, None, ddl)
            }
        }
    };
    vec![
        pk("BotById", "bots"),
        group("BotStanceByBotId"),
        pk("BotStanceById", "bot_stances"),
        pk("HoldingById", "bot_holdings"),
        group("HoldingByOwner"),
        group("MessageByBotId"),
        group("MessageByChatId"),
        pk("MessageById", "messages"),
    ]
}

async fn seeded_before_indexes() -> Option<TestDb> {
    let db = TestDb::connect_up_to(2, INDEX_MIGRATION - 1).await?;
    seed::bots(&db.pool, 20).await.expect("seed bots");
    seed::stances(&db.pool, 20).await.expect("seed stances");
    Some(db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_loaders_scan_before_the_index_migration_and_the_suggested_ddl_fixes_them() {
    within(async {
        let Some(db) = seeded_before_indexes().await else { return };
        let loaders = demo_loaders();

        let before = analyze(&db.pool, &loaders).await.unwrap();
        eprintln!("{before}");
        assert_eq!(summary(&before), expected(None));
        assert_eq!(before.database(), database());
        assert!(!before.is_indexed());
        let suggestions: Vec<String> = expected_suggestions().into_iter().map(|(_, ddl)| ddl).collect();
        let mut all: Vec<&str> =
            before.plans().iter().flat_map(|plan| plan.suggestions()).map(|suggestion| suggestion.ddl()).collect();
        all.dedup();
        assert_eq!(all, suggestions);
        for scan in before.full_scans() {
            assert!(!scan.plan().is_empty(), "{} kept no plan", scan.loader());
            assert!(scan.reason().is_some_and(|reason| !reason.is_empty()), "{} gave no reason", scan.loader());
        }

        // assert_indexed fails, listing exactly the scanning statements with their DDL.
        let error = assert_indexed(&db.pool, &loaders).await.unwrap_err();
        let AdvisorError::NotIndexed(report) = &error else { panic!("expected NotIndexed, got {error}") };
        assert_eq!(actual_without_verification(report), actual_without_verification(&before));
        let message = error.to_string();
        let head = format!("4 loader statement(s) are not served by an index on {}:\n- ", database());
        assert!(message.starts_with(&head), "message:\n{message}");
        for (sql, target, (loader, ddl)) in [
            (BotStanceByBotId::SQL, "bot_stances.bot_id", &expected_suggestions()[0]),
            (HoldingByOwner::SQL, "bot_holdings.bot_id", &expected_suggestions()[1]),
            (MessageByBotId::SQL, "messages.bot_id", &expected_suggestions()[2]),
            (MessageByChatId::SQL, "messages.chat_id", &expected_suggestions()[3]),
        ] {
            let entry = format!("\n- {loader} ({target}): {sql}\n  FULL SCAN: ");
            assert!(message.contains(&entry), "message lacks {entry:?}:\n{message}");
            assert!(message.contains(&format!("\n  fix: {ddl};  -- ")), "message lacks {ddl}:\n{message}");
        }
        assert!(
            message.contains(&format!(
                "\n\nindex advisor ({}): 8 loader statements: 4 indexed, 4 full scan(s), 0 not indexable, 0 not analyzed",
                database()
            )),
            "{message}"
        );
        assert_eq!(format!("{error:?}"), message);
        for indexed in ["BotById", "BotStanceById", "HoldingById", "MessageById"] {
            assert!(!message.contains(&format!("- {indexed} (")), "{indexed} listed as scanning:\n{message}");
        }

        // Apply exactly the suggested DDL: every statement is now served by an index.
        for ddl in expected_suggestions().into_iter().map(|(_, ddl)| ddl) {
            db.pool.execute(sqlx::AssertSqlSafe(ddl.to_owned())).await.unwrap();
        }
        let after = analyze(&db.pool, &loaders).await.unwrap();
        eprintln!("{after}");
        assert_eq!(
            summary(&after),
            expected(Some(|loader| match loader {
                "BotStanceByBotId" => "idx_bot_stances_bot_id",
                "HoldingByOwner" => "idx_bot_holdings_bot_id",
                "MessageByBotId" => "idx_messages_bot_id",
                _ => "idx_messages_chat_id_created_at",
            }))
        );
        assert!(after.is_indexed());
        assert_eq!(after.suggestions(), Vec::<&str>::new());
        assert_indexed(&db.pool, &loaders).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_migration_indexes_every_demo_loader() {
    within(async {
        let Some(db) = seeded_before_indexes().await else { return };
        let loaders = demo_loaders();
        assert!(matches!(assert_indexed(&db.pool, &loaders).await, Err(AdvisorError::NotIndexed(_))));

        db.migrate_all().await.unwrap();
        let report = analyze(&db.pool, &loaders).await.unwrap();
        eprintln!("{report}");
        assert_eq!(
            summary(&report),
            expected(Some(|loader| match loader {
                "BotStanceByBotId" => "idx_bot_stances_bot_id",
                "HoldingByOwner" => "idx_bot_holdings_bot_id",
                "MessageByBotId" => "idx_messages_bot_id_created_at",
                _ => "idx_messages_chat_id_created_at",
            }))
        );
        assert_indexed(&db.pool, &loaders).await.unwrap();

        // A database migrated in one go has the same indexes.
        let Some(fresh) = TestDb::connect(1).await else { return };
        assert_eq!(summary(&analyze(&fresh.pool, &loaders).await.unwrap()), summary(&report));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_loader_can_be_planned_and_nothing_checked_is_not_a_pass() {
    within(async {
        let Some(db) = TestDb::connect(2).await else { return };
        // Every key type of the fixtures (text, UUID, dates, enums on PostgreSQL) plans.
        let all = registered_for::<Db>();
        let report = analyze(&db.pool, &all).await.unwrap();
        assert_eq!(report.plans().len(), all.len());
        for plan in report.plans() {
            assert_ne!(plan.access(), Access::NotAnalyzed, "{}: {:?}", plan.loader(), plan.reason());
            if ["BotById", "BotStanceById", "HoldingById", "MessageById", "EmployeeById", "KeySampleById"]
                .contains(&plan.loader())
            {
                assert_eq!(plan.access(), Access::Indexed, "{}:\n{}", plan.loader(), plan.plan());
            }
        }
        assert!(matches!(assert_indexed(&db.pool, Vec::<LoaderInfo>::new()).await, Err(AdvisorError::NoLoaders)));
    })
    .await;
}
