//! Bad input is refused before any work, with a message naming the problem and exit code 2:
//! each case runs the built `botfeed` binary and checks that no database file was created.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BOTFEED: &str = env!("CARGO_BIN_EXE_botfeed");

/// Runs botfeed with `args` on a SQLite file in `dir` (unless `args` names a database), with
/// no `BOTFEED_CHINOOK_DIR` unless `chinook_env` gives one.
fn botfeed(dir: &Path, args: &[&str], chinook_env: Option<&Path>) -> Output {
    let mut command = Command::new(BOTFEED);
    if !args.contains(&"--database-url") {
        command.arg("--database-url").arg(format!("sqlite://{}", database(dir).display()));
    }
    command.args(args).env_remove("BOTFEED_CHINOOK_DIR");
    if let Some(chinook) = chinook_env {
        command.env("BOTFEED_CHINOOK_DIR", chinook);
    }
    command.output().expect("botfeed runs")
}

fn database(dir: &Path) -> PathBuf {
    dir.join("botfeed.db")
}

/// Asserts exit code 2, `message` in stderr, and that nothing was run (no database file).
fn refused(dir: &Path, output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(message), "expected {message:?} in stderr: {stderr}");
    assert!(!database(dir).exists(), "refused before any work: no database was created");
    assert!(output.stdout.is_empty(), "no report: {}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn zero_messages_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = botfeed(dir.path(), &["--messages", "0"], None);
    refused(dir.path(), &output, "invalid value '0' for '--messages <MESSAGES>': must be at least 1");
}

#[test]
fn a_chinook_dir_without_the_scripts_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("no-such-folder");
    let output = botfeed(dir.path(), &["--chinook-dir", missing.to_str().expect("UTF-8")], None);
    refused(
        dir.path(),
        &output,
        &format!("botfeed: no Chinook data: {} is not a file", missing.join("Chinook_Sqlite.sql").display()),
    );
}

#[test]
fn dataset_chinook_without_the_scripts_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let empty = tempfile::tempdir().expect("empty folder");
    let output = botfeed(dir.path(), &["--dataset", "chinook"], Some(empty.path()));
    refused(
        dir.path(),
        &output,
        &format!("botfeed: no Chinook data: {} is not a file", empty.path().join("Chinook_Sqlite.sql").display()),
    );
}

#[test]
fn a_report_in_a_missing_folder_is_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let report = dir.path().join("missing").join("report.json");
    let output = botfeed(dir.path(), &["--report-json", report.to_str().expect("UTF-8")], None);
    refused(
        dir.path(),
        &output,
        &format!(
            "botfeed: cannot write the JSON report to {}: the folder {} does not exist",
            report.display(),
            dir.path().join("missing").display()
        ),
    );
}

/// A folder nobody may create files in: a read-only temporary folder, or, for root (who
/// writes there anyway), `/sys` (sysfs refuses new files even to root). `None` when neither
/// holds.
fn unwritable_folder(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let folder = dir.join("read-only");
    std::fs::create_dir(&folder).expect("folder");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).expect("read-only");
    if std::fs::write(folder.join("probe"), "x").is_err() {
        return Some(folder);
    }
    let sys = PathBuf::from("/sys");
    (sys.is_dir() && std::fs::write(sys.join("botfeed-probe"), "x").is_err()).then_some(sys)
}

#[test]
fn a_report_in_an_unwritable_folder_is_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let Some(folder) = unwritable_folder(dir.path()) else {
        // To the process's stderr, not through `eprintln!` (captured by the test harness): a
        // plain `cargo test` shows what was skipped.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED: no folder on this machine refuses new files to this user");
        return;
    };
    let report = folder.join("report.html");
    let output = botfeed(dir.path(), &["--report-html", report.to_str().expect("UTF-8")], None);
    refused(
        dir.path(),
        &output,
        &format!(
            "botfeed: cannot write the HTML report to {}: the folder {} is not writable: ",
            report.display(),
            folder.display()
        ),
    );
}

#[test]
fn an_unreachable_postgres_server_is_named_by_host_and_port() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let output = botfeed(dir.path(), &["--database-url", "postgres://postgres@127.0.0.1:1/postgres"], None);
    refused(dir.path(), &output, "botfeed: cannot connect to the PostgreSQL server at 127.0.0.1:1: ");
}

#[test]
fn an_unreachable_mysql_server_is_named_by_host_and_port() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = botfeed(dir.path(), &["--database-url", "mysql://root@127.0.0.1:1/mysql"], None);
    refused(dir.path(), &output, "botfeed: cannot connect to the MySQL server at 127.0.0.1:1: ");
}

#[test]
fn load_options_are_checked() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = botfeed(dir.path(), &["--load", "--workers", "0"], None);
    refused(dir.path(), &output, "invalid value '0' for '--workers <WORKERS>': must be at least 1");
    let output = botfeed(dir.path(), &["--load", "--duration", "0s"], None);
    refused(dir.path(), &output, "invalid value '0s' for '--duration <DURATION>': must be longer than 0 s");
    let output = botfeed(dir.path(), &["--load", "--duration", "soon"], None);
    refused(dir.path(), &output, "invalid value 'soon' for '--duration <DURATION>': ");
    let output = botfeed(dir.path(), &["--workers", "4"], None);
    refused(dir.path(), &output, "the following required arguments were not provided:\n  --load");
    let output = botfeed(dir.path(), &["--load", "--dataset", "chinook"], None);
    refused(dir.path(), &output, "the argument '--load' cannot be used with '--dataset <DATASET>'");
}
