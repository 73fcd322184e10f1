//! N+1 detection over an outermost operation's statement groups.

use super::advice::advise;
use super::context::Group;
use super::n_plus_one::NPlusOne;
use super::statement::StatementKind;
use super::stats::micros;

/// The findings among `groups` (an outermost operation's statements) at `threshold`: every
/// query shape repeated `threshold` round trips or more from one call path.
pub(crate) fn detect(operation: &str, groups: &[Group], threshold: u32) -> Vec<NPlusOne> {
    groups
        .iter()
        .filter(|group| group.shape.statement.shape.kind == StatementKind::Query)
        .filter(|group| group.occurrences >= u64::from(threshold))
        .map(|group| {
            let statement = &group.shape.statement;
            let advice = advise(statement, group.call_path.loader(), group.occurrences);
            NPlusOne {
                kind: advice.kind,
                operation: operation.to_owned(),
                fingerprint: statement.fingerprint,
                summary: statement.summary.clone(),
                statement: statement.text.clone(),
                call_site: group.call_path.to_string(),
                count: group.occurrences,
                threshold,
                total_time_us: micros(group.db_time),
                loaders: advice.loaders,
                fix: advice.fix,
            }
        })
        .collect()
}
