//! `amitools children AMI_ID`: the images made from an image, and from
//! those, as a tree, across regions.

use std::io::Write;

use serde::Serialize;

use super::listing::{table, ImageRecord, NOT_FOUND};
use super::picture::{self, PictureNode};
use super::staged::{throttled_so_far, Progress, Staged};
use super::{Context, RegionChoice};
use crate::accounts::Readers;
use crate::cli::{ChildrenArgs, Column, ListArgs};
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::lineage::fetch::{self, Round};
use crate::lineage::graph::{Tree, TreeNode};
use crate::output::{escape_untrusted, write_json, OutputFormat};
use crate::uses::UseCounts;

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    list: ListArgs,
    flat: bool,
    depth: Option<u32>,
    regions: RegionChoice,
    /// --uses: count each image's uses.
    uses: bool,
}

pub fn prepare(args: ChildrenArgs) -> Result<Plan> {
    if args.flat && args.list.ids {
        return Err(Error::Usage("--flat and --ids cannot be used together".into()));
    }
    Ok(Plan {
        image_id: args.image_id,
        list: args.list,
        flat: args.flat,
        depth: args.depth,
        regions: RegionChoice::new(args.regions, args.all_regions),
        uses: args.uses,
    })
}

/// Indentation stops growing past this many generations: a tree thousands of
/// generations deep would otherwise print gigabytes of indentation.
const MAX_INDENT: usize = 64;

/// One node's fields in the JSON tree; its children follow as "children".
#[derive(Serialize)]
struct NodeFields<'a> {
    #[serde(flatten)]
    image: &'a ImageRecord,
    depth: usize,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    uses: Option<UsesDoc>,
}

/// One row of `--flat -o json`: the record, its depth and its parent's id.
#[derive(Serialize)]
struct FlatRecord<'a> {
    #[serde(flatten)]
    image: &'a ImageRecord,
    depth: usize,
    parent: Option<&'a AmiId>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    uses: Option<UsesDoc>,
}

/// --uses in JSON: `uses` (counts by kind; null when unknown or not
/// visible) and `uses_error` (why it is unknown; null when known).
#[derive(Serialize)]
struct UsesDoc {
    uses: Option<UseCounts>,
    uses_error: Option<String>,
}

/// What uses each image of the tree (--uses); None without the flag.
type Uses = Option<std::collections::HashMap<crate::aws::ImageKey, Result<UseCounts, String>>>;

fn uses_doc(uses: &Uses, node: &TreeNode) -> Option<UsesDoc> {
    let uses = uses.as_ref()?;
    Some(match uses.get(&node.key) {
        Some(Ok(counts)) => UsesDoc { uses: Some(counts.clone()), uses_error: None },
        Some(Err(why)) => UsesDoc { uses: None, uses_error: Some(why.clone()) },
        None => UsesDoc { uses: None, uses_error: Some("not visible".to_string()) },
    })
}

/// The USES cell and the tree's `uses: …` text.
fn uses_words(uses: &Uses, node: &TreeNode) -> Option<String> {
    let uses = uses.as_ref()?;
    Some(match uses.get(&node.key) {
        Some(Ok(counts)) => counts.words(),
        Some(Err(why)) => format!("unknown ({why})"),
        None => "-".to_string(),
    })
}

fn record(node: &TreeNode, tags_only: bool) -> ImageRecord {
    ImageRecord::new(&node.key, node.image.as_ref(), tags_only)
}

/// The nested JSON tree, written without recursion (a lineage may be tens of
/// thousands of generations deep; serde would recurse once per generation).
fn write_tree_json(out: &mut dyn Write, tree: &Tree, tags_only: bool, uses: &Uses) -> std::io::Result<()> {
    enum Step {
        Open(usize),
        Comma,
        Close(usize),
    }
    let indent = |depth: usize| "  ".repeat(depth.min(MAX_INDENT));
    let mut steps = vec![Step::Open(0)];
    while let Some(step) = steps.pop() {
        match step {
            Step::Open(index) => {
                let node = &tree.nodes[index];
                let fields = serde_json::to_string(&NodeFields {
                    image: &record(node, tags_only),
                    depth: node.depth,
                    uses: uses_doc(uses, node),
                })?;
                // `{…}` without its closing brace, then the children.
                write!(out, "{}{},\"children\":[", indent(node.depth), &fields[..fields.len() - 1])?;
                if node.children.is_empty() {
                    write!(out, "]}}")?;
                    continue;
                }
                writeln!(out)?;
                steps.push(Step::Close(node.depth));
                for (n, child) in node.children.iter().enumerate().rev() {
                    steps.push(Step::Open(*child));
                    if n > 0 {
                        steps.push(Step::Comma);
                    }
                }
            }
            Step::Comma => writeln!(out, ",")?,
            Step::Close(depth) => write!(out, "\n{}]}}", indent(depth))?,
        }
    }
    writeln!(out)
}

fn write_flat_json(out: &mut dyn Write, tree: &Tree, tags_only: bool, uses: &Uses) -> std::io::Result<()> {
    let nodes = tree.preorder();
    let records: Vec<ImageRecord> = nodes.iter().map(|n| record(n, tags_only)).collect();
    let rows: Vec<FlatRecord> = nodes
        .iter()
        .zip(&records)
        .map(|(node, image)| FlatRecord {
            image,
            depth: node.depth,
            parent: node.parent.map(|p| &tree.nodes[p].key.1),
            uses: uses_doc(uses, node),
        })
        .collect();
    write_json(out, &rows)
}

/// Where the tree is drawn from: the root's region, and your own account
/// when other accounts are read too.
struct TreeHome<'a> {
    region: &'a Region,
    account: Option<&'a str>,
}

/// `ami-…  Wed Apr 17 18:18:25 UTC 2013  name`, with the region when it
/// differs from the root's, and the account with it when the image was read
/// in another account than yours (`[222222222222 eu-west-1]`). Names come
/// from other accounts too: escaped.
fn tree_label(node: &TreeNode, home: &TreeHome, tags_only: bool, uses: &Uses) -> String {
    let record = record(node, tags_only);
    if !record.found {
        return format!("{}  {NOT_FOUND}", record.image_id);
    }
    let mut label = format!("{}  {}  {}", record.image_id, record.cell(Column::CreateDate), record.cell(Column::Name));
    match record.account.as_deref() {
        Some(account) if Some(account) != home.account => {
            label.push_str(&format!("  [{account} {}]", record.region));
        }
        _ if &record.region != home.region => label.push_str(&format!("  [{}]", record.region)),
        _ => {}
    }
    if record.revoked.is_some() {
        label.push_str("  [revoked]");
    }
    if let Some(words) = uses_words(uses, node) {
        label.push_str(&format!("  (uses: {words})"));
    }
    escape_untrusted(&label).into_owned()
}

/// `-o dot` / `-o mermaid`: the tree as a picture, nodes in the tree's order.
fn write_picture(
    out: &mut dyn Write,
    format: OutputFormat,
    tree: &Tree,
    tags_only: bool,
    root: &AmiId,
) -> std::io::Result<()> {
    let nodes = tree.preorder();
    let position: std::collections::HashMap<&crate::aws::ImageKey, usize> =
        nodes.iter().enumerate().map(|(n, node)| (&node.key, n)).collect();
    let records: Vec<ImageRecord> = nodes.iter().map(|node| record(node, tags_only)).collect();
    let now = time::OffsetDateTime::now_utc();
    let picture: Vec<PictureNode> = nodes
        .iter()
        .zip(&records)
        .map(|(node, record)| {
            PictureNode::of(
                record,
                node.image.as_ref().is_some_and(|i| i.usage.is_deprecated(now)),
                node.parent.and_then(|p| position.get(&tree.nodes[p].key)).map(|&p| (p, node.origin)),
            )
        })
        .collect();
    let text = match format {
        OutputFormat::Dot => picture::dot(&picture, &format!("children of {root}")),
        _ => picture::mermaid(&picture),
    };
    out.write_all(text.as_bytes())
}

/// The tree drawn with box characters, without recursion. Past MAX_INDENT
/// generations a line shows its generation instead of more indentation.
fn write_tree(out: &mut dyn Write, tree: &Tree, home: &TreeHome, tags_only: bool, uses: &Uses) -> std::io::Result<()> {
    writeln!(out, "{}", tree_label(tree.root(), home, tags_only, uses))?;
    // (node, the prefix its own line starts with, whether it is its parent's last child)
    let mut stack: Vec<(usize, std::rc::Rc<String>, bool)> = Vec::new();
    let root_prefix = std::rc::Rc::new(String::new());
    let push_children =
        |stack: &mut Vec<(usize, std::rc::Rc<String>, bool)>, node: &TreeNode, prefix: std::rc::Rc<String>| {
            let count = node.children.len();
            for (i, child) in node.children.iter().enumerate().rev() {
                stack.push((*child, prefix.clone(), i + 1 == count));
            }
        };
    push_children(&mut stack, tree.root(), root_prefix);
    while let Some((index, prefix, last)) = stack.pop() {
        let node = &tree.nodes[index];
        let (branch, indent) = if last { ("└── ", "    ") } else { ("├── ", "│   ") };
        let deep = if node.depth > MAX_INDENT { format!("[{}] ", node.depth) } else { String::new() };
        writeln!(out, "{prefix}{deep}{branch}{}", tree_label(node, home, tags_only, uses))?;
        let child_prefix =
            if node.depth <= MAX_INDENT { std::rc::Rc::new(format!("{prefix}{indent}")) } else { prefix.clone() };
        push_children(&mut stack, node, child_prefix);
    }
    Ok(())
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let root = (ctx.region.clone(), self.image_id.clone());
        let regions = self.regions.resolve(ctx)?;
        let tags_only = self.list.tags_only;
        let found = {
            let status = Staged::start(ctx.quiet, ctx.aws.activity(), search_status);
            let mut readers = Readers::new(ctx.aws, ctx.account.as_deref(), &mut ctx.members);
            fetch::descendants(&mut readers, &root, &regions, self.depth, tags_only, &mut |round| status.enter(round))?
        };
        let tree = found.tree;
        let root_node = tree.root();
        let own_refused: Vec<&Region> =
            found.refused.iter().filter(|r| r.account.is_none()).map(|r| &r.region).collect();
        if root_node.image.is_none() && root_node.children.is_empty() && found.refused.is_empty() {
            return Err(Error::ImageNotFound {
                what: "image",
                id: self.image_id.clone(),
                region: ctx.region.clone(),
                also: ", and no image names it as its source",
            });
        }
        let uses: Uses = self.uses.then(|| count_uses(ctx, &tree));
        if self.list.ids {
            for node in tree.preorder() {
                writeln!(ctx.out, "{}", node.key.1)?;
            }
        } else if ctx.output.is_picture() {
            write_picture(ctx.out, ctx.output, &tree, tags_only, &self.image_id)?;
        } else if ctx.output == OutputFormat::Json && self.flat {
            write_flat_json(ctx.out, &tree, tags_only, &uses)?;
        } else if ctx.output == OutputFormat::Json {
            write_tree_json(ctx.out, &tree, tags_only, &uses)?;
        } else if self.flat {
            let nodes = tree.preorder();
            let records: Vec<(usize, ImageRecord)> =
                nodes.iter().map(|node| (node.depth, record(node, tags_only))).collect();
            let mut table = table(records.iter().map(|(d, r)| (Some(*d), r)), &self.list.columns, true);
            if uses.is_some() {
                table.header.push("USES".to_string());
                for (row, node) in table.rows.iter_mut().zip(&nodes) {
                    row.push(uses_words(&uses, node).unwrap_or_default());
                }
            }
            table.write(ctx.out, !self.list.no_header)?;
        } else {
            let home = TreeHome { region: &root.0, account: ctx.account.as_deref() };
            write_tree(ctx.out, &tree, &home, tags_only, &uses)?;
        }
        if root_node.image.is_none() {
            ctx.note(format!("image {} itself no longer exists or is not visible to you", self.image_id));
        }
        let searched: Vec<Region> = regions.iter().filter(|r| !own_refused.contains(r)).cloned().collect();
        if root_node.children.is_empty() {
            ctx.note(format!("no image in {} names {} as its source", regions_text(&searched), self.image_id));
        }
        let unknown: Vec<String> = match &uses {
            Some(uses) => tree
                .preorder()
                .into_iter()
                .filter(|node| matches!(uses.get(&node.key), Some(Err(_))))
                .map(|node| node.key.1.to_string())
                .collect(),
            None => Vec::new(),
        };
        if !found.refused.is_empty() {
            // Not silenced by -q: the tree above is incomplete, and the exit code says so.
            let place = |refused: &fetch::Refused| match &refused.account {
                Some(account) => format!("account {account} {}", refused.region),
                None => refused.region.to_string(),
            };
            for refused in &found.refused {
                ctx.warn(format!("{} skipped: {}", place(refused), refused.error));
            }
            let names: Vec<String> = found.refused.iter().map(place).collect();
            return Err(Error::Failed(format!(
                "{} region(s) could not be searched, the tree may be incomplete: {}",
                names.len(),
                names.join(", ")
            )));
        }
        if !unknown.is_empty() {
            return Err(Error::Failed(format!(
                "what uses {} image(s) could not be checked (see uses): {}",
                unknown.len(),
                unknown.join(" ")
            )));
        }
        Ok(())
    }
}

/// What uses each visible image of the tree: DescribeImageReferences (10
/// images a call), each region's launch configurations, and DescribeInstances
/// for whether the instances run.
/// With other accounts, each image's uses are asked of the account that
/// read it (its own uses; another account's resources are not visible).
fn count_uses(
    ctx: &mut Context,
    tree: &Tree,
) -> std::collections::HashMap<crate::aws::ImageKey, Result<UseCounts, String>> {
    let mut readers = Readers::new(ctx.aws, ctx.account.as_deref(), &mut ctx.members);
    let keys: Vec<Vec<crate::aws::ImageKey>> = (0..readers.count())
        .map(|reader| {
            tree.preorder()
                .into_iter()
                .filter_map(|node| node.image.as_ref().map(|image| (node, image)))
                .filter(|(_, image)| match readers.reader_of(image.account.as_deref().unwrap_or_default()) {
                    Some(owner) => owner == reader,
                    None => reader == 0,
                })
                .map(|(node, _)| node.key.clone())
                .collect()
        })
        .collect();
    readers
        .each(|reader, aws| {
            if keys[reader].is_empty() {
                Default::default()
            } else {
                crate::prune::gather::use_counts(aws, &keys[reader])
            }
        })
        .into_iter()
        .flatten()
        .collect()
}

/// The status line of a search: "round 3: children of 9 image(s), 4 of 17 region(s) answered (5s)".
fn search_status(progress: &Progress<Round>) -> String {
    let answered = progress.in_stage.regions_answered;
    let (throttled, elapsed) = (throttled_so_far(&progress.overall), crate::waiting::human(progress.elapsed));
    match progress.stage {
        Round::FirstLook { regions } => {
            format!("looking at {regions} region(s): {} answered{throttled} ({elapsed})", answered.min(regions as u64))
        }
        Round::Generation { round, images, regions } => format!(
            "round {}: children of {images} image(s), {} of {regions} region(s) answered{throttled} ({elapsed})",
            round + 1,
            answered.min(regions as u64)
        ),
        Round::Watermark { regions } => format!(
            "the watermark: {} of {regions} region(s) answered, {} images read{throttled} ({elapsed})",
            answered.min(regions as u64),
            progress.in_stage.images_listed
        ),
        Round::ReadingWhole { regions } => format!(
            "a deep lineage: reading {regions} region(s) whole, {} images read{throttled} ({elapsed})",
            progress.in_stage.images_listed
        ),
    }
}

fn regions_text(regions: &[Region]) -> String {
    regions.iter().map(Region::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::search_status;
    use crate::aws::ActivityCount;
    use crate::commands::staged::Progress;
    use crate::lineage::fetch::Round;
    use std::time::Duration;

    #[test]
    fn the_search_status_line_says_the_round_and_the_regions_answered() {
        let line = |stage, regions_answered, throttled| {
            let in_stage = ActivityCount { regions_answered, images_listed: 2500, ..ActivityCount::default() };
            let overall = ActivityCount { throttled, ..in_stage };
            search_status(&Progress { stage, in_stage, overall, elapsed: Duration::from_secs(5) })
        };
        assert_eq!(line(Round::FirstLook { regions: 17 }, 4, 0), "looking at 17 region(s): 4 answered (5s)");
        assert_eq!(
            line(Round::Generation { round: 3, images: 27, regions: 17 }, 18, 2),
            "round 4: children of 27 image(s), 17 of 17 region(s) answered, 2 throttled answers so far (sent again, paced) (5s)"
        );
        assert_eq!(
            line(Round::ReadingWhole { regions: 2 }, 0, 0),
            "a deep lineage: reading 2 region(s) whole, 2500 images read (5s)"
        );
    }
}
