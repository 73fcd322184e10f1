//! Smoke test of botfeed's synthetic workload on MySQL / MariaDB (`$BATCHLOAD_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306/mysql`; two databases are created and dropped).
//! Without a server it prints `SKIPPED` and passes, unless `CI=true`.

use botfeed::db::SeedSize;
use botfeed::{Config, Dataset, Target};
use sqlx::Connection as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_run_on_mysql_is_identical_error_free_and_batched() {
    let url = std::env::var("BATCHLOAD_MYSQL_URL")
        .ok()
        .and_then(|url| url.rsplit_once('/').map(|(server, _)| format!("{server}/mysql")))
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/mysql".to_owned());
    if let Err(error) = sqlx::MySqlConnection::connect(&url).await {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no MySQL at {url}: {error}");
        eprintln!("SKIPPED: no MySQL server at {url}: {error}");
        return;
    }
    assert!(botfeed::install_instrumentation(), "the test installs the global subscriber");
    let mut config = Config::new(std::path::Path::new("target"));
    config.target = Target::MySql(url);
    config.messages = 30;
    config.seed = 11;
    config.dataset = Dataset::All;
    config.progress = false;
    config.size = SeedSize { bots: 200, chats: 50, messages: 3_000 };
    let report = botfeed::run(&config).await.expect("the run completes");
    assert_eq!(report.backend, "mysql");
    let synthetic = report.workloads.iter().find(|w| w.name == "botfeed").expect("synthetic workload ran");
    assert_eq!(synthetic.operations, 30);
    assert!(synthetic.identical_output);
    assert_eq!(synthetic.errors, 0);
    assert!(synthetic.batched.queries_max <= 4, "{:?}", synthetic.batched);
    assert!(synthetic.naive.queries_per_op >= 15.0, "{:?}", synthetic.naive);
    assert!(synthetic.naive.findings.iter().any(|finding| finding.fix.contains("BotStanceByBotId")));
    assert_eq!(report.skipped.len(), 2, "Chinook is reported as skipped on MySQL");
}
