//! `amitools copy` and `amitools clone`: one code path. A clone is a copy
//! whose source and destination are both the current region.

use super::new_image::{
    after_create, dry_run_outcome, report_and_wait, report_dry_run, NewImageOptions, TAGS_PER_RESOURCE_MAX,
};
use super::Context;
use crate::aws::{ImageCopy, Tags};
use crate::cli::CopyOptions;
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::image::{Grantee, Image};
use crate::lineage::{is_lineage_tag, CreateTime, Lineage, RecordedLineage};
use crate::naming;
use crate::output::shown;

#[derive(Debug)]
pub struct Plan {
    source: AmiId,
    /// None: the current region.
    source_region: Option<Region>,
    /// Each once, in the order given; empty: the current region.
    dest_regions: Vec<Region>,
    encrypted: bool,
    kms_key_id: Option<String>,
    copy_tags: bool,
    /// --share-with: who each copy is shared with once available.
    share_with: Vec<Grantee>,
    options: NewImageOptions,
}

pub fn prepare(
    source: AmiId,
    source_region: Option<Region>,
    dest_regions: Vec<Region>,
    args: CopyOptions,
) -> Result<Plan> {
    let mut distinct: Vec<Region> = Vec::new();
    for region in dest_regions {
        if !distinct.contains(&region) {
            distinct.push(region);
        }
    }
    if let Some(key) = &args.kms_key_id {
        let plausible = !key.is_empty() && key.len() <= 2048 && key.chars().all(|c| c.is_ascii_graphic());
        if !plausible {
            return Err(Error::Usage(format!(
                "invalid KMS key '{}': expected a key id, key ARN, alias name or alias ARN",
                shown(key)
            )));
        }
    }
    Ok(Plan {
        source,
        source_region,
        dest_regions: distinct,
        encrypted: args.encrypted,
        kms_key_id: args.kms_key_id,
        copy_tags: !args.no_copy_tags,
        share_with: {
            let mut grantees: Vec<Grantee> = args.share_with.into_iter().flatten().collect();
            grantees.sort();
            grantees.dedup();
            grantees
        },
        options: NewImageOptions::from_args(args.new_image)?,
    })
}

impl Plan {
    /// The copy's tags: its own lineage and the user's `--tag`s, then the
    /// source's other tags where they do not collide. The source's tags are
    /// passed explicitly rather than through CopyImageTags, so that which tag
    /// wins (the copy's lineage, never the source's) is ours to decide, not
    /// an undocumented detail of EC2's merge.
    fn tags(&self, lineage: &Lineage, source: &Image) -> Result<Tags> {
        let mut tags = self.options.tags(lineage)?;
        let own = tags.len();
        let mut from_source: Vec<String> = Vec::new();
        if self.copy_tags {
            for (key, value) in &source.tags {
                // The source's run marker is the source's: the copy gets its own.
                if !is_lineage_tag(key)
                    && !key.starts_with("aws:")
                    && key != naming::RUN_MARKER
                    && !tags.contains_key(key)
                {
                    tags.insert(key.clone(), value.clone());
                    from_source.push(key.clone());
                }
            }
        }
        // EC2 allows 50 tags per image; over that CopyImage fails. Say so
        // before making it, and which source tags would not fit.
        let total = tags.len() + self.options.image_only_tags().len();
        if total > TAGS_PER_RESOURCE_MAX {
            let excess = total - TAGS_PER_RESOURCE_MAX;
            let dropped: Vec<String> = from_source.iter().rev().take(excess).rev().map(|k| shown(k)).collect();
            let which = if dropped.len() == excess {
                format!("the source's tags {} would not fit", dropped.join(", "))
            } else {
                format!("{excess} too many")
            };
            // Exit 1, not 2: the source's tags are known only from EC2.
            return Err(Error::Failed(format!(
                "the copy would carry {total} tags ({own} lineage and -t, {} from the source, amitools' run marker) and EC2 allows {TAGS_PER_RESOURCE_MAX}: {which}; use --no-copy-tags, or fewer -t",
                from_source.len()
            )));
        }
        Ok(tags)
    }

    /// The source image, the copies' tags, and the CopyImage request for a
    /// destination and name: the same for every destination.
    pub(super) fn requests(&self, ctx: &Context) -> Result<Requests<'_>> {
        let source_region = self.source_region.clone().unwrap_or_else(|| ctx.region.clone());
        let source = ctx.aws.describe_image(&source_region, &self.source)?.ok_or_else(|| Error::ImageNotFound {
            what: "source image",
            id: self.source.clone(),
            region: source_region.clone(),
            also: "",
        })?;
        let recorded = RecordedLineage::from_tags(&source.tags);
        let lineage = Lineage {
            source_image: self.source.clone(),
            source_instance: recorded.source_instance.or_else(|| source.source_instance_id.clone()),
            source_region: source_region.clone(),
            created: CreateTime::now(),
        };
        let tags = self.tags(&lineage, &source)?;
        let description = self.options.description.clone().or_else(|| source.description.clone());
        Ok(Requests { plan: self, source_region, tags, description })
    }

    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        if self.dest_regions.len() > 1 {
            return super::copy_regions::execute(&self, &self.dest_regions, ctx);
        }
        let dest_region = self.dest_regions.first().cloned().unwrap_or_else(|| ctx.region.clone());
        let made = self.requests(ctx)?;
        let (source_region, tags) = (&made.source_region, &made.tags);
        let request = |name: &str, dry_run: bool| made.request(&dest_region, name, dry_run);
        if self.options.dry_run {
            let name = self.options.dry_run_name();
            dry_run_outcome(ctx.aws.copy_image(&request(&name, true)))?;
            return report_dry_run(ctx, "CopyImage", &name, &dest_region, tags);
        }
        let aws = ctx.aws;
        let (id, name) =
            self.options.make(aws, &dest_region, tags, "CopyImage", |name| aws.copy_image(&request(name, false)))?;
        log::info!("copied {} ({source_region}) to {id} ({dest_region}) named '{name}'", self.source);
        report_and_wait(ctx, &self.options, &id, &name, &dest_region, tags)?;
        self.share(ctx, &dest_region, &id).map_err(|e| after_create(&id, e))
    }

    /// --share-with: share the (available) copy; the account asked once.
    pub(super) fn share(&self, ctx: &Context, region: &Region, id: &AmiId) -> Result<()> {
        if self.share_with.is_empty() {
            return Ok(());
        }
        let account = ctx.aws.account_id()?;
        let added = super::share::share_new_image(ctx, &account, region, id, &self.share_with)
            .map_err(|why| Error::Failed(format!("it is not shared: {why}")))?;
        let with: Vec<String> = self.share_with.iter().map(ToString::to_string).collect();
        ctx.note(format!("{region} {id} shared with {} ({added} permission(s) added)", with.join(", ")));
        Ok(())
    }

    pub(super) fn options(&self) -> &NewImageOptions {
        &self.options
    }
}

/// What every copy of one run shares: the source's region, the copies'
/// tags and description.
pub(super) struct Requests<'a> {
    plan: &'a Plan,
    pub source_region: Region,
    pub tags: Tags,
    description: Option<String>,
}

impl Requests<'_> {
    pub fn request(&self, dest_region: &Region, name: &str, dry_run: bool) -> ImageCopy {
        ImageCopy {
            source_image_id: self.plan.source.clone(),
            source_region: self.source_region.clone(),
            dest_region: dest_region.clone(),
            name: name.to_string(),
            description: self.description.clone(),
            encrypted: self.plan.encrypted,
            kms_key_id: self.plan.kms_key_id.clone(),
            tags: self.tags.clone(),
            image_tags: self.plan.options.image_only_tags(),
            dry_run,
        }
    }
}

impl Plan {
    pub(super) fn source(&self) -> &AmiId {
        &self.source
    }
}
