//! `--report-html`: one self-contained page (inline CSS and SVG, no script, no network). Per
//! workload: the latency of the naive and the batched operations as cumulative distributions on
//! a log time axis, the statements per operation (log axis when they differ more than 10x), the
//! N+1 findings, the slowest fingerprints and the index check as a table. For a load test: the
//! phases' figures, throughput and latency over time, and the latency percentiles.

mod charts;
mod load;

use std::fmt::Write as _;

use crate::index_check::IndexCheck;
use crate::report::{PhaseReport, Report, WorkloadReport};
use crate::table;

/// `text` with `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `text` escaped, with each span between two backticks rendered as `<code>` (a lone backtick
/// stays as it is).
fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut html = String::new();
    for (index, part) in parts.iter().enumerate() {
        let inside = index % 2 == 1;
        if inside && index == parts.len() - 1 {
            // An odd number of backticks: the last one opens nothing.
            html.push('`');
            html.push_str(&escape(part));
        } else if inside {
            let _ = write!(html, "<code>{}</code>", escape(part));
        } else {
            html.push_str(&escape(part));
        }
    }
    html
}

fn chart(html: &mut String, svg: Result<String, String>) {
    match svg {
        Ok(svg) => html.push_str(&svg),
        Err(error) => {
            let _ = write!(html, "<p class=\"bad\">chart failed: {}</p>", escape(&error));
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:1280px;color:#222}\
    table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
    th{background:#f3f3f3}td:first-child,th:first-child,td.text,th.text{text-align:left}\
    .charts{display:flex;flex-wrap:wrap;gap:12px}\
    code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:90%;background:#f3f3f3;\
    padding:1px 4px;border-radius:3px}\
    .ok{color:#1a7f37}.bad{color:#c00}.skipped{color:#777}";

fn phase_cells(phase: &PhaseReport) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        table::grouped(phase.queries_per_op, 1),
        table::grouped(phase.p50_ms, 3),
        table::grouped(phase.p95_ms, 3),
        phase.n_plus_one_findings
    )
}

fn summary_table(html: &mut String, report: &Report) {
    html.push_str(
        "<table><tr><th>workload</th><th>ops</th><th>naive stmts/op</th><th>naive p50 ms</th><th>naive p95 ms</th>\
         <th>naive N+1</th><th>batched stmts/op</th><th>batched p50 ms</th><th>batched p95 ms</th><th>batched N+1</th>\
         <th>output</th><th>errors</th></tr>\n",
    );
    for workload in &report.workloads {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td>{}{}<td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&workload.name),
            table::grouped(workload.operations as f64, 0),
            phase_cells(&workload.naive),
            phase_cells(&workload.batched),
            if workload.identical_output { "ok" } else { "bad" },
            if workload.identical_output { "identical" } else { "DIFFERENT" },
            workload.errors
        );
    }
    for skipped in &report.skipped {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"skipped text\" colspan=\"11\">skipped: {}</td></tr>",
            escape(&skipped.name),
            escape(&skipped.reason)
        );
    }
    html.push_str("</table>\n");
}

/// A cell of the index check: `full scan` in red, `index NAME` with the name as code.
fn access_cell(access: &str) -> String {
    match access.strip_prefix("index ") {
        Some(index) => format!("<td class=\"text\">index <code>{}</code></td>", escape(index)),
        None if access == "full scan" => "<td class=\"bad text\">full scan</td>".to_owned(),
        None => format!("<td class=\"text\">{}</td>", escape(access)),
    }
}

fn index_table(html: &mut String, check: &IndexCheck) {
    let _ = writeln!(html, "<h3>Index check</h3><p>{}</p>", escape(&check.summary));
    if check.loaders.is_empty() {
        return;
    }
    let (before, after) = match &check.migration {
        Some(name) => (format!("before {name}"), Some(format!("after {name}"))),
        None => ("access".to_owned(), None),
    };
    let _ = write!(
        html,
        "<table><tr><th>loader</th><th class=\"text\">reads</th><th class=\"text\">{}</th>",
        escape(&before)
    );
    if let Some(after) = &after {
        let _ = write!(html, "<th class=\"text\">{}</th>", escape(after));
    }
    html.push_str("<th class=\"text\">DDL (the advisor's fix)</th></tr>\n");
    for row in &check.loaders {
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"text\"><code>{}</code></td>{}",
            escape(&row.loader),
            escape(&row.target),
            access_cell(&row.before)
        );
        if after.is_some() {
            html.push_str(&access_cell(row.after.as_deref().unwrap_or("-")));
        }
        match &row.ddl {
            Some(ddl) => {
                let _ = write!(html, "<td class=\"text\"><code>{}</code></td>", escape(ddl));
            }
            None => html.push_str("<td class=\"text\">-</td>"),
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    for file in &check.migration_files {
        let _ = writeln!(
            html,
            "<p>Written by the advisor (<code>IndexReport::write_migration</code>) and applied: <code>{}</code></p>\
             <pre>{}</pre>",
            escape(&file.path),
            escape(&file.sql)
        );
    }
}

fn workload_section(html: &mut String, workload: &WorkloadReport) {
    let _ = write!(
        html,
        "<h2>{}</h2>\n<p>{}. {} operations; statements x{:.3}, p50 x{:.2}, p95 x{:.2} (batched / naive).</p>\n\
         <div class=\"charts\">",
        escape(&workload.name),
        escape(&workload.description),
        table::grouped(workload.operations as f64, 0),
        workload.validation.queries_ratio,
        workload.validation.p50_ratio,
        workload.validation.p95_ratio
    );
    chart(html, charts::latency_cdf(&workload.naive.latencies_us, &workload.batched.latencies_us));
    chart(html, charts::statements_bars(workload.naive.queries_per_op, workload.batched.queries_per_op));
    html.push_str("</div>\n");
    if !workload.naive.findings.is_empty() {
        html.push_str("<h3>N+1 findings of the naive run</h3><ul>");
        for finding in &workload.naive.findings {
            let _ = write!(
                html,
                "<li><code>{}</code> up to {}x per operation (in {} operations): {}</li>",
                escape(&finding.summary),
                finding.max_count,
                finding.operations,
                with_code(&finding.fix)
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str(
        "<h3>Slowest fingerprints (naive)</h3><table><tr><th>summary</th><th>total ms</th><th>calls</th>\
         <th class=\"text\">statement</th></tr>",
    );
    for slow in &workload.naive.slowest {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"text\"><code>{}</code></td></tr>",
            escape(&slow.summary),
            table::grouped(slow.total_ms, 1),
            table::grouped(slow.calls as f64, 0),
            escape(&slow.statement)
        );
    }
    html.push_str("</table>\n");
    index_table(html, &workload.index_check);
}

/// The HTML page for `report`.
pub fn render(report: &Report) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>botfeed report</title>\n\
         <style>{STYLE}</style></head><body>\n"
    );
    if let Some(load) = &report.load {
        load::section(&mut html, report, load);
        html.push_str("</body></html>\n");
        return html;
    }
    let _ = write!(
        html,
        "<h1>botfeed: naive vs batched</h1>\n<p>Backend <b>{}</b>, seed {}, {} messages, {} ticks of {} chats, run in {:.1} s. \
         Naive = per-item queries; batched = the same logic with batchload loaders. Every operation is a \
         <code>#[batchload::timed]</code> operation; figures come from the instrumentation profile.</p>\n",
        escape(&report.backend),
        report.seed,
        report.messages,
        report.ticks,
        report.tick_chats,
        report.wall_time_s
    );
    summary_table(&mut html, report);
    for workload in &report.workloads {
        workload_section(&mut html, workload);
    }
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_text_is_escaped() {
        assert_eq!(
            with_code("use `BotById::load` (the 9 lookups <one> statement)"),
            "use <code>BotById::load</code> (the 9 lookups &lt;one&gt; statement)"
        );
        assert_eq!(with_code("`a` and `b`"), "<code>a</code> and <code>b</code>");
        assert_eq!(with_code("a lone ` stays"), "a lone ` stays");
    }
}
