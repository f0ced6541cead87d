//! `amitools ancestors AMI_ID`: the chain of images an image was made from.

use super::listing::{table, ImageRecord};
use super::picture::{self, PictureNode};
use super::Context;
use crate::accounts::Readers;
use crate::cli::{AncestorsArgs, ListArgs};
use crate::error::{Error, Result};
use crate::ids::AmiId;
use crate::lineage::fetch;
use crate::lineage::graph::{Ancestor, ChainEnd};
use crate::output::{write_json, OutputFormat};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    list: ListArgs,
    max_depth: u32,
}

pub fn prepare(args: AncestorsArgs) -> Result<Plan> {
    Ok(Plan { image_id: args.image_id, list: args.list, max_depth: args.max_depth })
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let start = (ctx.region.clone(), self.image_id.clone());
        let tags_only = self.list.tags_only;
        let mut readers = Readers::new(ctx.aws, ctx.account.as_deref(), &mut ctx.members);
        let found = fetch::ancestors(&mut readers, &start, self.max_depth, tags_only)?;
        let chain = found.chain;
        if matches!(chain.ancestors.first(), Some(Ancestor::Missing { .. } | Ancestor::Recorded { .. })) {
            return Err(Error::ImageNotFound {
                what: "image",
                id: self.image_id.clone(),
                region: ctx.region.clone(),
                also: "",
            });
        }
        let records: Vec<ImageRecord> = chain
            .ancestors
            .iter()
            .map(|ancestor| match ancestor {
                Ancestor::Found { image, link } => ImageRecord::found(image, link.clone()),
                Ancestor::Recorded { entry, link } => ImageRecord::recorded(entry, link.clone()),
                Ancestor::Missing { id, region } => ImageRecord::new(&(region.clone(), id.clone()), None, tags_only),
            })
            .collect();
        if self.list.ids {
            for record in &records {
                writeln!(ctx.out, "{}", record.image_id)?;
            }
        } else if ctx.output.is_picture() {
            // Each row's parent is the row below it.
            let now = time::OffsetDateTime::now_utc();
            let nodes: Vec<PictureNode> = records
                .iter()
                .zip(&chain.ancestors)
                .enumerate()
                .map(|(n, (record, ancestor))| {
                    PictureNode::of(
                        record,
                        matches!(ancestor, Ancestor::Found { image, .. } if image.usage.is_deprecated(now)),
                        (n + 1 < records.len()).then_some((n + 1, record.origin)),
                    )
                })
                .collect();
            let text = match ctx.output {
                OutputFormat::Dot => picture::dot(&nodes, &format!("ancestors of {}", self.image_id)),
                _ => picture::mermaid(&nodes),
            };
            ctx.out.write_all(text.as_bytes())?;
        } else if ctx.output == OutputFormat::Json {
            write_json(ctx.out, &records)?;
        } else {
            table(records.iter().map(|r| (None, r)), &self.list.columns, false).write(ctx.out, !self.list.no_header)?;
        }
        ctx.out.flush()?;
        let hidden = chain.ancestors.iter().filter(|a| matches!(a, Ancestor::Recorded { .. })).count();
        if hidden > 0 {
            ctx.note(format!(
                "{hidden} image(s) in the chain are not visible to you (deregistered, or another account's): shown as EC2's ancestry records them"
            ));
        }
        match chain.end {
            ChainEnd::Root if chain.ancestors.len() == 1 => {
                ctx.note(format!("image {} has no known parent", self.image_id));
                Ok(())
            }
            ChainEnd::Root => Ok(()),
            ChainEnd::Missing => {
                let (last, region) = match chain.ancestors.last() {
                    Some(Ancestor::Missing { id, region }) => (id.to_string(), Some(region)),
                    other => (other.map(|a| a.id().to_string()).unwrap_or_default(), None),
                };
                match found.unreachable.iter().find(|(r, _)| Some(r) == region) {
                    Some((region, error)) => {
                        ctx.note(format!("parent {last} could not be looked up in {region}: {error}"))
                    }
                    None => ctx.note(format!("parent {last} no longer exists or is not visible to you")),
                }
                Ok(())
            }
            ChainEnd::MaxDepth => {
                ctx.note(format!("stopped after --max-depth {} generations", self.max_depth));
                Ok(())
            }
            ChainEnd::Loop { repeated } => {
                let last = chain.ancestors.last().map(|a| a.id().to_string()).unwrap_or_default();
                Err(Error::Failed(format!(
                    "lineage loop: {last} names {repeated} as its source, which is already in the chain; fix the tags with 'amitools tag'"
                )))
            }
        }
    }
}
