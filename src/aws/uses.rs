//! What uses an image (the `ImageUses` trait, through the SDK):
//! DescribeImageReferences, 10 images a call and a few calls in flight, and
//! the Auto Scaling launch configurations it does not cover.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_ec2::types;
use aws_sdk_ec2::Client;

use super::activity::Activity;
use super::guards::EndpointName;
use super::pacing::Pacer;
use super::paging::Tokens;
use super::runtime::Gate;
use super::{AwsError, AwsErrorKind, ImageUses, ReferencesAnswer, SdkAws, LAUNCH_CONFIGURATION};
use crate::ids::{AmiId, Region};
use crate::image::ImageReference;

/// DescribeImageReferences takes at most this many image ids per call.
const REFERENCE_IDS_MAX: usize = 10;

/// DescribeImageReferences calls in flight at once (per region).
const REFERENCE_CALLS_IN_FLIGHT: usize = 8;

/// Launch template versions DescribeImageReferences looks through, counting
/// back from the latest: EC2's maximum, so that a non-default version that
/// still names an image counts (EC2's default is only the latest 10).
const LAUNCH_TEMPLATE_VERSION_DEPTH: &str = "10000";

/// Every page of DescribeImageReferences for at most 10 images.
async fn references_of(
    client: Client,
    region: Region,
    endpoint: EndpointName,
    pacer: Arc<Pacer>,
    activity: Arc<Activity>,
    ids: Vec<AmiId>,
) -> Result<Vec<ImageReference>, AwsError> {
    let answer = all_references_of(client, region, endpoint, pacer, &ids).await;
    activity.checked(ids.len());
    answer
}

/// The pages of `references_of`.
async fn all_references_of(
    client: Client,
    region: Region,
    endpoint: EndpointName,
    pacer: Arc<Pacer>,
    ids: &[AmiId],
) -> Result<Vec<ImageReference>, AwsError> {
    use types::{ImageReferenceOptionName, ImageReferenceResourceType, ResourceTypeOption, ResourceTypeRequest};
    const ACTION: &str = "DescribeImageReferences";
    // Every resource type with EC2's defaults, except launch templates: all versions.
    let templates = ResourceTypeRequest::builder()
        .resource_type(ImageReferenceResourceType::Ec2LaunchTemplate)
        .resource_type_options(
            ResourceTypeOption::builder()
                .option_name(ImageReferenceOptionName::VersionDepth)
                .option_values(LAUNCH_TEMPLATE_VERSION_DEPTH)
                .build(),
        )
        .build();
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    let mut tokens = Tokens::default();
    let gate = Gate { pacer: &pacer, region: &region, service: "ec2", action: ACTION };
    loop {
        let next = token.take();
        let page = gate
            .patiently(|| async {
                client
                    .describe_image_references()
                    .set_image_ids(Some(ids.iter().map(ToString::to_string).collect()))
                    .include_all_resource_types(true)
                    .resource_types(templates.clone())
                    .set_next_token(next.clone())
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(ACTION, &endpoint.name(), e))
            })
            .await?;
        for reference in page.image_references() {
            // A reference amitools cannot attribute to one of the asked images
            // makes the whole answer unusable: deciding on it could delete an image in use.
            let image_id = reference.image_id().and_then(|v| v.parse::<AmiId>().ok()).filter(|id| ids.contains(id));
            let (Some(image_id), Some(kind)) = (image_id, reference.resource_type()) else {
                return Err(AwsError::new(
                    ACTION,
                    AwsErrorKind::Other,
                    format!("EC2 returned a reference to an image not asked about ({:?})", reference.image_id()),
                    &endpoint.name(),
                ));
            };
            found.push(ImageReference {
                image_id,
                resource_type: kind.as_str().to_string(),
                resource: reference.arn().unwrap_or("(no ARN)").to_string(),
            });
        }
        match tokens.next(ACTION, page.next_token(), &endpoint)? {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}

impl ImageUses for SdkAws {
    fn image_references(&self, region: &Region, ids: &[AmiId]) -> Vec<ReferencesAnswer> {
        type Answer = Result<Vec<ImageReference>, AwsError>;
        let client = self.client(region);
        let endpoint = self.endpoint(region);
        let groups: Vec<Vec<AmiId>> = ids.chunks(REFERENCE_IDS_MAX).map(<[AmiId]>::to_vec).collect();
        let futures: Vec<Pin<Box<dyn Future<Output = Answer> + Send>>> = groups
            .iter()
            .map(|group| {
                Box::pin(references_of(
                    client.clone(),
                    region.clone(),
                    endpoint.clone(),
                    self.pacer.clone(),
                    self.activity.clone(),
                    group.clone(),
                )) as Pin<Box<dyn Future<Output = Answer> + Send>>
            })
            .collect();
        // A few at a time: thousands of images must not become a thousand requests at once.
        let answers = self.run_at_most(futures, REFERENCE_CALLS_IN_FLIGHT);
        groups
            .into_iter()
            .zip(answers)
            .map(|(group, answer)| {
                let answer = answer.unwrap_or_else(|| {
                    Err(AwsError::new(
                        "DescribeImageReferences",
                        AwsErrorKind::Other,
                        "a request ended unexpectedly",
                        &endpoint.name(),
                    ))
                });
                (group, answer)
            })
            .collect()
    }

    fn launch_configuration_images(&self, region: &Region) -> Result<Vec<ImageReference>, AwsError> {
        const ACTION: &str = "DescribeLaunchConfigurations";
        let (client, endpoint) = self.autoscaling(region);
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = Tokens::default();
        loop {
            let next = token.take();
            let page = self.wait_for(region, "autoscaling", ACTION, &endpoint, || {
                client.describe_launch_configurations().max_records(100).set_next_token(next.clone()).send()
            })?;
            for configuration in page.launch_configurations() {
                if let Some(image_id) = configuration.image_id().and_then(|v| v.parse::<AmiId>().ok()) {
                    found.push(ImageReference {
                        image_id,
                        resource_type: LAUNCH_CONFIGURATION.to_string(),
                        resource: configuration.launch_configuration_name().unwrap_or("(no name)").to_string(),
                    });
                }
            }
            match tokens.next(ACTION, page.next_token(), &endpoint)? {
                Some(next) => token = Some(next),
                None => return Ok(found),
            }
        }
    }
}
