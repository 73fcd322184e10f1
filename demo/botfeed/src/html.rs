//! `--report-html`: one self-contained page (inline CSS and SVG, no script, no network) with,
//! per workload, the latency distribution and the statements per operation, naive vs batched,
//! drawn with `plotters`' SVG backend.

use std::fmt::Write as _;

use plotters::prelude::*;

use crate::report::{PhaseReport, Report, WorkloadReport};

const NAIVE: RGBColor = RGBColor(214, 69, 65);
const BATCHED: RGBColor = RGBColor(38, 110, 196);

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn percentile(sorted: &[u64], quantile: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Share of operations (in %) per latency bucket of `width_ms`, up to `buckets`.
fn histogram(latencies_us: &[u64], width_ms: f64, buckets: usize) -> Vec<f64> {
    let mut counts = vec![0u64; buckets];
    for latency in latencies_us {
        let bucket = ((*latency as f64 / 1_000.0) / width_ms) as usize;
        counts[bucket.min(buckets - 1)] += 1;
    }
    let total = latencies_us.len().max(1) as f64;
    counts.into_iter().map(|count| count as f64 * 100.0 / total).collect()
}

fn latency_chart(workload: &WorkloadReport) -> Result<String, String> {
    const BUCKETS: usize = 40;
    let mut all: Vec<u64> = workload.naive.latencies_us.iter().chain(&workload.batched.latencies_us).copied().collect();
    all.sort_unstable();
    let top_ms = (percentile(&all, 0.99) as f64 / 1_000.0 * 1.05).max(0.01);
    let width = top_ms / BUCKETS as f64;
    let naive = histogram(&workload.naive.latencies_us, width, BUCKETS);
    let batched = histogram(&workload.batched.latencies_us, width, BUCKETS);
    let y_max = naive.iter().chain(&batched).copied().fold(1.0, f64::max) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption("latency per operation (last bucket: p99 and above)", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..top_ms, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("ms per operation")
            .y_desc("% of operations")
            .light_line_style(WHITE)
            .draw()
            .map_err(|e| e.to_string())?;
        for (series, color, label) in [(&naive, NAIVE, "naive"), (&batched, BATCHED, "batched")] {
            chart
                .draw_series(series.iter().enumerate().filter(|(_, share)| **share > 0.0).map(|(bucket, share)| {
                    let x0 = bucket as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, *share)], color.mix(0.55).filled())
                }))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.mix(0.55).filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn queries_chart(workload: &WorkloadReport) -> Result<String, String> {
    let values =
        [("naive", workload.naive.queries_per_op, NAIVE), ("batched", workload.batched.queries_per_op, BATCHED)];
    let y_max = values.iter().map(|(_, value, _)| *value).fold(1.0, f64::max) * 1.2;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (320, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption("statements per operation", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..2f64, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .light_line_style(WHITE)
            .draw()
            .map_err(|e| e.to_string())?;
        for (index, (label, value, color)) in values.iter().enumerate() {
            let x0 = index as f64 + 0.2;
            chart
                .draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x0 + 0.6, *value)], color.filled())))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{label}: {value:.1}"),
                    (x0, *value + y_max * 0.08),
                    ("sans-serif", 14),
                )))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn phase_cells(phase: &PhaseReport) -> String {
    format!(
        "<td>{:.1}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td>",
        phase.queries_per_op, phase.p50_ms, phase.p95_ms, phase.n_plus_one_findings
    )
}

/// The HTML page for `report`.
pub fn render(report: &Report) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>botfeed report</title>\n<style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}\
         th{{background:#f3f3f3}}td:first-child{{text-align:left}}.charts{{display:flex;flex-wrap:wrap;gap:12px}}\
         code,pre{{background:#f6f6f6}}pre{{padding:8px;overflow-x:auto;font-size:12px}}.ok{{color:#1a7f37}}.bad{{color:#c00}}\
         </style></head><body>\n<h1>botfeed: naive vs batched</h1>\n<p>Backend <b>{}</b>, seed {}, {} messages, run in {:.1} s. \
         Naive = per-item queries; batched = the same logic with batchload loaders. Every operation is a \
         <code>#[batchload::timed]</code> operation; figures come from the instrumentation profile.</p>\n",
        escape(&report.backend),
        report.seed,
        report.messages,
        report.wall_time_s
    );
    html.push_str(
        "<table><tr><th>workload</th><th>ops</th><th>naive stmts/op</th><th>naive p50 ms</th><th>naive p95 ms</th>\
         <th>naive N+1</th><th>batched stmts/op</th><th>batched p50 ms</th><th>batched p95 ms</th><th>batched N+1</th>\
         <th>identical</th><th>errors</th></tr>\n",
    );
    for workload in &report.workloads {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td>{}{}<td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&workload.name),
            workload.operations,
            phase_cells(&workload.naive),
            phase_cells(&workload.batched),
            if workload.identical_output { "ok" } else { "bad" },
            workload.identical_output,
            workload.errors
        );
    }
    html.push_str("</table>\n");
    for workload in &report.workloads {
        let _ = write!(
            html,
            "<h2>{}</h2>\n<p>{}. {} operations; statements x{:.3}, p50 x{:.2}, p95 x{:.2} (batched / naive).</p>\n<div class=\"charts\">",
            escape(&workload.name),
            escape(&workload.description),
            workload.operations,
            workload.validation.queries_ratio,
            workload.validation.p50_ratio,
            workload.validation.p95_ratio
        );
        for chart in [latency_chart(workload), queries_chart(workload)] {
            match chart {
                Ok(svg) => html.push_str(&svg),
                Err(error) => {
                    let _ = write!(html, "<p class=\"bad\">chart failed: {}</p>", escape(&error));
                }
            }
        }
        html.push_str("</div>\n");
        if !workload.naive.findings.is_empty() {
            html.push_str("<h3>N+1 findings of the naive run</h3><ul>");
            for finding in &workload.naive.findings {
                let _ = write!(
                    html,
                    "<li><code>{}</code> up to {}x per operation: {}</li>",
                    escape(&finding.summary),
                    finding.max_count,
                    escape(&finding.fix)
                );
            }
            html.push_str("</ul>\n");
        }
        html.push_str("<h3>Slowest fingerprints (naive)</h3><table><tr><th>summary</th><th>total ms</th><th>calls</th><th>statement</th></tr>");
        for slow in &workload.naive.slowest {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{:.1}</td><td>{}</td><td style=\"text-align:left\"><code>{}</code></td></tr>",
                escape(&slow.summary),
                slow.total_ms,
                slow.calls,
                escape(&slow.statement)
            );
        }
        let _ = writeln!(html, "</table><p>Index check: {}</p>", escape(&workload.index_check));
    }
    for skipped in &report.skipped {
        let _ = writeln!(html, "<p><b>{}</b> skipped: {}</p>", escape(&skipped.name), escape(&skipped.reason));
    }
    html.push_str("</body></html>\n");
    html
}
