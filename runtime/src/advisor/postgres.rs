//! PostgreSQL: the generic plan of the statement with sequential scans disabled (so an index
//! that *can* serve the key filter is used even on a small table), read at every plan node that
//! applies the key parameter; HypoPG for the what-if proof.

use futures_util::future::BoxFuture;
use serde_json::Value;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Pool, Postgres, Row as _};

use super::statement::{LoaderStatement, parameters, unquote, without_order_by};
use super::suggestion::{Suggestion, Verification};
use super::{Access, Inspection, PlanDatabase, Target, describe, mentions_column};

/// The name of the advisor's prepared statement (never one of sqlx's `sqlx_s_N`).
const PREPARED: &str = "batchload_advisor";

impl PlanDatabase for Postgres {
    fn inspect<'a>(pool: &'a Pool<Self>, statement: &'a LoaderStatement) -> BoxFuture<'a, Inspection> {
        Box::pin(async move {
            let mut connection = match pool.acquire().await {
                Ok(connection) => connection,
                Err(error) => return Inspection::not_analyzed(describe(&error)),
            };
            let inspection = inspect(&mut connection, statement).await;
            release(&mut connection).await;
            inspection.unwrap_or_else(Inspection::not_analyzed)
        })
    }

    fn verify<'a>(
        pool: &'a Pool<Self>,
        statement: &'a LoaderStatement,
        suggestion: &'a Suggestion,
        assumed: &'a [Suggestion],
    ) -> BoxFuture<'a, Verification> {
        Box::pin(async move {
            let mut connection = match pool.acquire().await {
                Ok(connection) => connection,
                Err(error) => return Verification::NotVerified { reason: describe(&error) },
            };
            let verification = verify(&mut connection, statement, suggestion, assumed).await;
            release(&mut connection).await;
            // Hypothetical indexes live in the session, outside transactions.
            let _ = sqlx::raw_sql("SELECT hypopg_reset()").execute(&mut *connection).await;
            verification.unwrap_or_else(|reason| Verification::NotVerified { reason })
        })
    }
}

/// Rolls back what is left and drops the prepared statement (it outlives transactions).
async fn release(connection: &mut PoolConnection<Postgres>) {
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut **connection).await;
    let _ = sqlx::raw_sql(AssertSqlSafe(format!("DEALLOCATE {PREPARED}"))).execute(&mut **connection).await;
}

/// `EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE` of `sql` prepared anew (a generic plan: every
/// parameter `NULL`), as the JSON plan's root node.
async fn generic_plan(connection: &mut PoolConnection<Postgres>, sql: &str, params: usize) -> Result<Value, String> {
    // Inside the caller's transaction: a failing DEALLOCATE would abort it, so ask first.
    let prepared: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_prepared_statements WHERE name = $1")
        .bind(PREPARED)
        .fetch_optional(&mut **connection)
        .await
        .map_err(|error| describe(&error))?;
    if prepared.is_some() {
        sqlx::raw_sql(AssertSqlSafe(format!("DEALLOCATE {PREPARED}")))
            .execute(&mut **connection)
            .await
            .map_err(|error| describe(&error))?;
    }
    sqlx::raw_sql(AssertSqlSafe(format!("PREPARE {PREPARED} AS {sql}")))
        .execute(&mut **connection)
        .await
        .map_err(|error| prepare_error(&error))?;
    let arguments = if params == 0 { String::new() } else { format!("({})", vec!["NULL"; params].join(", ")) };
    let row = sqlx::raw_sql(AssertSqlSafe(format!("EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE {PREPARED}{arguments}")))
        .fetch_one(&mut **connection)
        .await
        .map_err(|error| describe(&error))?;
    // `json` travels as its text in the simple protocol.
    let json: String = row.try_get_unchecked(0).map_err(|error| describe(&error))?;
    let parsed: Value = serde_json::from_str(&json).map_err(|error| error.to_string())?;
    Ok(parsed.get(0).and_then(|entry| entry.get("Plan")).cloned().unwrap_or(Value::Null))
}

fn prepare_error(error: &sqlx::Error) -> String {
    let message = describe(error);
    if message.contains("could not determine data type of parameter") {
        format!("{message} (give the parameter a cast in the SQL, e.g. `$2::bigint`)")
    } else {
        message
    }
}

/// The plan as indented text (node type, relation, index, conditions, cost), for the report.
fn plan_text(node: &Value, depth: usize, out: &mut Vec<String>) {
    let mut line = format!("{}{}", "  ".repeat(depth), text(node, "Node Type"));
    if !text(node, "Index Name").is_empty() {
        line.push_str(&format!(" using {}", text(node, "Index Name")));
    }
    if !text(node, "Relation Name").is_empty() {
        line.push_str(&format!(" on {} {}", text(node, "Relation Name"), text(node, "Alias")));
    }
    if let Some(cost) = node.get("Total Cost").and_then(Value::as_f64) {
        line.push_str(&format!(" (cost={cost:.2})"));
    }
    for field in ["Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond"] {
        if !text(node, field).is_empty() {
            line.push_str(&format!(" {field}: {}", text(node, field)));
        }
    }
    out.push(line);
    for child in children(node) {
        plan_text(child, depth + 1, out);
    }
}

fn text<'v>(node: &'v Value, field: &str) -> &'v str {
    node.get(field).and_then(Value::as_str).unwrap_or("")
}

fn children(node: &Value) -> &[Value] {
    node.get("Plans").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Whether `condition` uses parameter `$number` (not `$12` for `$1`).
fn uses_param(condition: &str, number: usize) -> bool {
    let marker = format!("${number}");
    condition
        .match_indices(&marker)
        .any(|(at, _)| !condition[at + marker.len()..].chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// The column compared with parameter `$number` in `condition` (`(t.author_id = ANY ($1))` ->
/// `author_id`), when it is a plain column.
fn param_column(condition: &str, number: usize) -> Option<String> {
    let marker = format!("= ANY (${number})");
    let at = condition.find(&marker).or_else(|| condition.find(&format!("= ${number}")))?;
    let operand = condition[..at].split_whitespace().next_back()?;
    let operand = operand.split("::").next()?.trim_matches(|c| c == '(' || c == ')');
    let column = operand.rsplit('.').next()?;
    let column = unquote(column);
    column.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| column.to_owned())
}

/// One plan node that reads the key's rows.
#[derive(Debug)]
struct KeyNode {
    node_type: String,
    schema: String,
    relation: String,
    /// The index used with the key in its `Index Cond`, and that condition.
    index: Option<(String, String)>,
    /// The column compared with the key parameter, when the node names it.
    column: Option<String>,
}

/// Nodes that read no table, only the key list itself (`unnest($1)`, `json` functions).
const KEY_SOURCES: [&str; 3] = ["Function Scan", "Values Scan", "Result"];

/// Walks the plan: scan nodes whose conditions use the key parameter (`key_nodes`), other
/// nodes that apply it (`late`: the key filter runs after a view computed its rows), and every
/// relation scan (`scans`, for statements whose key list arrives through a join).
fn walk(node: &Value, param: usize, key_nodes: &mut Vec<KeyNode>, late: &mut Vec<String>, scans: &mut Vec<KeyNode>) {
    let node_type = text(node, "Node Type");
    let conditions = ["Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond", "Merge Cond"];
    let uses = conditions.iter().any(|field| uses_param(text(node, field), param));
    let relation = text(node, "Relation Name");
    let make = |index: Option<(String, String)>, column: Option<String>| KeyNode {
        node_type: node_type.to_owned(),
        schema: text(node, "Schema").to_owned(),
        relation: relation.to_owned(),
        index,
        column,
    };
    if !relation.is_empty() {
        let index = match node_type {
            "Index Scan" | "Index Only Scan" => {
                Some((text(node, "Index Name").to_owned(), text(node, "Index Cond").to_owned()))
            }
            "Bitmap Heap Scan" => bitmap_index(node, param).or_else(|| bitmap_index_any(node)),
            _ => None,
        };
        let column = conditions.iter().find_map(|field| param_column(text(node, field), param));
        if uses {
            // The key's index is the one whose condition uses the key (an Index Scan with the
            // key only in its Filter reads the whole index).
            let key_index = index.filter(|(_, condition)| uses_param(condition, param));
            key_nodes.push(make(key_index, column));
        } else {
            scans.push(make(index, None));
        }
        if node_type == "Bitmap Heap Scan" {
            return;
        }
    } else if uses && !KEY_SOURCES.contains(&node_type) && !node_type.starts_with("Bitmap") {
        late.push(node_type.to_owned());
    }
    for child in children(node) {
        walk(child, param, key_nodes, late, scans);
    }
}

/// The Bitmap Index Scan under a Bitmap Heap Scan whose condition uses the key parameter.
fn bitmap_index(node: &Value, param: usize) -> Option<(String, String)> {
    children(node).iter().find_map(|child| {
        let condition = text(child, "Index Cond");
        if text(child, "Node Type") == "Bitmap Index Scan" && uses_param(condition, param) {
            Some((text(child, "Index Name").to_owned(), condition.to_owned()))
        } else {
            bitmap_index(child, param)
        }
    })
}

/// The first Bitmap Index Scan under a node.
fn bitmap_index_any(node: &Value) -> Option<(String, String)> {
    children(node).iter().find_map(|child| {
        if text(child, "Node Type") == "Bitmap Index Scan" {
            Some((text(child, "Index Name").to_owned(), text(child, "Index Cond").to_owned()))
        } else {
            bitmap_index_any(child)
        }
    })
}

/// What the catalog says about one relation a plan node reads.
struct Relation {
    /// The table a suggestion goes on: the partitioned root of a partition, else the relation.
    target: String,
    partitioned: bool,
}

async fn relation(connection: &mut PoolConnection<Postgres>, schema: &str, name: &str) -> Result<Relation, String> {
    let row = sqlx::query(
        "SELECT r.relname::text, rn.nspname::text, r.relkind = 'p', n.nspname = current_schema() \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_class r ON r.oid = CASE WHEN c.relispartition THEN pg_partition_root(c.oid) ELSE c.oid END \
         JOIN pg_namespace rn ON rn.oid = r.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(schema)
    .bind(name)
    .fetch_one(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    let (root, root_schema, partitioned, in_current): (String, String, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let target = if in_current { root } else { format!("{root_schema}.{root}") };
    Ok(Relation { target, partitioned })
}

/// The leading column of index `name` (`None` when it leads with an expression).
async fn leading_column(
    connection: &mut PoolConnection<Postgres>,
    schema: &str,
    name: &str,
) -> Result<Option<String>, String> {
    let row = sqlx::query(
        "SELECT a.attname::text FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE c.relname = $2 AND n.nspname = $1",
    )
    .bind(schema)
    .bind(name)
    .fetch_optional(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    Ok(row.and_then(|row| row.get::<Option<String>, _>(0)))
}

async fn inspect(connection: &mut PoolConnection<Postgres>, statement: &LoaderStatement) -> Result<Inspection, String> {
    let params = parameters(&statement.sql);
    let param = 1;
    if !params.contains(&param) {
        return Err("the statement has no key parameter $1".to_owned());
    }
    sqlx::raw_sql(
        "BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan",
    )
    .execute(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    // Without its ORDER BY: the question is whether an index serves the filter, and a group
    // loader ordered by the primary key would otherwise be planned as a full walk of the
    // primary key index (which returns rows in order) with the key as a filter.
    let root = generic_plan(connection, without_order_by(&statement.sql), params.len()).await?;
    let mut lines = Vec::new();
    plan_text(&root, 0, &mut lines);
    let mut inspection = Inspection { plan: lines.join("\n"), ..Inspection::default() };

    let (mut key_nodes, mut late, mut scans) = (Vec::new(), Vec::new(), Vec::new());
    walk(&root, param, &mut key_nodes, &mut late, &mut scans);
    if key_nodes.is_empty() && late.is_empty() {
        // The key list arrives through a join (`unnest($1)`): the scans of the key table and
        // its partitions or children read the key's rows.
        let table = statement.bare_table();
        for scan in scans {
            let family = relation(connection, &scan.schema, &scan.relation).await?;
            if scan.relation.eq_ignore_ascii_case(table) || family.target.eq_ignore_ascii_case(table) {
                key_nodes.push(scan);
            }
        }
    }
    if key_nodes.is_empty() {
        if let Some(node) = late.first() {
            inspection.access = Some(Access::NotIndexable);
            inspection.reason = Some(format!(
                "the key filter runs in the plan's {node} node, after the rows are computed (a view's aggregate or expression): no index can serve it"
            ));
        } else {
            inspection.access = Some(Access::NotAnalyzed);
            inspection.reason = Some("no plan node reads the key's rows: the plan is not understood".to_owned());
        }
        return Ok(inspection);
    }

    let mut indexes: Vec<String> = Vec::new();
    let mut scanning: Vec<String> = Vec::new();
    let mut not_checked: Vec<String> = Vec::new();
    for node in &key_nodes {
        let served = match &node.index {
            Some((index, condition)) => match leading_column(connection, &node.schema, index).await? {
                Some(leading) if mentions_column(condition, &leading) => Ok(index.clone()),
                Some(leading) => Err(format!(
                    "{} using {index} on {} reads the whole index: it is led by {leading}, not the key",
                    node.node_type, node.relation
                )),
                None => {
                    not_checked
                        .push(format!("index {index} on {} leads with an expression: not checked", node.relation));
                    Err(format!("{} using expression index {index} on {}", node.node_type, node.relation))
                }
            },
            None if node.node_type == "Seq Scan" => Err(format!("Seq Scan on {}", node.relation)),
            None => Err(format!("{} on {} without an index condition on the key", node.node_type, node.relation)),
        };
        match served {
            Ok(index) => {
                if !indexes.contains(&index) {
                    indexes.push(index);
                }
            }
            Err(reason) => {
                scanning.push(reason);
                let family = relation(connection, &node.schema, &node.relation).await?;
                let is_key_table = family.target.eq_ignore_ascii_case(statement.bare_table())
                    || node.relation.eq_ignore_ascii_case(statement.bare_table());
                let columns = if is_key_table {
                    statement.index_columns()
                } else {
                    // A view's base table: the column compared with the key.
                    match &node.column {
                        Some(column) => vec![column.clone()],
                        None => statement.key_columns.clone(),
                    }
                };
                inspection.target(Target { table: family.target, columns, partitioned: family.partitioned });
            }
        }
    }
    inspection.findings.extend(not_checked);
    if scanning.is_empty() {
        inspection.access = Some(Access::Indexed);
        inspection.index = Some(indexes.join(", "));
    } else {
        inspection.access = Some(Access::FullScan);
        inspection.reason = Some(scanning.join("; "));
        inspection.targets.sort_by(|a, b| a.table.cmp(&b.table));
        partial_notes(connection, statement, &mut inspection).await?;
    }
    if statement.unique {
        uniqueness(connection, statement, &mut inspection).await?;
    }
    Ok(inspection)
}

/// Findings for partial and expression indexes on the key table led by the key column that
/// the statement does not use.
async fn partial_notes(
    connection: &mut PoolConnection<Postgres>,
    statement: &LoaderStatement,
    inspection: &mut Inspection,
) -> Result<(), String> {
    let rows = sqlx::query(
        "SELECT c.relname::text, pg_get_expr(i.indpred, i.indrelid) \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE i.indrelid = to_regclass($1) AND i.indpred IS NOT NULL AND a.attname = $2 ORDER BY 1",
    )
    .bind(&statement.table)
    .bind(&statement.key_columns[0])
    .fetch_all(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    for row in rows {
        let (name, predicate): (String, String) = (row.get(0), row.get(1));
        inspection.findings.push(format!(
            "partial index {name} (WHERE {predicate}) cannot serve this statement: its WHERE does not imply the predicate"
        ));
    }
    Ok(())
}

/// The uniqueness finding of a `key` loader: a unique, non-partial index (or primary key) of
/// plain columns, all among the key columns, on the key table itself.
async fn uniqueness(
    connection: &mut PoolConnection<Postgres>,
    statement: &LoaderStatement,
    inspection: &mut Inspection,
) -> Result<(), String> {
    let kind = sqlx::query(
        "SELECT c.relkind::text, EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhparent = c.oid) \
         FROM pg_class c WHERE c.oid = to_regclass($1)",
    )
    .bind(&statement.table)
    .fetch_optional(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    let Some(kind) = kind else { return Ok(()) };
    let (relkind, has_children): (String, bool) = (kind.get(0), kind.get(1));
    if relkind == "v" || relkind == "m" {
        inspection.findings.push("uniqueness of a view's key column is not checked".to_owned());
        return Ok(());
    }
    let rows = sqlx::query(
        "SELECT c.relname::text, i.indpred IS NOT NULL, \
         ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = to_regclass($1) AND i.indisunique ORDER BY 1",
    )
    .bind(&statement.table)
    .fetch_all(&mut **connection)
    .await
    .map_err(|error| describe(&error))?;
    let covered = |columns: &[String]| {
        !columns.is_empty()
            && columns.iter().all(|column| statement.key_columns.iter().any(|key| key.eq_ignore_ascii_case(column)))
    };
    let mut partial = None;
    for row in rows {
        let (name, is_partial, columns): (String, bool, Vec<String>) = (row.get(0), row.get(1), row.get(2));
        if covered(&columns) {
            if !is_partial {
                if relkind == "r" && has_children {
                    inspection.not_unique(
                        statement,
                        &format!(" (unique index {name} does not cover the inheritance children's rows)"),
                    );
                }
                return Ok(());
            }
            partial = Some(name);
        }
    }
    let detail = partial.map(|name| format!(" (unique index {name} is partial)")).unwrap_or_default();
    inspection.not_unique(statement, &detail);
    Ok(())
}

/// The root cost of a plan.
fn cost(root: &Value) -> f64 {
    root.get("Total Cost").and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// Whether a node of the plan reads the key through one of `indexes`.
fn uses_index(node: &Value, param: usize, indexes: &[String]) -> bool {
    let hit =
        indexes.iter().any(|name| name == text(node, "Index Name")) && uses_param(text(node, "Index Cond"), param);
    hit || children(node).iter().any(|child| uses_index(child, param, indexes))
}

async fn verify(
    connection: &mut PoolConnection<Postgres>,
    statement: &LoaderStatement,
    suggestion: &Suggestion,
    assumed: &[Suggestion],
) -> Result<Verification, String> {
    let installed = sqlx::query_scalar::<_, String>("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'")
        .fetch_optional(&mut **connection)
        .await
        .map_err(|error| describe(&error))?;
    if installed.is_none() {
        return Err("HypoPG is not installed in this database (CREATE EXTENSION hypopg; Debian package \
                    postgresql-15-hypopg), so no hypothetical index could be planned"
            .to_owned());
    }
    let params = parameters(&statement.sql).len();
    sqlx::raw_sql("BEGIN; SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan")
        .execute(&mut **connection)
        .await
        .map_err(|error| describe(&error))?;
    for other in assumed {
        hypothetical(connection, other).await?;
    }
    let before = generic_plan(connection, &statement.sql, params).await?;
    let names = hypothetical(connection, suggestion).await?;
    let after = generic_plan(connection, &statement.sql, params).await?;
    let (cost_before, cost_after) = (cost(&before), cost(&after));
    let used = uses_index(&after, 1, &names);
    Ok(if used && cost_after < cost_before {
        Verification::Verified {
            method: "HypoPG hypothetical index",
            cost_before: Some(cost_before),
            cost_after: Some(cost_after),
            assumed: assumed.iter().map(|other| other.name().to_owned()).collect(),
        }
    } else if used {
        Verification::Rejected {
            reason: format!(
                "the planner uses the hypothetical index but the cost does not fall ({cost_before:.2} -> {cost_after:.2})"
            ),
        }
    } else {
        Verification::Rejected {
            reason: format!(
                "the planner would not use the hypothetical index (cost {cost_before:.2} without it, {cost_after:.2} with it)"
            ),
        }
    })
}

/// Creates `suggestion` as HypoPG hypothetical index(es) and returns their names.
async fn hypothetical(
    connection: &mut PoolConnection<Postgres>,
    suggestion: &Suggestion,
) -> Result<Vec<String>, String> {
    // A partitioned table's index is one index per leaf partition.
    let tables: Vec<String> = if suggestion.partitioned {
        sqlx::query_scalar(
            "SELECT relid::regclass::text FROM pg_partition_tree(to_regclass($1)) WHERE isleaf ORDER BY 1",
        )
        .bind(&suggestion.table)
        .fetch_all(&mut **connection)
        .await
        .map_err(|error| describe(&error))?
    } else {
        vec![suggestion.table.clone()]
    };
    let columns = suggestion.columns.iter().map(|column| format!("\"{column}\"")).collect::<Vec<_>>().join(", ");
    let mut names = Vec::new();
    for table in tables {
        let row = sqlx::query("SELECT indexname::text FROM hypopg_create_index($1)")
            .bind(format!("CREATE INDEX ON {table} ({columns})"))
            .fetch_one(&mut **connection)
            .await
            .map_err(|error| format!("hypopg_create_index failed: {}", describe(&error)))?;
        names.push(row.get::<String, _>(0));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parameter_in_conditions() {
        assert!(uses_param("(t.author_id = ANY ($1))", 1));
        assert!(!uses_param("(t.author_id = ANY ($12))", 1));
        assert_eq!(param_column("(t.author_id = ANY ($1))", 1).as_deref(), Some("author_id"));
        assert_eq!(param_column("((t.label)::text = ANY ($1))", 1).as_deref(), Some("label"));
        assert_eq!(param_column("(p.\"author_id\" = ANY ($1))", 1).as_deref(), Some("author_id"));
        assert_eq!(param_column("(count(*) = ANY ($1))", 1), None);
    }
}
