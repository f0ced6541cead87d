//! `amitools children AMI_ID`: the images made from an image, and from
//! those, as a tree, across regions.

use std::io::Write;

use serde::Serialize;

use super::listing::{table, ImageRecord, NOT_FOUND};
use super::Context;
use crate::cli::{ChildrenArgs, Column, ListArgs};
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::lineage::fetch;
use crate::lineage::graph::Node;
use crate::output::{write_json, OutputFormat};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    list: ListArgs,
    flat: bool,
    depth: Option<u32>,
    regions: Vec<Region>,
    all_regions: bool,
}

pub fn prepare(args: ChildrenArgs) -> Result<Plan> {
    if args.flat && args.list.ids {
        return Err(Error::Usage("--flat and --ids cannot be used together".into()));
    }
    // Each region once, in the order given, however often it was named.
    let mut regions: Vec<Region> = Vec::new();
    for region in args.regions {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    Ok(Plan {
        image_id: args.image_id,
        list: args.list,
        flat: args.flat,
        depth: args.depth,
        regions,
        all_regions: args.all_regions,
    })
}

/// The JSON shape: an image record and its children, nested.
#[derive(Serialize)]
struct TreeRecord {
    #[serde(flatten)]
    image: ImageRecord,
    depth: usize,
    children: Vec<TreeRecord>,
}

fn tree_record(node: &Node, depth: usize, tags_only: bool) -> TreeRecord {
    TreeRecord {
        image: ImageRecord::new(&node.key, node.image.as_ref(), tags_only),
        depth,
        children: node.children.iter().map(|c| tree_record(c, depth + 1, tags_only)).collect(),
    }
}

/// `ami-…  Wed Apr 17 18:18:25 UTC 2013  name`, with the region when it differs from the root's.
fn tree_label(node: &Node, root_region: &Region, tags_only: bool) -> String {
    let record = ImageRecord::new(&node.key, node.image.as_ref(), tags_only);
    if !record.found {
        return format!("{}  {NOT_FOUND}", record.image_id);
    }
    let mut label = format!("{}  {}  {}", record.image_id, record.cell(Column::CreateDate), record.cell(Column::Name));
    if &record.region != root_region {
        label.push_str(&format!("  [{}]", record.region));
    }
    label
}

fn write_tree(
    out: &mut dyn Write,
    node: &Node,
    root_region: &Region,
    tags_only: bool,
    prefix: &str,
) -> std::io::Result<()> {
    let count = node.children.len();
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == count;
        let (branch, indent) = if last { ("└── ", "    ") } else { ("├── ", "│   ") };
        writeln!(out, "{prefix}{branch}{}", tree_label(child, root_region, tags_only))?;
        write_tree(out, child, root_region, tags_only, &format!("{prefix}{indent}"))?;
    }
    Ok(())
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let root = (ctx.region.clone(), self.image_id.clone());
        let regions = if self.all_regions {
            ctx.ec2.regions()?
        } else if self.regions.is_empty() {
            vec![ctx.region.clone()]
        } else {
            self.regions.clone()
        };
        let tags_only = self.list.tags_only;
        let found = fetch::descendants(ctx.ec2, &root, &regions, self.depth, tags_only)?;
        let tree = found.tree;
        if tree.image.is_none() && tree.children.is_empty() && found.refused.is_empty() {
            return Err(Error::Failed(format!(
                "image {} does not exist in {} (or is not visible to you), and no image names it as its source",
                self.image_id, ctx.region
            )));
        }
        let nodes = tree.flatten();
        if self.list.ids {
            for (_, node) in &nodes {
                writeln!(ctx.out, "{}", node.key.1)?;
            }
        } else if ctx.output == OutputFormat::Json {
            write_json(ctx.out, &tree_record(&tree, 0, tags_only))?;
        } else if self.flat {
            let records: Vec<(usize, ImageRecord)> = nodes
                .iter()
                .map(|(depth, node)| (*depth, ImageRecord::new(&node.key, node.image.as_ref(), tags_only)))
                .collect();
            table(records.iter().map(|(d, r)| (Some(*d), r)), &self.list.columns, true)
                .write(ctx.out, !self.list.no_header)?;
        } else {
            writeln!(ctx.out, "{}", tree_label(&tree, &root.0, tags_only))?;
            write_tree(ctx.out, &tree, &root.0, tags_only, "")?;
        }
        if tree.image.is_none() {
            ctx.note(format!("image {} itself no longer exists or is not visible to you", self.image_id));
        }
        let searched: Vec<Region> =
            regions.iter().filter(|r| !found.refused.iter().any(|(refused, _)| refused == *r)).cloned().collect();
        if tree.children.is_empty() {
            ctx.note(format!("no image in {} names {} as its source", regions_text(&searched), self.image_id));
        }
        if !found.refused.is_empty() {
            // Not silenced by -q: the tree above is incomplete, and the exit code says so.
            for (region, error) in &found.refused {
                eprintln!("amitools: {region} skipped: {}", crate::logging::redact(&error.to_string()));
            }
            let names: Vec<Region> = found.refused.iter().map(|(r, _)| r.clone()).collect();
            return Err(Error::Failed(format!(
                "{} region(s) could not be searched, the tree may be incomplete: {}",
                names.len(),
                regions_text(&names)
            )));
        }
        Ok(())
    }
}

fn regions_text(regions: &[Region]) -> String {
    regions.iter().map(Region::as_str).collect::<Vec<_>>().join(", ")
}
