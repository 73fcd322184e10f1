//! The load test's part of the HTML page: the phases' figures, throughput over time, the
//! latency percentiles, latency over time, errors by kind.

use std::fmt::Write as _;

use super::charts::{self, BATCHED, BATCHED_LIGHT, NAIVE, NAIVE_LIGHT, Series};
use super::{chart, escape, index_table};
use crate::load::{LoadPhase, LoadReport};
use crate::report::Report;
use crate::table;

fn percentile_label(percentile: f64) -> String {
    if percentile >= 100.0 { "max".to_owned() } else { format!("p{percentile}") }
}

fn phase_row(html: &mut String, name: &str, phase: &LoadPhase) {
    let _ = writeln!(
        html,
        "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
        table::grouped(phase.ops as f64, 0),
        table::grouped(phase.ops_per_s, 1),
        table::grouped(phase.p50_ms, 3),
        table::grouped(phase.p95_ms, 3),
        table::grouped(phase.p99_ms, 3),
        table::grouped(phase.max_ms, 3),
        table::grouped(phase.queries_per_op, 2),
        phase.keys_per_loader_statement.map_or_else(|| "-".to_owned(), |keys| table::grouped(keys, 1)),
        if phase.errors == 0 { "ok" } else { "bad" },
        phase.errors,
        phase.cache_hit_rate.map_or_else(|| "n/a".to_owned(), |rate| format!("{:.1}%", rate * 100.0)),
    );
}

/// One point per second of the phase, at the middle of its second; the seconds after the
/// deadline (operations that were running then, finishing) are left out.
fn timeline(phase: &LoadPhase, duration_s: f64, value: impl Fn(&crate::load::SecondPoint) -> f64) -> Vec<(f64, f64)> {
    phase
        .timeline
        .iter()
        .filter(|point| (point.second as f64) < duration_s.ceil())
        .map(|point| (point.second as f64 + 0.5, value(point)))
        .collect()
}

/// Writes the load test's section of the page.
pub(super) fn section(html: &mut String, report: &Report, load: &LoadReport) {
    let v = &load.validation;
    let _ = write!(
        html,
        "<h1>botfeed --load: naive vs batched under load</h1>\n<p>Backend <b>{}</b>, {} concurrent workers over a pool \
         of {} connections, {:.0} s per phase, seed {}, run in {:.1} s. Naive = per-item queries on the schema before \
         the index migration; batched = the same logic with long-lived batchload loaders shared by every worker, on \
         an identical copy after it. Latency is measured around each operation.</p>\n",
        escape(&report.backend),
        load.workers,
        load.pool_size,
        load.duration_s,
        report.seed,
        report.wall_time_s
    );
    html.push_str(
        "<table><tr><th>phase</th><th>ops</th><th>ops/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>\
         <th>max ms</th><th>stmts/op</th><th>keys per loader stmt</th><th>errors</th><th>cache hit rate</th></tr>\n",
    );
    phase_row(html, "naive", &load.naive);
    phase_row(html, "batched", &load.batched);
    html.push_str("</table>\n");
    let _ = writeln!(
        html,
        "<p>Batched / naive: throughput x{:.2} (target x{:.0}: <span class=\"{}\">{}</span>), p50 x{:.2}, p99 x{:.2}; \
         batched p99 at most naive p50: <span class=\"{}\">{}</span>; errors naive {}, batched {}; the sample of {} \
         messages: <span class=\"{}\">{}</span>.</p>",
        v.throughput_ratio,
        v.throughput_target,
        if v.throughput_target_met { "ok" } else { "bad" },
        if v.throughput_target_met { "met" } else { "missed" },
        v.p50_ratio,
        v.p99_ratio,
        if v.batched_p99_within_naive_p50 { "ok" } else { "bad" },
        if v.batched_p99_within_naive_p50 { "yes" } else { "no" },
        v.naive_errors,
        v.batched_errors,
        load.sample_operations,
        if v.sample_identical { "ok" } else { "bad" },
        if v.sample_identical { "identical output" } else { "DIFFERENT output" },
    );
    if let Some(note) = &load.cache_hit_rate_note {
        let _ = writeln!(html, "<p>Cache hit rate: {}.</p>", escape(note));
    }
    html.push_str("<div class=\"charts\">");
    let throughput = [
        Series { label: "naive", color: NAIVE, points: timeline(&load.naive, load.duration_s, |p| p.ops as f64) },
        Series { label: "batched", color: BATCHED, points: timeline(&load.batched, load.duration_s, |p| p.ops as f64) },
    ];
    chart(html, charts::over_time("throughput over time", "operations per second", &throughput, false));
    let labels: Vec<String> = load.naive.latency_percentiles.iter().map(|p| percentile_label(p.percentile)).collect();
    let curve = |phase: &LoadPhase| {
        phase.latency_percentiles.iter().enumerate().map(|(index, point)| (index as f64, point.ms)).collect()
    };
    let percentiles = [
        Series { label: "naive", color: NAIVE, points: curve(&load.naive) },
        Series { label: "batched", color: BATCHED, points: curve(&load.batched) },
    ];
    chart(html, charts::percentiles(&labels, &percentiles));
    let latency = [
        Series { label: "naive p50", color: NAIVE, points: timeline(&load.naive, load.duration_s, |p| p.p50_ms) },
        Series { label: "naive p99", color: NAIVE_LIGHT, points: timeline(&load.naive, load.duration_s, |p| p.p99_ms) },
        Series { label: "batched p50", color: BATCHED, points: timeline(&load.batched, load.duration_s, |p| p.p50_ms) },
        Series {
            label: "batched p99",
            color: BATCHED_LIGHT,
            points: timeline(&load.batched, load.duration_s, |p| p.p99_ms),
        },
    ];
    chart(html, charts::over_time("latency over time (log axis)", "ms per operation", &latency, true));
    html.push_str("</div>\n<h3>Errors by kind</h3><table><tr><th>kind</th><th>naive</th><th>batched</th></tr>\n");
    for (kind, naive) in &load.naive.errors_by_kind {
        let batched = load.batched.errors_by_kind.get(kind).copied().unwrap_or(0);
        let _ = writeln!(html, "<tr><td><code>{}</code></td><td>{naive}</td><td>{batched}</td></tr>", escape(kind));
    }
    html.push_str("</table>\n");
    for (name, phase) in [("naive", &load.naive), ("batched", &load.batched)] {
        if let Some(error) = &phase.first_error {
            let _ = writeln!(html, "<p class=\"bad\">First {name} error: {}</p>", escape(error));
        }
    }
    index_table(html, &load.index_check);
}
