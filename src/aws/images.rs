//! Reading images (the `Images` trait, through the SDK): DescribeImages and
//! its pagination, GetImageAncestry, DescribeInstances, DescribeRegions, and
//! the conversion of EC2's image into amitools' `Image`.

use super::OnePage;
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ec2::operation::describe_images::builders::DescribeImagesFluentBuilder;
use aws_sdk_ec2::types::{self, Filter};
use aws_sdk_ec2::Client;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::activity::Activity;
use super::guards::EndpointName;
use super::pacing::Pacer;
use super::paging::{Tokens, LISTING_IMAGES_MAX};
use super::runtime::Gate;
use super::{AwsError, AwsErrorKind, ImageKey, Images, RegionResult, SdkAws, FILTER_VALUES_MAX};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{AncestryEntry, Image, ImageState, ImageUsage, Instance};

/// DescribeImages' largest page.
const PAGE_SIZE: i32 = 1000;

/// Convert EC2's description of an image; None for an entry without a valid id.
fn to_image(region: &Region, image: &types::Image) -> Option<Image> {
    let id: AmiId = image.image_id()?.parse().ok()?;
    let tags = image
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    Some(Image {
        id,
        region: region.clone(),
        name: image.name().map(str::to_string),
        state: image.state().map(|s| ImageState::from_ec2(s.as_str())).unwrap_or(ImageState::Other(String::new())),
        creation_date: image.creation_date().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok()),
        description: image.description().filter(|d| !d.is_empty()).map(str::to_string),
        owner: image.owner_id().map(str::to_string),
        tags,
        source_image_id: image.source_image_id().and_then(|v| v.parse().ok()),
        source_image_region: image.source_image_region().and_then(|v| v.parse().ok()),
        source_instance_id: image.source_instance_id().and_then(|v| v.parse().ok()),
        usage: ImageUsage {
            snapshots: image
                .block_device_mappings()
                .iter()
                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
                .map(str::to_string)
                .collect(),
            protection: image.deregistration_protection().map(str::to_string),
            last_launched: image.last_launched_time().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok()),
            public: image.public(),
            deprecation_time: image.deprecation_time().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok()),
        },
        account: None,
        watermarks: image
            .image_watermarks()
            .iter()
            .filter_map(|w| {
                Some(crate::image::Watermark {
                    key: w.watermark_key()?.to_string(),
                    source_image_id: w.source_image_id().and_then(|v| v.parse().ok()),
                    source_image_region: w.source_image_region().and_then(|v| v.parse().ok()),
                })
            })
            .collect(),
    })
}

/// Every page of a DescribeImages query.
async fn describe_all(
    client: Client,
    region: Region,
    endpoint: EndpointName,
    pacer: Arc<Pacer>,
    activity: Arc<Activity>,
    query: impl Fn(DescribeImagesFluentBuilder) -> DescribeImagesFluentBuilder,
) -> Result<Vec<Image>, AwsError> {
    let gate = Gate { pacer: &pacer, region: &region, service: "ec2", action: "DescribeImages" };
    let mut images = Vec::new();
    // Pages that overlap (an endpoint that repeats itself) must not list an image twice.
    let mut seen: HashSet<AmiId> = HashSet::new();
    let mut token: Option<String> = None;
    let mut tokens = Tokens::default();
    loop {
        let next = token.take();
        let page = gate
            .patiently(|| async {
                let request = query(client.describe_images()).max_results(PAGE_SIZE).set_next_token(next.clone());
                request.send().await.map_err(|e| AwsError::from_sdk("DescribeImages", &endpoint.name(), e))
            })
            .await?;
        activity.listed(page.images().len());
        // Converted page by page: the SDK's page is dropped before the next is read.
        images.extend(page.images().iter().filter_map(|i| to_image(&region, i)).filter(|i| seen.insert(i.id.clone())));
        log::debug!("DescribeImages {region}: page of {} images", page.images().len());
        if images.len() > LISTING_IMAGES_MAX {
            return Err(AwsError::new(
                "DescribeImages",
                AwsErrorKind::Other,
                format!(
                    "EC2 listed more than {LISTING_IMAGES_MAX} images in {region}, far more than an account holds; stopped paging"
                ),
                &endpoint.name(),
            ));
        }
        match tokens.next("DescribeImages", page.next_token(), &endpoint)? {
            Some(next) => token = Some(next),
            None => return Ok(images),
        }
    }
}

/// One paginated DescribeImages, ready to run beside others.
pub(super) type ImagesQuery = Pin<Box<dyn Future<Output = Result<Vec<Image>, AwsError>> + Send>>;

fn filter(name: &str, values: &[AmiId]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.iter().map(ToString::to_string).collect())).build()
}

impl SdkAws {
    /// DescribeImages for one id; EC2's "not found" is `None`.
    pub(super) fn describe_one(
        &self,
        region: &Region,
        id: &AmiId,
        poll_within: Option<Duration>,
    ) -> Result<Option<Image>, AwsError> {
        let client = self.client(region);
        let endpoint = self.endpoint(region);
        // include_disabled: `disabled` is a state a user may wait for.
        let request = client.describe_images().image_ids(id.as_str()).include_disabled(true);
        let gate = Gate { pacer: &self.pacer, region, service: "ec2", action: "DescribeImages" };
        // Paced, not resent: a wait polls again at its own pace.
        self.block(gate.wait_turn());
        let result = match poll_within {
            None => self.block(request.send()),
            Some(within) => {
                let within = within.max(Duration::from_secs(1));
                let bounded = aws_sdk_ec2::config::Builder::default()
                    // One attempt: the wait loop retries at its own pace (at most one
                    // request a second), and the SDK's quick retry would double it.
                    .retry_config(RetryConfig::standard().with_max_attempts(1))
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(within.min(Duration::from_secs(5)))
                            .operation_timeout(within.min(Duration::from_secs(60)))
                            .build(),
                    );
                self.block(request.customize().config_override(bounded).send())
            }
        };
        match result {
            Ok(out) => Ok(out.images().iter().filter_map(|i| to_image(region, i)).find(|i| &i.id == id)),
            Err(e) => {
                let error = AwsError::from_sdk("DescribeImages", &endpoint.name(), e);
                if error.kind == AwsErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }
}

impl SdkAws {
    /// A paginated DescribeImages in `region`; deprecated and disabled images
    /// are always asked for, since they still hold lineage.
    pub(super) fn images_query(
        &self,
        region: &Region,
        query: impl Fn(DescribeImagesFluentBuilder) -> DescribeImagesFluentBuilder + Send + Sync + 'static,
    ) -> ImagesQuery {
        Box::pin(describe_all(
            self.client(region),
            region.clone(),
            self.endpoint(region),
            self.pacer.clone(),
            self.activity.clone(),
            move |q| query(q).include_deprecated(true).include_disabled(true),
        ))
    }

    /// Per region, one DescribeImages page of `size` of your own images
    /// (deprecated and disabled included) matching `filter`: the images when
    /// the page holds them all, else None.
    pub(super) fn own_images_page(
        &self,
        regions: &[Region],
        size: OnePage,
        filter: Option<Filter>,
    ) -> Vec<RegionResult<Option<Vec<Image>>>> {
        type Page = Result<Option<Vec<Image>>, AwsError>;
        let filters: Option<Vec<Filter>> = filter.map(|f| vec![f]);
        let futures: Vec<Pin<Box<dyn Future<Output = Page> + Send>>> = regions
            .iter()
            .map(|region| {
                let client = self.client(region);
                let endpoint = self.endpoint(region);
                let region = region.clone();
                let filters = filters.clone();
                let pacer = self.pacer.clone();
                let activity = self.activity.clone();
                let page = async move {
                    let gate = Gate { pacer: &pacer, region: &region, service: "ec2", action: "DescribeImages" };
                    let page = gate
                        .patiently(|| async {
                            client
                                .describe_images()
                                .owners("self")
                                .include_deprecated(true)
                                .include_disabled(true)
                                .max_results(size.size() as i32)
                                .set_filters(filters.clone())
                                .send()
                                .await
                                .map_err(|e| AwsError::from_sdk("DescribeImages", &endpoint.name(), e))
                        })
                        .await;
                    activity.region_answered();
                    let page = page?;
                    activity.listed(page.images().len());
                    if page.next_token().is_some_and(|t| !t.is_empty()) {
                        return Ok(None);
                    }
                    Ok(Some(page.images().iter().filter_map(|i| to_image(&region, i)).collect()))
                };
                Box::pin(page) as Pin<Box<dyn Future<Output = Page> + Send>>
            })
            .collect();
        // A task that panicked has no answer: its region is then asked generation by generation.
        regions.iter().cloned().zip(self.run_all(futures).into_iter().map(|r| r.unwrap_or(Ok(None)))).collect()
    }
}

/// Each region's answer, in the order the regions were asked (a region no
/// query was made for: no images).
fn in_region_order(regions: &[Region], answered: Vec<RegionResult<Vec<Image>>>) -> Vec<RegionResult<Vec<Image>>> {
    regions
        .iter()
        .map(|region| {
            let result = answered.iter().find(|(r, _)| r == region).map(|(_, result)| result.clone());
            (region.clone(), result.unwrap_or_else(|| Ok(Vec::new())))
        })
        .collect()
}

impl Images for SdkAws {
    fn describe_image(&self, region: &Region, id: &AmiId) -> Result<Option<Image>, AwsError> {
        self.describe_one(region, id, None)
    }

    fn poll_image(&self, region: &Region, id: &AmiId, within: Duration) -> Result<Option<Image>, AwsError> {
        self.describe_one(region, id, Some(within))
    }

    fn find_images(&self, keys: &[ImageKey]) -> Vec<RegionResult<Vec<Image>>> {
        let mut by_region: BTreeMap<&Region, Vec<AmiId>> = BTreeMap::new();
        for (region, id) in keys {
            let ids = by_region.entry(region).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        let mut queries = Vec::new();
        for (region, ids) in by_region {
            for chunk in ids.chunks(FILTER_VALUES_MAX) {
                // An image-id *filter*, not ImageIds: ImageIds fails the whole call
                // when one id no longer exists; a filter just leaves it out. A
                // filter does not reveal another account's deprecated image the
                // way ImageIds does: images_query adds IncludeDeprecated.
                let filter = filter("image-id", chunk);
                queries.push((region.clone(), self.images_query(region, move |q| q.filters(filter.clone()))));
            }
        }
        self.run_by_region(queries)
    }

    fn image_ancestry(&self, region: &Region, id: &AmiId) -> Result<Vec<AncestryEntry>, AwsError> {
        let out = self.send(region, "GetImageAncestry", |c| c.get_image_ancestry().image_id(id.as_str()).send())?;
        let mut entries: Vec<AncestryEntry> = Vec::new();
        // Entries carry their source's region, not their own: the first is
        // where we asked, each next one where the previous one's source is.
        let mut here = region.clone();
        for entry in out.image_ancestry_entries() {
            let Some(entry_id) = entry.image_id().and_then(|v| v.parse::<AmiId>().ok()) else {
                break;
            };
            let source_image_region: Option<Region> = entry.source_image_region().and_then(|v| v.parse().ok());
            let next_region = source_image_region.clone().unwrap_or_else(|| here.clone());
            entries.push(AncestryEntry {
                id: entry_id,
                region: here,
                source_image_id: entry.source_image_id().and_then(|v| v.parse().ok()),
                source_image_region,
                creation_date: entry.creation_date().and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok()),
                owner_alias: entry.image_owner_alias().filter(|a| !a.is_empty()).map(str::to_string),
            });
            here = next_region;
        }
        Ok(entries)
    }

    fn own_images_in_one_page(&self, regions: &[Region], size: OnePage) -> Vec<RegionResult<Option<Vec<Image>>>> {
        self.own_images_page(regions, size, None)
    }

    fn own_images_watermarked_from_in_one_page(
        &self,
        regions: &[Region],
        source: &AmiId,
        size: OnePage,
    ) -> Vec<RegionResult<Option<Vec<Image>>>> {
        let by_watermark = filter("image-watermark.source-image-id", std::slice::from_ref(source));
        self.own_images_page(regions, size, Some(by_watermark))
    }

    fn own_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        let queries =
            regions.iter().map(|region| (region.clone(), self.images_query(region, |q| q.owners("self")))).collect();
        self.run_by_region(queries)
    }

    fn own_images_made_from(
        &self,
        regions: &[Region],
        parents: &[AmiId],
        tag_key: &str,
        tags_only: bool,
    ) -> Vec<RegionResult<Vec<Image>>> {
        let mut queries = Vec::new();
        for region in regions {
            for chunk in parents.chunks(FILTER_VALUES_MAX) {
                let by_tag = filter(&format!("tag:{tag_key}"), chunk);
                queries.push((
                    region.clone(),
                    self.images_query(region, move |q| q.owners("self").filters(by_tag.clone())),
                ));
                if !tags_only {
                    let by_record = filter("source-image-id", chunk);
                    queries.push((
                        region.clone(),
                        self.images_query(region, move |q| q.owners("self").filters(by_record.clone())),
                    ));
                }
            }
        }
        in_region_order(regions, self.run_by_region(queries))
    }

    fn own_images_watermarked_from(&self, regions: &[Region], source: &AmiId) -> Vec<RegionResult<Vec<Image>>> {
        let queries = regions
            .iter()
            .map(|region| {
                let by_watermark = filter("image-watermark.source-image-id", std::slice::from_ref(source));
                (region.clone(), self.images_query(region, move |q| q.owners("self").filters(by_watermark.clone())))
            })
            .collect();
        in_region_order(regions, self.run_by_region(queries))
    }

    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, AwsError> {
        let filter = Filter::builder().name("name").values(name).build();
        let query = describe_all(
            self.client(region),
            region.clone(),
            self.endpoint(region),
            self.pacer.clone(),
            self.activity.clone(),
            move |q| q.owners("self").filters(filter.clone()),
        );
        Ok(self.block(query)?.into_iter().find(|image| image.name.as_deref() == Some(name)))
    }

    fn own_pending_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        let queries = regions
            .iter()
            .map(|region| {
                let pending = Filter::builder().name("state").values("pending").build();
                (region.clone(), self.images_query(region, move |q| q.owners("self").filters(pending.clone())))
            })
            .collect();
        self.run_by_region(queries)
    }

    fn describe_instance(&self, region: &Region, id: &InstanceId) -> Result<Instance, AwsError> {
        let out =
            self.send(region, "DescribeInstances", |c| c.describe_instances().instance_ids(id.as_str()).send())?;
        let instance =
            out.reservations().iter().flat_map(|r| r.instances()).find(|i| i.instance_id() == Some(id.as_str()));
        match instance {
            Some(instance) => {
                Ok(Instance { id: id.clone(), image_id: instance.image_id().and_then(|v| v.parse().ok()) })
            }
            // EC2 answers an unknown id with an error; an empty answer means the same.
            None => Err(AwsError {
                code: Some("InvalidInstanceID.NotFound".into()),
                ..AwsError::new(
                    "DescribeInstances",
                    AwsErrorKind::NotFound,
                    format!("The instance ID '{id}' does not exist"),
                    &self.endpoint(region).name(),
                )
            }),
        }
    }

    fn running_instances(&self, region: &Region, ids: &[InstanceId]) -> Result<Vec<InstanceId>, AwsError> {
        use aws_sdk_ec2::types::Filter;
        let endpoint = self.endpoint(region);
        let mut running = Vec::new();
        for group in ids.chunks(FILTER_VALUES_MAX) {
            let by_id = Filter::builder()
                .name("instance-id")
                .set_values(Some(group.iter().map(|i| i.to_string()).collect()))
                .build();
            let by_state = Filter::builder().name("instance-state-name").values("pending").values("running").build();
            let mut tokens = Tokens::default();
            let mut token: Option<String> = None;
            loop {
                let next = token.take();
                let page = self.send(region, "DescribeInstances", |c| {
                    c.describe_instances()
                        .filters(by_id.clone())
                        .filters(by_state.clone())
                        .max_results(1000)
                        .set_next_token(next.clone())
                        .send()
                })?;
                running.extend(
                    page.reservations()
                        .iter()
                        .flat_map(|r| r.instances())
                        .filter_map(|i| i.instance_id())
                        .filter_map(|id| id.parse::<InstanceId>().ok())
                        .filter(|id| group.contains(id)),
                );
                match tokens.next("DescribeInstances", page.next_token(), &endpoint)? {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
        }
        running.sort();
        running.dedup();
        Ok(running)
    }

    fn snapshots_progress(&self, region: &Region, snapshot_ids: &[String]) -> Result<Option<u8>, AwsError> {
        if snapshot_ids.is_empty() {
            return Ok(None);
        }
        let out = self.send(region, "DescribeSnapshots", |c| {
            c.describe_snapshots().set_snapshot_ids(Some(snapshot_ids.to_vec())).send()
        })?;
        // "45%" as EC2 writes it; anything else is no progress at all.
        let percents = out
            .snapshots()
            .iter()
            .filter_map(|s| s.progress())
            .filter_map(|p| p.trim().strip_suffix('%')?.trim().parse::<u8>().ok())
            .map(|p| p.min(100));
        Ok(percents.min())
    }

    fn regions(&self, all: bool) -> Result<Vec<Region>, AwsError> {
        // Account-wide questions are asked in the region in use.
        let out = self.send(&self.home_region, "DescribeRegions", |c| c.describe_regions().all_regions(all).send())?;
        let mut regions: Vec<Region> =
            out.regions().iter().filter_map(|r| r.region_name()).filter_map(|n| n.parse().ok()).collect();
        // An answer that names a region twice must not make it searched (and its images counted) twice.
        regions.sort();
        regions.dedup();
        Ok(regions)
    }
}
