//! Phase 2 of a workload, the index check: the index advisor over the workload's loaders,
//! before and (when the run writes and applies it) after the advisor's own migration, kept per
//! loader so that the reports can show it as a table (loader, before, after, DDL), with the
//! migration files the advisor wrote.

use batchload::advisor::{Access, IndexReport, LoaderPlan};
use serde::Serialize;

/// Name, in the reports, of the migration the index phase writes with the advisor
/// (`IndexReport::write_migration`) and applies.
pub const INDEX_MIGRATION_NAME: &str = "the advisor's migration";

/// A migration file the advisor wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationFile {
    /// Where it was written (a folder of the run's own).
    pub path: String,
    /// Its SQL, as written.
    pub sql: String,
}

/// The index check of one workload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexCheck {
    /// One line: how many loader statements scan their table, before and after the migration.
    pub summary: String,
    /// The migration applied between the two checks ([`INDEX_MIGRATION_NAME`]), if any.
    pub migration: Option<String>,
    /// The files of that migration, written by the advisor, in the order applied.
    pub migration_files: Vec<MigrationFile>,
    /// The advisor's `CREATE INDEX` statements for the statements that scanned their table
    /// (before the migration), without duplicates.
    pub fixes: Vec<String>,
    /// One row per loader.
    pub loaders: Vec<IndexRow>,
}

/// One loader statement in the index check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexRow {
    /// Loader type, e.g. `BotStanceByBotId`.
    pub loader: String,
    /// `table.key_column`.
    pub target: String,
    /// Before the migration (or the only check): `index <name>` or `full scan`.
    pub before: String,
    /// After the migration; `None` when no migration ran.
    pub after: Option<String>,
    /// The advisor's `CREATE INDEX` for a full scan before the migration.
    pub ddl: Option<String>,
}

fn access(plan: &LoaderPlan) -> String {
    match plan.access() {
        Access::Indexed => format!("index {}", plan.index().unwrap_or("?")),
        Access::FullScan => "full scan".to_owned(),
        Access::NotIndexable => "not indexable".to_owned(),
        _ => format!("not analyzed: {}", plan.reason().unwrap_or("?")),
    }
}

fn scans(report: &IndexReport) -> Vec<&str> {
    report.full_scans().map(LoaderPlan::loader).collect()
}

impl IndexCheck {
    /// The check from the advisor's report `before` the migration and, when `migration` ran,
    /// its report `after` (`None, None` is never passed: without a migration, `after` is
    /// `None`).
    pub fn new(before: &IndexReport, after: Option<(&str, &IndexReport)>) -> Self {
        let total = before.plans().len();
        let scanning = scans(before);
        let fixes: Vec<String> = before.suggestions().into_iter().map(str::to_owned).collect();
        let loaders = before
            .plans()
            .iter()
            .map(|plan| IndexRow {
                loader: plan.loader().to_owned(),
                target: plan.target().to_owned(),
                before: access(plan),
                after: after.and_then(|(_, report)| report.plan(plan.loader())).map(access),
                ddl: (!plan.suggestions().is_empty()).then(|| {
                    plan.suggestions().iter().map(|suggestion| suggestion.ddl()).collect::<Vec<_>>().join("\n")
                }),
            })
            .collect();
        let summary = match after {
            None if scanning.is_empty() => format!("all {total} loader statements use an index"),
            None => format!(
                "{} of {total} loader statements scan their table ({}); no index migration in this run",
                scanning.len(),
                scanning.join(", ")
            ),
            Some((migration, report)) => {
                let still = scans(report);
                let after_text = if still.is_empty() {
                    format!("all {total} indexed")
                } else {
                    format!("still scanning: {}", still.join(", "))
                };
                format!(
                    "before {migration}: {} of {total} loader statements scan their table ({}); after {migration}: {after_text}",
                    scanning.len(),
                    scanning.join(", ")
                )
            }
        };
        Self { summary, migration: after.map(|(name, _)| name.to_owned()), migration_files: Vec::new(), fixes, loaders }
    }

    /// The fixes as text lines under the phase heading, one `CREATE INDEX` per line (nothing
    /// when every statement used an index), then each migration file's path and SQL (`| `
    /// before each line); each line starts with `indent` and ends with a newline.
    pub fn fix_lines(&self, indent: &str) -> String {
        let mut text = String::new();
        if !self.fixes.is_empty() {
            text.push_str(&format!("{indent}the advisor's fixes:\n"));
            for fix in &self.fixes {
                text.push_str(&format!("{indent}  {fix};\n"));
            }
        }
        for file in &self.migration_files {
            text.push_str(&format!("{indent}written by the advisor (`write_migration`) and applied: {}\n", file.path));
            for line in file.sql.lines() {
                text.push_str(&format!("{indent}  | {line}\n"));
            }
        }
        text
    }
}
