//! The report's charts as inline SVG, drawn with `plotters`' SVG backend: the latency CDF on a
//! log axis, statements per operation (log axis when the two differ more than 10x), lines over
//! time, and the latency-percentile curve. Each returns the SVG text, or the drawing error.

use plotters::prelude::*;

/// The naive engine's colour.
pub(super) const NAIVE: RGBColor = RGBColor(214, 69, 65);
/// The batched engine's colour.
pub(super) const BATCHED: RGBColor = RGBColor(38, 110, 196);

/// The naive engine's second line (p99 over time).
pub(super) const NAIVE_LIGHT: RGBColor = RGBColor(240, 150, 140);
/// The batched engine's second line.
pub(super) const BATCHED_LIGHT: RGBColor = RGBColor(130, 175, 230);

/// Most points drawn per CDF line (the sorted latencies are thinned evenly beyond that).
const CDF_POINTS: usize = 400;

/// One line of a chart.
pub(super) struct Series<'a> {
    /// Legend text.
    pub label: &'a str,
    /// Colour.
    pub color: RGBColor,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
}

fn error(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// A log axis range covering `values` (positive ones), from the power of ten at or below the
/// smallest to the one at or above the largest: plotters then labels every decade.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) =
        values.filter(|value| *value > 0.0).fold((f64::MAX, f64::MIN), |(low, high), v| (low.min(v), high.max(v)));
    if low > high {
        return (0.01, 1.0);
    }
    let low = 10f64.powf(low.log10().floor());
    let high = 10f64.powf(high.log10().ceil()).max(low * 10.0);
    // Just below / above the powers, so that both ends get their label.
    (low * 0.999, high * 1.001)
}

/// Axis labels of a log axis in ms: no trailing zeros, three significant digits below 1.
fn ms_label(value: f64) -> String {
    if value >= 10.0 {
        crate::table::grouped(value, 0)
    } else if value >= 1.0 {
        format!("{value:.1}").trim_end_matches(".0").to_owned()
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The cumulative distribution of `latencies_us` as (ms, % of operations at or below).
fn cdf(latencies_us: &[u64]) -> Vec<(f64, f64)> {
    let mut sorted = latencies_us.to_vec();
    sorted.sort_unstable();
    let count = sorted.len();
    let step = count.div_ceil(CDF_POINTS).max(1);
    let mut points: Vec<(f64, f64)> = (0..count)
        .step_by(step)
        .map(|index| (sorted[index] as f64 / 1_000.0, (index + 1) as f64 * 100.0 / count as f64))
        .collect();
    if let Some(last) = sorted.last() {
        points.push((*last as f64 / 1_000.0, 100.0));
    }
    points
}

/// Latency per operation of both runs as cumulative distributions on a log time axis: the
/// fast run and the slow one are both readable, whatever their ratio.
pub(super) fn latency_cdf(naive_us: &[u64], batched_us: &[u64]) -> Result<String, String> {
    let series = [
        Series { label: "naive", color: NAIVE, points: cdf(naive_us) },
        Series { label: "batched", color: BATCHED, points: cdf(batched_us) },
    ];
    let (low, high) = log_range(series.iter().flat_map(|s| s.points.iter().map(|(x, _)| *x)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("latency per operation (cumulative, log time axis)", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(48)
            .build_cartesian_2d((low..high).log_scale(), 0f64..100f64)
            .map_err(error)?;
        chart
            .configure_mesh()
            .x_desc("ms per operation (log scale)")
            .x_labels(12)
            .y_desc("% of operations at or below")
            .x_label_formatter(&|value| ms_label(*value))
            .light_line_style(WHITE)
            .draw()
            .map_err(error)?;
        for line in series {
            let color = line.color;
            chart
                .draw_series(LineSeries::new(line.points, color.stroke_width(2)))
                .map_err(error)?
                .label(line.label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(error)?;
        root.present().map_err(error)?;
    }
    Ok(svg)
}

/// Whether two bar values are drawn on a log axis: both positive and more than 10x apart.
pub(super) fn needs_log_axis(a: f64, b: f64) -> bool {
    a > 0.0 && b > 0.0 && a.max(b) / a.min(b) > 10.0
}

/// Statements per operation, naive vs batched, as two bars; on a log axis when they differ by
/// more than 10x (so that the small bar stays visible).
pub(super) fn statements_bars(naive: f64, batched: f64) -> Result<String, String> {
    let values = [("naive", naive, NAIVE), ("batched", batched, BATCHED)];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (320, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let log = needs_log_axis(naive, batched);
        let caption = if log { "statements per operation (log axis)" } else { "statements per operation" };
        let mut builder = ChartBuilder::on(&root);
        builder.caption(caption, ("sans-serif", 16)).margin(12).x_label_area_size(30).y_label_area_size(48);
        let top = naive.max(batched).max(1.0);
        if log {
            let bottom = naive.min(batched) / 3.0;
            let mut chart = builder.build_cartesian_2d(0f64..2f64, (bottom..top * 3.0).log_scale()).map_err(error)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_label_formatter(&|value| ms_label(*value))
                .light_line_style(WHITE)
                .draw()
                .map_err(error)?;
            for (index, (label, value, color)) in values.iter().enumerate() {
                let x0 = index as f64 + 0.2;
                chart
                    .draw_series(std::iter::once(Rectangle::new([(x0, bottom), (x0 + 0.6, *value)], color.filled())))
                    .map_err(error)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{label}: {}", crate::table::grouped(*value, 1)),
                        (x0, *value * 1.6),
                        ("sans-serif", 14),
                    )))
                    .map_err(error)?;
            }
        } else {
            let y_max = top * 1.2;
            let mut chart = builder.build_cartesian_2d(0f64..2f64, 0f64..y_max).map_err(error)?;
            chart.configure_mesh().disable_x_mesh().x_labels(0).light_line_style(WHITE).draw().map_err(error)?;
            for (index, (label, value, color)) in values.iter().enumerate() {
                let x0 = index as f64 + 0.2;
                chart
                    .draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x0 + 0.6, *value)], color.filled())))
                    .map_err(error)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{label}: {}", crate::table::grouped(*value, 1)),
                        (x0, *value + y_max * 0.08),
                        ("sans-serif", 14),
                    )))
                    .map_err(error)?;
            }
        }
        root.present().map_err(error)?;
    }
    Ok(svg)
}

/// Lines over the seconds of a phase: `series` points are (second, value); `log_y` draws the
/// values on a log axis (latencies), otherwise from 0 (throughput).
pub(super) fn over_time(caption: &str, y_desc: &str, series: &[Series<'_>], log_y: bool) -> Result<String, String> {
    // Points sit at the middle of their second: the axis ends half a second after the last.
    let x_max = series.iter().flat_map(|s| s.points.iter().map(|(x, _)| *x)).fold(0.5, f64::max) + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let mut builder = ChartBuilder::on(&root);
        builder.caption(caption, ("sans-serif", 16)).margin(12).x_label_area_size(38).y_label_area_size(56);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc("seconds into the phase")
                    .y_desc(y_desc)
                    .y_label_formatter(&|value| ms_label(*value))
                    .light_line_style(WHITE)
                    .draw()
                    .map_err(error)?;
                for line in series {
                    let color = line.color;
                    let points: Vec<(f64, f64)> =
                        line.points.iter().copied().filter(|(_, y)| !log_y || *y > 0.0).collect();
                    chart
                        .draw_series(LineSeries::new(points, color.stroke_width(2)))
                        .map_err(error)?
                        .label(line.label)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK)
                    .draw()
                    .map_err(error)?;
            }};
        }
        if log_y {
            let (low, high) = log_range(series.iter().flat_map(|s| s.points.iter().map(|(_, y)| *y)));
            draw!(builder.build_cartesian_2d(0f64..x_max, (low..high).log_scale()).map_err(error)?);
        } else {
            let y_max = series.iter().flat_map(|s| s.points.iter().map(|(_, y)| *y)).fold(1.0, f64::max) * 1.15;
            draw!(builder.build_cartesian_2d(0f64..x_max, 0f64..y_max).map_err(error)?);
        }
        root.present().map_err(error)?;
    }
    Ok(svg)
}

/// The latency-percentile curve of both phases: x the percentiles (categories `labels`), y
/// the latency on a log axis; `series` points are (category index, ms).
pub(super) fn percentiles(labels: &[String], series: &[Series<'_>]) -> Result<String, String> {
    let (low, high) = log_range(series.iter().flat_map(|s| s.points.iter().map(|(_, y)| *y)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (620, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(error)?;
        let count = labels.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption("latency percentiles (log axis)", ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.3f64..count - 0.7, (low..high).log_scale())
            .map_err(error)?;
        let label_of = |value: &f64| {
            let index = value.round();
            if (value - index).abs() < 1e-6 && index >= 0.0 {
                labels.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len() * 2 + 1)
            .x_label_formatter(&label_of)
            .y_desc("ms per operation")
            .y_label_formatter(&|value| ms_label(*value))
            .light_line_style(WHITE)
            .draw()
            .map_err(error)?;
        for line in series {
            let color = line.color;
            let points: Vec<(f64, f64)> = line.points.iter().copied().filter(|(_, y)| *y > 0.0).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(error)?
                .label(line.label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
            chart.draw_series(points.into_iter().map(|point| Circle::new(point, 3, color.filled()))).map_err(error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(error)?;
        root.present().map_err(error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_axis_only_when_the_bars_differ_more_than_tenfold() {
        assert!(needs_log_axis(1_454.5, 4.3));
        assert!(!needs_log_axis(19.0, 2.4));
        assert!(!needs_log_axis(10.0, 1.0));
        assert!(!needs_log_axis(5.0, 0.0));
    }

    #[test]
    fn the_cdf_ends_at_the_slowest_operation_and_100_percent() {
        let points = cdf(&[3_000, 1_000, 2_000, 4_000]);
        assert_eq!(points, [(1.0, 25.0), (2.0, 50.0), (3.0, 75.0), (4.0, 100.0), (4.0, 100.0)]);
        assert_eq!(cdf(&[]), []);
    }

    #[test]
    fn log_ranges_cover_whole_decades() {
        let (low, high) = log_range([15.5, 775.0].into_iter());
        assert_eq!((low, high), (10.0 * 0.999, 1_000.0 * 1.001));
        let (low, high) = log_range([2.0, 3.0, 0.0].into_iter());
        assert_eq!((low, high), (0.999, 10.0 * 1.001));
    }

    #[test]
    fn log_axis_labels_are_short() {
        assert_eq!(ms_label(0.05), "0.05");
        assert_eq!(ms_label(1.0), "1");
        assert_eq!(ms_label(2.5), "2.5");
        assert_eq!(ms_label(745.0), "745");
        assert_eq!(ms_label(12_345.0), "12,345");
    }
}
