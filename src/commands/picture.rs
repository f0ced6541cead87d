//! `-o dot` and `-o mermaid`: a lineage as a picture, for Graphviz and for
//! Mermaid (what GitHub renders in Markdown). One node per image — id, name,
//! date, state — styled apart when deprecated, disabled, revoked, not found
//! or not visible; one edge from each parent to each image made from it,
//! labelled with where the link came from (tag, ec2, ancestry); one cluster
//! per region (and account, with --accounts). Clusters are sorted and nodes
//! keep the walk's order, so that two runs diff line by line. `revoke` and
//! `restore` draw their plan the same way: each image's action (and, after
//! --apply, what became of it) and uses under its label, the images the plan
//! changes outlined heavily.
//!
//! Names come from other accounts: every label is escaped for its language
//! (no quote, backslash, newline or markup of a name ends a label).

use std::fmt::Write as _;

use super::listing::ImageRecord;
use crate::cli::Column;
use crate::lineage::graph::Origin;

/// One image of the picture, and the link to its parent (an index into the
/// same list), when it has one.
pub struct PictureNode<'a> {
    pub record: &'a ImageRecord,
    pub deprecated: bool,
    pub parent: Option<(usize, Option<Origin>)>,
    /// Lines under the image's own (a plan's action and the image's uses).
    pub notes: Vec<String>,
    /// The plan changes it: outlined heavily.
    pub changed: bool,
}

impl<'a> PictureNode<'a> {
    /// A lineage's image: no notes, nothing changed.
    pub fn of(record: &'a ImageRecord, deprecated: bool, parent: Option<(usize, Option<Origin>)>) -> Self {
        PictureNode { record, deprecated, parent, notes: Vec::new(), changed: false }
    }
}

/// How an image is drawn apart from an ordinary one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    Plain,
    Deprecated,
    Disabled,
    Revoked,
    NotFound,
    NotVisible,
}

fn look(node: &PictureNode) -> Look {
    let record = node.record;
    if record.recorded {
        Look::NotVisible
    } else if !record.found {
        Look::NotFound
    } else if record.revoked.is_some() {
        Look::Revoked
    } else if record.state.as_ref().is_some_and(|s| s.to_string() == "disabled") {
        Look::Disabled
    } else if node.deprecated {
        Look::Deprecated
    } else {
        Look::Plain
    }
}

/// The label's lines: id, then name, date and state (or why they are unknown).
fn label_lines(node: &PictureNode) -> Vec<String> {
    let record = node.record;
    let mut lines = vec![record.image_id.to_string()];
    match look(node) {
        Look::NotFound => lines.push("not found".into()),
        Look::NotVisible => {
            lines.push("not visible".into());
            lines.push(record.cell(Column::CreateDate));
        }
        other => {
            lines.push(record.cell(Column::Name));
            lines.push(record.cell(Column::CreateDate));
            let mut state = record.cell(Column::State);
            if other == Look::Deprecated {
                state.push_str(", deprecated");
            }
            if other == Look::Revoked {
                state.push_str(", revoked");
            }
            lines.push(state);
        }
    }
    lines.extend(node.notes.iter().cloned());
    lines
}

/// The clusters: (account, region) with their nodes' indexes, sorted.
fn clusters(nodes: &[PictureNode]) -> Vec<((String, String), Vec<usize>)> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<usize>> = Default::default();
    for (n, node) in nodes.iter().enumerate() {
        let account = node.record.account.clone().unwrap_or_default();
        groups.entry((account, node.record.region.to_string())).or_default().push(n);
    }
    groups.into_iter().collect()
}

fn cluster_title(account: &str, region: &str) -> String {
    if account.is_empty() {
        region.to_string()
    } else {
        format!("{account} {region}")
    }
}

/// Text safe inside a Graphviz double-quoted string: controls become
/// spaces, backslashes and quotes are escaped (a backslash would otherwise
/// start an escape such as \n or \N).
fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() || crate::output::is_unsafe_on_terminal(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Graphviz: `dot -Tsvg` draws it.
pub fn dot(nodes: &[PictureNode], title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_text(title));
    let _ = writeln!(out, "  rankdir=TB;");
    let _ = writeln!(out, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"white\", fontname=\"Helvetica\"];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    for (c, ((account, region), members)) in clusters(nodes).into_iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{c} {{");
        let _ = writeln!(out, "    label=\"{}\";", dot_text(&cluster_title(&account, &region)));
        for n in members {
            let node = &nodes[n];
            let label: Vec<String> = label_lines(node).iter().map(|l| dot_text(l)).collect();
            let style = match look(node) {
                Look::Plain => "",
                Look::Deprecated => ", fillcolor=\"lightyellow\"",
                Look::Disabled => ", fillcolor=\"lightgray\"",
                Look::Revoked => ", fillcolor=\"mistyrose\", color=\"red\"",
                Look::NotFound => ", style=\"rounded,dashed\", fontcolor=\"gray40\"",
                Look::NotVisible => ", style=\"rounded,dotted\", fontcolor=\"gray40\"",
            };
            let outline = if node.changed { ", penwidth=3" } else { "" };
            let _ = writeln!(out, "    n{n} [label=\"{}\"{style}{outline}];", label.join("\\n"));
        }
        let _ = writeln!(out, "  }}");
    }
    for (n, node) in nodes.iter().enumerate() {
        if let Some((parent, origin)) = node.parent {
            let label = origin.map(|o| format!(" [label=\"{}\"]", o.as_str())).unwrap_or_default();
            let _ = writeln!(out, "  n{parent} -> n{n}{label};");
        }
    }
    out.push_str("}\n");
    out
}

/// Text safe inside a Mermaid `"…"` label: quotes, markup and entity
/// characters as Mermaid's numeric entity codes (`#34;`), controls as spaces.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '#' | '<' | '>' | '&' | '`' | '\\' | '|' | '[' | ']' | '{' | '}' | '(' | ')' | ';' => {
                let _ = write!(out, "#{};", c as u32);
            }
            c if c.is_control() || crate::output::is_unsafe_on_terminal(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid's flowchart: GitHub renders it in a ```mermaid block.
pub fn mermaid(nodes: &[PictureNode]) -> String {
    let mut out = String::from("flowchart TB\n");
    for (c, ((account, region), members)) in clusters(nodes).into_iter().enumerate() {
        let _ = writeln!(out, "  subgraph c{c}[\"{}\"]", mermaid_text(&cluster_title(&account, &region)));
        for n in members {
            let label: Vec<String> = label_lines(&nodes[n]).iter().map(|l| mermaid_text(l)).collect();
            let _ = writeln!(out, "    n{n}[\"{}\"]", label.join("<br/>"));
        }
        let _ = writeln!(out, "  end");
    }
    for (n, node) in nodes.iter().enumerate() {
        if let Some((parent, origin)) = node.parent {
            match origin {
                Some(origin) => {
                    let _ = writeln!(out, "  n{parent} -->|{}| n{n}", origin.as_str());
                }
                None => {
                    let _ = writeln!(out, "  n{parent} --> n{n}");
                }
            }
        }
    }
    let classes = [
        (Look::Deprecated, "deprecated", "fill:#ffffe0"),
        (Look::Disabled, "disabled", "fill:#d3d3d3"),
        (Look::Revoked, "revoked", "fill:#ffe4e1,stroke:#ff0000"),
        (Look::NotFound, "notfound", "stroke-dasharray:5 5,color:#666666"),
        (Look::NotVisible, "notvisible", "stroke-dasharray:2 2,color:#666666"),
    ];
    let in_class = |name: &str, style: &str, out: &mut String, member: &dyn Fn(&PictureNode) -> bool| {
        let members: Vec<String> =
            nodes.iter().enumerate().filter(|(_, node)| member(node)).map(|(n, _)| format!("n{n}")).collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {name} {style}");
            let _ = writeln!(out, "  class {} {name}", members.join(","));
        }
    };
    for (which, name, style) in classes {
        in_class(name, style, &mut out, &|node| look(node) == which);
    }
    // After the looks: Mermaid adds a node's classes, the outline on top.
    in_class("changed", "stroke-width:4px", &mut out, &|node| node.changed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_cannot_leave_their_labels() {
        let hostile = "a\"] ; n0 --> x; %% \\\" <b>#34; `x` \n}\u{202e}|";
        let dot_label = dot_text(hostile);
        // Every quote is escaped, every backslash doubled, no newline left.
        assert!(!dot_label.contains('\n') && !dot_label.contains('\u{202e}'));
        let unescaped_quote = dot_label
            .char_indices()
            .any(|(i, c)| c == '"' && dot_label[..i].chars().rev().take_while(|&b| b == '\\').count() % 2 == 0);
        assert!(!unescaped_quote, "{dot_label}");
        let mermaid_label = mermaid_text(hostile);
        // Nothing but entity codes (#NN;) may carry markup, quotes or separators.
        let mut bare = String::new();
        let mut rest = mermaid_label.as_str();
        while let Some(at) = rest.find('#') {
            bare.push_str(&rest[..at]);
            let code = &rest[at + 1..];
            let digits = code.chars().take_while(char::is_ascii_digit).count();
            assert!(digits > 0 && code[digits..].starts_with(';'), "a bare # in {mermaid_label}");
            rest = &code[digits + 1..];
        }
        bare.push_str(rest);
        for forbidden in ['"', '<', '>', '`', '\n', '[', ']', '|', '\\', ';', '{', '}', '(', ')'] {
            assert!(!bare.contains(forbidden), "{forbidden:?} in {mermaid_label}");
        }
    }
}
