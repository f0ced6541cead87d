//! Rendering: aligned tables for people, JSON for scripts. Commands build
//! values; these functions write them to any `Write`, so tests render into buffers.

use std::io::{self, Write};

use serde::Serialize;

/// `-o table|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// JSON with stable field names, for scripts
    Json,
}

/// A table: a header and rows of cells, aligned on output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Columns are separated by this many spaces.
const GAP: usize = 3;

impl Table {
    pub fn new(header: Vec<String>) -> Table {
        Table { header, rows: Vec::new() }
    }

    /// Write the table, with or without its header. The last column is not
    /// padded, so lines carry no trailing spaces.
    pub fn write(&self, out: &mut dyn Write, with_header: bool) -> io::Result<()> {
        let lines: Vec<&Vec<String>> = if with_header {
            std::iter::once(&self.header).chain(&self.rows).collect()
        } else {
            self.rows.iter().collect()
        };
        let columns = self.header.len();
        let mut widths = vec![0; columns];
        for line in &lines {
            for (i, cell) in line.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for line in lines {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate().take(columns) {
                text.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count() + GAP;
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

/// Pretty JSON and a newline.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(table: &Table, header: bool) -> String {
        let mut buf = Vec::new();
        table.write(&mut buf, header).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn columns_align_and_lines_have_no_trailing_space() {
        let mut table = Table::new(vec!["IMAGE_ID".into(), "NAME".into(), "X".into()]);
        table.rows.push(vec!["ami-12345678".into(), "a".into(), "".into()]);
        table.rows.push(vec!["ami-1".into(), "longer name".into(), "z".into()]);
        assert_eq!(
            render(&table, true),
            "IMAGE_ID       NAME          X\nami-12345678   a\nami-1          longer name   z\n"
        );
        assert_eq!(render(&table, false).lines().count(), 2);
    }
}
