//! `amitools create INSTANCE_ID`: an image from an instance, named and
//! carrying its lineage tags from the moment it exists.

use super::new_image::{after_create, dry_run_outcome, report_and_wait, report_dry_run, NewImageOptions};
use super::Context;
use crate::aws::NewImage;
use crate::cli::CreateArgs;
use crate::error::{Error, Result};
use crate::ids::InstanceId;
use crate::lineage::{CreateTime, Lineage};
use crate::output::shown;

#[derive(Debug)]
pub struct Plan {
    instance_id: InstanceId,
    no_reboot: bool,
    /// --watermark: attached once the image is made (and waited on, with --wait).
    watermark: Option<String>,
    options: NewImageOptions,
}

pub fn prepare(args: CreateArgs) -> Result<Plan> {
    if let Some(name) = &args.watermark {
        crate::cli::check_watermark_name(name).map_err(Error::Usage)?;
    }
    Ok(Plan {
        instance_id: args.instance_id,
        no_reboot: args.no_reboot,
        watermark: args.watermark,
        options: NewImageOptions::from_args(args.new_image)?,
    })
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let region = ctx.region.clone();
        let instance = ctx.aws.describe_instance(&region, &self.instance_id)?;
        let source_image = instance.image_id.ok_or_else(|| {
            Error::Failed(format!("EC2 does not say which AMI instance {} was launched from", self.instance_id))
        })?;
        let lineage = Lineage {
            source_image,
            source_instance: Some(self.instance_id.clone()),
            source_region: region.clone(),
            created: CreateTime::now(),
        };
        let tags = self.options.tags(&lineage)?;
        let request = |name: &str, dry_run: bool| NewImage {
            instance_id: self.instance_id.clone(),
            name: name.to_string(),
            description: self.options.description.clone(),
            no_reboot: self.no_reboot,
            tags: tags.clone(),
            image_tags: self.options.image_only_tags(),
            dry_run,
        };
        if self.options.dry_run {
            let name = self.options.dry_run_name();
            dry_run_outcome(ctx.aws.create_image(&region, &request(&name, true)))?;
            return report_dry_run(ctx, "CreateImage", &name, &region, &tags);
        }
        let aws = ctx.aws;
        let (id, name) = self
            .options
            .make(aws, &region, &tags, "CreateImage", |name| aws.create_image(&region, &request(name, false)))?;
        log::info!("created {id} named '{name}' from {}", self.instance_id);
        report_and_wait(ctx, &self.options, &id, &name, &region, &tags)?;
        if let Some(watermark) = &self.watermark {
            // Before any image can be made from it (it must be available first).
            let key = ctx.aws.attach_watermark(&region, &id, watermark).map_err(|e| {
                after_create(&id, Error::Failed(format!("its watermark '{}' was not attached: {e}", shown(watermark))))
            })?;
            ctx.note(format!("{id} carries watermark {}", shown(&key)));
        }
        Ok(())
    }
}
