//! Making and changing images (the `ImageChanges` trait, through the SDK):
//! CreateImage and CopyImage with their tags, CreateTags, DeleteTags and DeregisterImage
//! with its snapshots' results and its attempts counted.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;

use super::guards::AttemptCounter;
use super::{AwsError, AwsErrorKind, ImageChanges, ImageCopy, NewImage, SdkAws, Tags};
use crate::ids::{AmiId, Region};
use crate::image::SnapshotOutcome;

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// `tags` on the image and its snapshots, `image_only` on the image as well.
fn image_and_snapshot_tags(tags: &Tags, image_only: &Tags) -> Option<Vec<TagSpecification>> {
    let mut on_image = tags.clone();
    on_image.extend(image_only.iter().map(|(k, v)| (k.clone(), v.clone())));
    let spec = |kind: ResourceType, tags: &Tags| {
        (!tags.is_empty())
            .then(|| TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build())
    };
    let specs: Vec<TagSpecification> =
        [spec(ResourceType::Image, &on_image), spec(ResourceType::Snapshot, tags)].into_iter().flatten().collect();
    (!specs.is_empty()).then_some(specs)
}

fn returned_image_id(action: &'static str, id: Option<&str>, endpoint: &str) -> Result<AmiId, AwsError> {
    id.and_then(|id| id.parse().ok()).ok_or_else(|| {
        AwsError::new(action, AwsErrorKind::Other, format!("EC2 returned no valid image id ({id:?})"), endpoint)
    })
}

impl ImageChanges for SdkAws {
    fn create_image(&self, region: &Region, request: &NewImage) -> Result<AmiId, AwsError> {
        let counter = AttemptCounter::default();
        let call = |client: Client| {
            client
                .create_image()
                .instance_id(request.instance_id.as_str())
                .name(&request.name)
                .set_description(request.description.clone())
                .no_reboot(request.no_reboot)
                .set_tag_specifications(image_and_snapshot_tags(&request.tags, &request.image_tags))
                .dry_run(request.dry_run)
                .customize()
                .interceptor(counter.clone())
                .send()
        };
        let out = self.send_once(region, "CreateImage", call).map_err(|e| counter.annotate(e))?;
        returned_image_id("CreateImage", out.image_id(), &self.endpoint(region).name())
    }

    fn copy_image(&self, request: &ImageCopy) -> Result<AmiId, AwsError> {
        let counter = AttemptCounter::default();
        let call = |client: Client| {
            client
                .copy_image()
                .source_image_id(request.source_image_id.as_str())
                .source_region(request.source_region.as_str())
                .name(&request.name)
                .set_description(request.description.clone())
                .encrypted(request.encrypted)
                .set_kms_key_id(request.kms_key_id.clone())
                .set_tag_specifications(image_and_snapshot_tags(&request.tags, &request.image_tags))
                .dry_run(request.dry_run)
                .customize()
                .interceptor(counter.clone())
                .send()
        };
        let out = self.send_once(&request.dest_region, "CopyImage", call).map_err(|e| counter.annotate(e))?;
        returned_image_id("CopyImage", out.image_id(), &self.endpoint(&request.dest_region).name())
    }

    fn create_tags(&self, region: &Region, id: &AmiId, tags: &Tags, dry_run: bool) -> Result<(), AwsError> {
        self.send(region, "CreateTags", |c| {
            c.create_tags().resources(id.as_str()).set_tags(Some(sdk_tags(tags))).dry_run(dry_run).send()
        })?;
        Ok(())
    }

    fn delete_tags(&self, region: &Region, id: &AmiId, keys: &[&str]) -> Result<(), AwsError> {
        let tags: Vec<Tag> = keys.iter().map(|k| Tag::builder().key(*k).build()).collect();
        self.send(region, "DeleteTags", |c| {
            c.delete_tags().resources(id.as_str()).set_tags(Some(tags.clone())).send()
        })?;
        Ok(())
    }

    fn attach_watermark(&self, region: &Region, id: &AmiId, name: &str) -> Result<String, AwsError> {
        let out = self.send(region, "AttachImageWatermark", |c| {
            c.attach_image_watermark().image_id(id.as_str()).watermark_name(name).send()
        })?;
        out.watermark_key().map(str::to_string).ok_or_else(|| {
            AwsError::new(
                "AttachImageWatermark",
                AwsErrorKind::Other,
                "EC2 returned no watermark key",
                &self.endpoint(region).name(),
            )
        })
    }

    fn detach_watermark(&self, region: &Region, id: &AmiId, key: &str) -> Result<(), AwsError> {
        self.send(region, "DetachImageWatermark", |c| {
            c.detach_image_watermark().image_id(id.as_str()).watermark_key(key).send()
        })?;
        Ok(())
    }

    fn deregister_image(
        &self,
        region: &Region,
        id: &AmiId,
        delete_snapshots: bool,
    ) -> Result<Vec<SnapshotOutcome>, AwsError> {
        // The attempts tell a retry that met the image gone (this run's first
        // attempt took effect, its answer was lost) from someone else's deletion;
        // one counter across amitools' own resends of a throttled request, too.
        let counter = AttemptCounter::default();
        let out = self
            .send(region, "DeregisterImage", |c| {
                c.deregister_image()
                    .image_id(id.as_str())
                    .delete_associated_snapshots(delete_snapshots)
                    .customize()
                    .interceptor(counter.clone())
                    .send()
            })
            .map_err(|e| counter.annotate(e))?;
        Ok(out
            .delete_snapshot_results()
            .iter()
            .map(|r| SnapshotOutcome {
                snapshot_id: r.snapshot_id().unwrap_or("(no id)").to_string(),
                result: r.return_code().map(|c| c.as_str().to_string()).unwrap_or_else(|| "(no result)".into()),
            })
            .collect())
    }
}
