//! Rendering: aligned tables for people, JSON for scripts. Commands build
//! values; these functions write them to any `Write`, so tests render into buffers.

use std::io::{self, Write};

use serde::Serialize;

/// The one way to echo a user-supplied or untrusted value in a message:
/// shortened (a 10,000-character argument must not become a 10,000-character
/// line) and with control characters escaped (see `escape_untrusted`).
pub fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let escaped = escape_untrusted(value);
    if escaped.chars().count() <= MAX {
        escaped.into_owned()
    } else {
        let head: String = escaped.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Characters that move the cursor, start terminal escape sequences or
/// reorder the line: C0 and C1 controls, DEL, and Unicode's bidi controls;
/// and the ones that break a line or hide in it: the line and paragraph
/// separators (U+2028, U+2029), the zero-width space (U+200B) and the
/// byte-order mark (U+FEFF), so that two names that look alike are told apart.
pub fn is_unsafe_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Text from outside (image names, descriptions, tags written by other
/// accounts) made safe for a terminal, as git quotes file names: `\n`, `\t`,
/// `\r`, `\\`, and `\u{…}` for other controls. Text with none of them is
/// returned as it is (a backslash alone is left alone then).
pub fn escape_untrusted(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_on_terminal) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe_on_terminal(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `-o table|json|dot|mermaid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// JSON with stable field names, for scripts
    Json,
    /// A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`
    Dot,
    /// A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it
    Mermaid,
}

impl OutputFormat {
    /// Whether this is one of the pictures (only the lineage commands draw them).
    pub fn is_picture(self) -> bool {
        matches!(self, OutputFormat::Dot | OutputFormat::Mermaid)
    }
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
        // Cells may hold text from other accounts: a newline in a name must not make a row.
        let lines: Vec<Vec<std::borrow::Cow<'_, str>>> =
            lines.into_iter().map(|line| line.iter().map(|cell| escape_untrusted(cell)).collect()).collect();
        let columns = self.header.len();
        let mut widths = vec![0; columns];
        for line in &lines {
            for (i, cell) in line.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(display_width(cell));
            }
        }
        for line in lines {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate().take(columns) {
                text.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - display_width(cell) + GAP;
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

/// The columns a terminal gives `text` (escaped text has no control characters).
fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
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

    #[test]
    fn wide_characters_are_padded_by_their_width() {
        let mut table = Table::new(vec!["NAME".into(), "X".into()]);
        table.rows.push(vec!["ウェブ".into(), "1".into()]);
        table.rows.push(vec!["web".into(), "2".into()]);
        assert_eq!(render(&table, false), "ウェブ   1\nweb      2\n");
    }

    #[test]
    fn untrusted_text_cannot_add_rows_or_steer_the_terminal() {
        let mut table = Table::new(vec!["NAME".into(), "X".into()]);
        table.rows.push(vec!["web\r\nami-fake   evil".into(), "1".into()]);
        table.rows.push(vec!["a\u{9b}31mred\u{202e}gnp.exe\\".into(), "2".into()]);
        table.rows.push(vec!["plain\\path".into(), "3".into()]);
        assert_eq!(
            render(&table, false),
            "web\\r\\nami-fake   evil           1\n\
             a\\u{9b}31mred\\u{202e}gnp.exe\\\\   2\n\
             plain\\path                       3\n"
        );
        assert_eq!(shown(&"x".repeat(100)), format!("{}…", "x".repeat(80)));
        assert_eq!(shown("a\u{1b}[2J"), "a\\u{1b}[2J");
        for hidden in ['\u{2028}', '\u{2029}', '\u{200b}', '\u{feff}'] {
            let escaped = escape_untrusted(&format!("web{hidden}-1")).into_owned();
            assert_eq!(escaped, format!("web\\u{{{:x}}}-1", hidden as u32));
        }
    }
}
