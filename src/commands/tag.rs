//! `amitools tag AMI_ID`: put the lineage tags on an image made some other way.

use serde::Serialize;

use super::Context;
use crate::aws::{AwsErrorKind, Tags};
use crate::cli::TagArgs;
use crate::error::{Error, Result};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::Image;
use crate::lineage::{CreateTime, Lineage, CREATE_DATE, SOURCE_IMAGE, SOURCE_INSTANCE, SOURCE_REGION};
use crate::output::{write_json, OutputFormat, Table};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    source_image: Option<AmiId>,
    source_instance: Option<InstanceId>,
    source_region: Option<Region>,
    created: Option<CreateTime>,
    from_api: bool,
    dry_run: bool,
}

pub fn prepare(args: TagArgs) -> Result<Plan> {
    let created = args.create_date.or(args.create_timestamp);
    let plan = Plan {
        image_id: args.image_id,
        source_image: args.source_image,
        source_instance: args.source_instance,
        source_region: args.source_region,
        created,
        from_api: args.from_api,
        dry_run: args.dry_run,
    };
    if !plan.from_api {
        let mut missing = Vec::new();
        if plan.source_image.is_none() {
            missing.push("--source-image");
        }
        if plan.source_region.is_none() {
            missing.push("--source-region");
        }
        if plan.created.is_none() {
            missing.push("one of --create-date or --create-timestamp");
        }
        if !missing.is_empty() {
            return Err(Error::Usage(format!(
                "missing {} (or use --from-api to fill values from what EC2 recorded)",
                missing.join(", ")
            )));
        }
    }
    Ok(plan)
}

/// One lineage value: given by the user, or read from EC2's record.
fn pick<T: Clone + std::fmt::Display>(
    ctx: &Context,
    tag: &str,
    given: Option<&T>,
    recorded: Option<T>,
    field: &str,
    missing: &mut Vec<String>,
) -> Option<T> {
    match (given, recorded) {
        (Some(value), _) => {
            ctx.note(format!("{tag}={value} (given)"));
            Some(value.clone())
        }
        (None, Some(value)) => {
            ctx.note(format!("{tag}={value} (from EC2: {field})"));
            Some(value)
        }
        (None, None) => {
            missing
                .push(format!("{tag} (EC2 has no {field} for this image; give it with --{})", tag.replace('_', "-")));
            None
        }
    }
}

#[derive(Serialize)]
struct TagReport<'a> {
    image_id: &'a AmiId,
    region: &'a Region,
    tags: &'a Tags,
    dry_run: bool,
}

impl Plan {
    fn lineage_from_api(&self, ctx: &Context, image: &Image) -> Result<Lineage> {
        let mut missing = Vec::new();
        let source_image = pick(
            ctx,
            SOURCE_IMAGE,
            self.source_image.as_ref(),
            image.source_image_id.clone(),
            "SourceImageId",
            &mut missing,
        );
        // An image made by CopyImage, RegisterImage or an import has no source
        // instance: the tag is then left off, and `ancestors` shows `-`.
        let source_instance = match (self.source_instance.as_ref(), image.source_instance_id.clone()) {
            (None, None) => {
                ctx.note(format!("{SOURCE_INSTANCE}: none (EC2 has no SourceInstanceId for this image); left off"));
                None
            }
            (given, recorded) => pick(ctx, SOURCE_INSTANCE, given, recorded, "SourceInstanceId", &mut missing),
        };
        let source_region = pick(
            ctx,
            SOURCE_REGION,
            self.source_region.as_ref(),
            image.source_image_region.clone(),
            "SourceImageRegion",
            &mut missing,
        );
        let recorded_time = image.creation_date.and_then(CreateTime::from_datetime);
        let created = pick(ctx, CREATE_DATE, self.created.as_ref(), recorded_time, "CreationDate", &mut missing);
        match (source_image, source_region, created) {
            (Some(source_image), Some(source_region), Some(created)) => {
                Ok(Lineage { source_image, source_instance, source_region, created })
            }
            _ => Err(Error::Failed(format!("image {}: cannot tag without {}", self.image_id, missing.join("; ")))),
        }
    }

    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let region = ctx.region.clone();
        let lineage = if self.from_api {
            let image = ctx.aws.describe_image(&region, &self.image_id)?.ok_or_else(|| Error::ImageNotFound {
                what: "image",
                id: self.image_id.clone(),
                region: region.clone(),
                also: "",
            })?;
            self.lineage_from_api(ctx, &image)?
        } else {
            Lineage {
                source_image: self.source_image.clone().expect("checked in prepare"),
                source_instance: self.source_instance.clone(),
                source_region: self.source_region.clone().expect("checked in prepare"),
                created: self.created.expect("checked in prepare"),
            }
        };
        if self.source_region.is_some() {
            warn_if_unknown_region(ctx, &lineage.source_region);
        }
        let tags = lineage.to_tags();
        match ctx.aws.create_tags(&region, &self.image_id, &tags, self.dry_run) {
            Ok(()) => {}
            Err(e) if self.dry_run && e.kind == AwsErrorKind::DryRunSucceeded => {
                ctx.note(format!("dry run: CreateTags would succeed; nothing was set on {}", self.image_id));
            }
            Err(e) => return Err(e.into()),
        }
        match ctx.output {
            OutputFormat::Json => write_json(
                ctx.out,
                &TagReport { image_id: &self.image_id, region: &region, tags: &tags, dry_run: self.dry_run },
            )?,
            // (Pictures are refused before any call: check_output_applies.)
            OutputFormat::Table | OutputFormat::Dot | OutputFormat::Mermaid => {
                let mut table = Table::new(vec!["TAG".into(), "VALUE".into()]);
                table.rows = tags.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
                table.write(ctx.out, true)?;
            }
        }
        Ok(())
    }
}

/// A well-formed region EC2 does not list (`us-east-7`) is accepted, since
/// partitions differ, but a walk through the link will find nothing: say so.
fn warn_if_unknown_region(ctx: &Context, region: &Region) {
    match ctx.aws.regions(true) {
        Ok(known) if !known.contains(region) => ctx.note(format!(
            "warning: {region} is not a region EC2 lists; 'amitools ancestors' will show this link's parent as not found"
        )),
        Ok(_) => {}
        // Not being allowed to list regions must not stop the tagging.
        Err(error) => log::info!("cannot check --source-region {region}: {error}"),
    }
}
