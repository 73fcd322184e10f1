//! Writing verified suggestions as a new sqlx migration (see
//! [`IndexReport::write_migration`](super::IndexReport::write_migration)).

use std::path::{Path, PathBuf};

use super::report::AdvisorError;
use super::suggestion::Suggestion;

/// The migrations already in a folder: their versions, the widest zero-padded version, and
/// whether any uses the reversible `.up.sql` / `.down.sql` form.
struct Folder {
    versions: Vec<i64>,
    width: usize,
    reversible: bool,
}

fn read_folder(folder: &Path) -> Result<Folder, AdvisorError> {
    let mut found = Folder { versions: Vec::new(), width: 0, reversible: false };
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(error) => return Err(io(folder, &error)),
    };
    for entry in entries {
        let entry = entry.map_err(|error| io(folder, &error))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        if !file_name.ends_with(".sql") {
            continue;
        }
        let Some((version, _)) = file_name.split_once('_') else { continue };
        let Ok(number) = version.parse::<i64>() else { continue };
        found.versions.push(number);
        found.width = found.width.max(version.len());
        found.reversible |= file_name.ends_with(".up.sql") || file_name.ends_with(".down.sql");
    }
    Ok(found)
}

fn io(path: &Path, error: &std::io::Error) -> AdvisorError {
    AdvisorError::Migration(format!("{}: {error}", path.display()))
}

/// The first version of the new migration: the next number when the folder's versions are
/// sequential (below 10^8, i.e. not timestamps), else the current UTC time as sqlx-cli writes it
/// (`YYYYMMDDHHMMSS`, but never below the last version + 1).
fn first_version(folder: &Folder, now_utc_seconds: i64) -> (i64, usize) {
    let last = folder.versions.iter().copied().max();
    match last {
        Some(last) if last < 100_000_000 => (last + 1, folder.width),
        _ => (timestamp(now_utc_seconds).max(last.map_or(0, |last| last + 1)), 14),
    }
}

/// `YYYYMMDDHHMMSS` of a Unix time (UTC), by the civil-from-days conversion.
fn timestamp(seconds: i64) -> i64 {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year * 100 + month) * 100 + day) * 1_000_000
        + (of_day / 3_600) * 10_000
        + (of_day % 3_600 / 60) * 100
        + of_day % 60
}

/// One migration to write: its statements, whether it runs outside a transaction.
struct Planned<'a> {
    indexes: Vec<&'a Suggestion>,
    no_transaction: bool,
}

pub(crate) fn write(
    database: &'static str,
    suggestions: &[&Suggestion],
    folder: &Path,
    name: &str,
) -> Result<Vec<PathBuf>, AdvisorError> {
    if name.is_empty() || !name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_') {
        return Err(AdvisorError::Migration(format!(
            "migration name `{name}` must be non-empty and made of ASCII letters, digits and `_`"
        )));
    }
    if suggestions.is_empty() {
        return Ok(Vec::new());
    }
    let existing = read_folder(folder)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(0));
    let (mut version, width) = first_version(&existing, now);
    let planned: Vec<Planned<'_>> = if database == "PostgreSQL" {
        // One index per file: several statements of one file run in one implicit transaction.
        suggestions
            .iter()
            .map(|suggestion| Planned { indexes: vec![*suggestion], no_transaction: suggestion.concurrent() })
            .collect()
    } else {
        vec![Planned { indexes: suggestions.to_vec(), no_transaction: false }]
    };
    std::fs::create_dir_all(folder).map_err(|error| io(folder, &error))?;
    let mut written = Vec::new();
    for migration in planned {
        let stem = if migration.indexes.len() == 1 && database == "PostgreSQL" {
            format!("{version:0width$}_{name}_{}", migration.indexes[0].name())
        } else {
            format!("{version:0width$}_{name}")
        };
        let directive = if migration.no_transaction { "-- no-transaction\n" } else { "" };
        let header = format!("-- Indexes suggested and verified by batchload's index advisor ({database}).\n");
        let mut up = format!("{directive}{header}");
        for suggestion in &migration.indexes {
            up.push_str(&format!("-- {}\n{};\n", suggestion.verification(), suggestion.migration_ddl()));
        }
        if existing.reversible {
            let mut down = format!("{directive}{header}");
            for suggestion in migration.indexes.iter().rev() {
                down.push_str(&format!("{};\n", suggestion.drop_ddl()));
            }
            written.push(create(&folder.join(format!("{stem}.up.sql")), &up)?);
            written.push(create(&folder.join(format!("{stem}.down.sql")), &down)?);
        } else {
            written.push(create(&folder.join(format!("{stem}.sql")), &up)?);
        }
        version += 1;
    }
    Ok(written)
}

/// Creates `path` with `contents`; an existing file is an error, never overwritten.
fn create(path: &Path, contents: &str) -> Result<PathBuf, AdvisorError> {
    use std::io::Write as _;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|error| io(path, &error))?;
    file.write_all(contents.as_bytes()).map_err(|error| io(path, &error))?;
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::suggestion::Verification;
    use super::*;

    fn verified(database: &'static str, table: &str, column: &str, partitioned: bool) -> Suggestion {
        let mut suggestion = Suggestion::new(database, table, vec![column.to_owned()], partitioned);
        suggestion.verification = Verification::Verified {
            method: "test",
            cost_before: Some(10.0),
            cost_after: Some(2.5),
            assumed: Vec::new(),
        };
        suggestion
    }

    fn temp_folder(tag: &str) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("batchload_advisor_{tag}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("{error}"));
        folder
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    #[test]
    fn timestamps_are_utc_civil_time() {
        assert_eq!(timestamp(0), 19_700_101_000_000);
        assert_eq!(timestamp(1_767_225_600), 20_260_101_000_000);
        assert_eq!(timestamp(1_796_636_645), 20_261_207_094_405);
    }

    #[test]
    fn sequential_folder_gets_the_next_padded_version_in_one_file() {
        let folder = temp_folder("seq");
        std::fs::write(folder.join("0001_schema.sql"), "").unwrap_or_default();
        std::fs::write(folder.join("0002_indexes.sql"), "").unwrap_or_default();
        let a = verified("SQLite", "posts", "author_id", false);
        let b = verified("SQLite", "posts", "editor_id", false);
        let files = write("SQLite", &[&a, &b], &folder, "loader_indexes").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(files, vec![folder.join("0003_loader_indexes.sql")]);
        assert_eq!(
            read(&files[0]),
            "-- Indexes suggested and verified by batchload's index advisor (SQLite).\n\
             -- verified (test): cost 10.00 -> 2.50\n\
             CREATE INDEX IF NOT EXISTS `idx_posts_author_id` ON `posts` (`author_id`);\n\
             -- verified (test): cost 10.00 -> 2.50\n\
             CREATE INDEX IF NOT EXISTS `idx_posts_editor_id` ON `posts` (`editor_id`);\n"
        );
        // Never overwrites: an existing file of the next version is an error.
        std::fs::write(folder.join("0004_again.sql"), "keep").unwrap_or_default();
        std::fs::remove_file(&files[0]).unwrap_or_default();
        std::fs::write(folder.join("0003_other.sql"), "").unwrap_or_default();
        let files = write("SQLite", &[&a], &folder, "again").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(files, vec![folder.join("0005_again.sql")]);
        assert!(write("SQLite", &[&a], &folder, "bad name").is_err());
        assert_eq!(
            write("SQLite", &[], &folder, "none").unwrap_or_else(|error| panic!("{error}")),
            Vec::<PathBuf>::new()
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn postgres_writes_one_concurrent_index_per_reversible_file() {
        let folder = temp_folder("pg");
        std::fs::write(folder.join("20260101000000_schema.up.sql"), "").unwrap_or_default();
        std::fs::write(folder.join("20260101000000_schema.down.sql"), "").unwrap_or_default();
        let a = verified("PostgreSQL", "posts", "author_id", false);
        let b = verified("PostgreSQL", "events", "bot_id", true);
        let files = write("PostgreSQL", &[&a, &b], &folder, "idx").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(files.len(), 4);
        let names: Vec<String> =
            files.iter().map(|file| file.file_name().and_then(|name| name.to_str()).unwrap_or("").to_owned()).collect();
        let version: i64 = names[0][..14].parse().unwrap_or(0);
        assert!(version > 20_260_101_000_000, "{names:?}");
        assert_eq!(names[0], format!("{version}_idx_idx_posts_author_id.up.sql"));
        assert_eq!(names[1], format!("{version}_idx_idx_posts_author_id.down.sql"));
        assert_eq!(names[2], format!("{}_idx_idx_events_bot_id.up.sql", version + 1));
        assert_eq!(names[3], format!("{}_idx_idx_events_bot_id.down.sql", version + 1));
        assert!(read(&files[0]).starts_with("-- no-transaction\n"));
        assert!(read(&files[0]).ends_with(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"idx_posts_author_id\" ON \"posts\" (\"author_id\");\n"
        ));
        assert!(read(&files[1]).ends_with("DROP INDEX CONCURRENTLY IF EXISTS \"idx_posts_author_id\";\n"));
        assert!(!read(&files[2]).contains("no-transaction"));
        assert!(
            read(&files[2]).ends_with("CREATE INDEX IF NOT EXISTS \"idx_events_bot_id\" ON \"events\" (\"bot_id\");\n")
        );
        // A second write in the same second numbers on from the last version.
        let again = write("PostgreSQL", &[&a], &folder, "idx").unwrap_or_else(|error| panic!("{error}"));
        assert!(again[0].to_string_lossy().contains(&format!("{}_idx", version + 2)), "{again:?}");
        let _ = std::fs::remove_dir_all(&folder);
    }
}
