//! Text tables whose columns stay aligned whatever the figures (each column as wide as its
//! widest cell), and the number formats of the text report (`1,234.567 ms`).

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Figures.
    Right,
}

/// A table rendered as text: a header line, then one line per row; columns separated by two
/// spaces, each as wide as its widest cell (counted in characters), trailing spaces trimmed.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(headers: &[(&str, Align)]) -> Self {
        Self { headers: headers.iter().map(|(title, align)| ((*title).to_owned(), *align)).collect(), rows: Vec::new() }
    }

    /// Appends a row (missing cells are empty, extra cells are dropped).
    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    /// The lines of the table, each prefixed with `indent`, without a trailing newline. Without
    /// headers (all empty) the header line is left out.
    pub fn render(&self, indent: &str) -> String {
        let columns = self.headers.len();
        let cell = |row: &[String], column: usize| row.get(column).cloned().unwrap_or_default();
        let mut widths: Vec<usize> = self.headers.iter().map(|(title, _)| title.chars().count()).collect();
        for row in &self.rows {
            for (column, width) in widths.iter_mut().enumerate() {
                *width = (*width).max(cell(row, column).chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let mut text = indent.to_owned();
            for (column, value) in cells.iter().enumerate().take(columns) {
                if column > 0 {
                    text.push_str("  ");
                }
                let pad = widths[column].saturating_sub(value.chars().count());
                match self.headers[column].1 {
                    Align::Left => {
                        text.push_str(value);
                        text.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(value);
                    }
                }
            }
            text.trim_end().to_owned()
        };
        let mut lines = Vec::new();
        if self.headers.iter().any(|(title, _)| !title.is_empty()) {
            lines.push(line(self.headers.iter().map(|(title, _)| title.clone()).collect()));
        }
        for row in &self.rows {
            lines.push(line((0..columns).map(|column| cell(row, column)).collect()));
        }
        lines.join("\n")
    }
}

/// `value` with `decimals` decimals and a comma between thousands: `1234.5674, 3` ->
/// `1,234.567`; non-finite values as Rust prints them.
pub fn grouped(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (integer, fraction) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    // `-0.000` is printed as `0.000`.
    if value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// Milliseconds with three decimals and thousands separators: `1,234.567 ms`.
pub fn ms(value: f64) -> String {
    format!("{} ms", grouped(value, 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_get_thousands_separators() {
        assert_eq!(grouped(1_234.567_4, 3), "1,234.567");
        assert_eq!(grouped(999.999_4, 3), "999.999");
        assert_eq!(grouped(1_234_567.0, 1), "1,234,567.0");
        assert_eq!(grouped(12.0, 0), "12");
        assert_eq!(grouped(-1_500.25, 2), "-1,500.25");
        assert_eq!(grouped(-0.000_1, 3), "0.000");
        assert_eq!(ms(0.571), "0.571 ms");
        assert_eq!(ms(745_471.2), "745,471.200 ms");
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut table = Table::new(&[("workload", Align::Left), ("p50", Align::Right), ("ok", Align::Left)]);
        table.row(vec!["botfeed".into(), ms(3.407), "yes".into()]);
        table.row(vec!["chinook-playlists".into(), ms(1_234.567), "no".into()]);
        let lines = [
            format!("  workload{}p50  ok", " ".repeat(20)),
            format!("  botfeed{}3.407 ms  yes", " ".repeat(16)),
            "  chinook-playlists  1,234.567 ms  no".to_owned(),
        ];
        assert_eq!(table.render("  "), lines.join("\n"));
    }

    #[test]
    fn a_table_without_headers_has_no_header_line() {
        let mut table = Table::new(&[("", Align::Right), ("", Align::Left)]);
        table.row(vec!["1.".into(), "SELECT 1".into()]).row(vec!["10.".into(), "SELECT 2".into()]);
        assert_eq!(table.render(""), " 1.  SELECT 1\n10.  SELECT 2");
    }
}
