//! The in-memory `Aws` for unit tests of the domain logic (waiting, lineage,
//! prune) and of the commands in-process: images held in a map, call counts,
//! and switches for the failures tests need. It implements the same traits as
//! `SdkAws` and shares nothing else with it.

use super::OnePage;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::aws::{
    Account, Activity, AwsError, AwsErrorKind, ImageChanges, ImageCopy, ImageKey, ImageRetirement, ImageSharing,
    ImageUsageReports, ImageUses, Images, Metered, NewImage, ReferencesAnswer, RegionResult, SharingAnswer, Tags,
};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{
    AncestryEntry, Grantee, Image, ImageReference, ImageState, Instance, RetentionRule, Sharing, SnapshotOutcome,
    SnapshotSharing, UsageEntry, UsageReport,
};

use time::OffsetDateTime;

type Describe<'a> = Box<dyn Fn(&AmiId) -> Result<Option<Image>, AwsError> + 'a>;

/// The fake's own account; other owners' images are public or shared ones.
pub const OWN_ACCOUNT: &str = "123456789012";

/// Images held in memory, with per-operation call counts.
#[derive(Default)]
pub struct FakeAws<'a> {
    describe: Option<Describe<'a>>,
    pub images: RefCell<BTreeMap<AmiId, Image>>,
    pub describe_calls: Cell<usize>,
    /// DescribeImages calls made by the lineage queries (one per region, chunk and filter).
    pub bulk_calls: Cell<usize>,
    /// Images those calls returned.
    pub images_returned: Cell<usize>,
    /// GetImageAncestry calls.
    pub ancestry_calls: Cell<usize>,
    /// The largest "one page" `own_images_in_one_page` answers with, small and full.
    pub page_size: usize,
    pub full_page_size: usize,
    /// Regions whose lineage queries fail, and GetImageAncestry's failure kind.
    pub refuse_regions: Vec<Region>,
    pub ancestry_error: Option<AwsErrorKind>,
    /// What DescribeImageReferences reports, and its failure kind; calls made.
    pub references: Vec<ImageReference>,
    pub reference_calls: Cell<usize>,
    pub references_error: Option<AwsErrorKind>,
    /// What the launch configurations name.
    pub launch_configurations: Vec<ImageReference>,
    /// Launch permissions by image (absent: shared with nobody), the
    /// images whose permissions cannot be read, and the calls made.
    pub sharing: RefCell<BTreeMap<AmiId, Sharing>>,
    pub sharing_refused: Vec<AmiId>,
    pub sharing_calls: Cell<usize>,
    /// Snapshots by id (absent: not found), whether public sharing is
    /// blocked, the snapshot whose changes fail, and every change made, in order.
    pub snapshots: RefCell<BTreeMap<String, SnapshotSharing>>,
    pub public_blocked: bool,
    /// KMS keys that are AWS managed (aws/ebs).
    pub aws_managed_keys: Vec<String>,
    pub refuse_snapshot_change: Option<String>,
    pub sharing_changes: RefCell<Vec<String>>,
    /// Other accounts' uses (image, account, resource type, count) that usage
    /// reports show; the state every report is in (None: available); the
    /// reports made and not deleted.
    pub other_uses: Vec<(AmiId, String, String, i64)>,
    pub report_state: Option<String>,
    pub usage_reports: RefCell<Vec<UsageReport>>,
    /// DeregisterImage calls, in order.
    pub deregistered: RefCell<Vec<AmiId>>,
    /// The instances running now (the others are stopped, or gone).
    pub running: Vec<InstanceId>,
    /// Retirement calls, in order: "deprecate ami-…", "disable ami-…", …;
    /// the images whose retirement calls fail.
    pub retired: RefCell<Vec<String>>,
    pub refuse_retirement: Vec<AmiId>,
    /// The next N DeregisterImage calls take effect, but their answers are
    /// lost: the SDK's retry then meets InvalidAMIID.NotFound (2 attempts).
    pub lose_deregister_answers: Cell<usize>,
    /// Counts what status lines read; only images checked are counted here.
    pub activity: Arc<Activity>,
}

impl<'a> FakeAws<'a> {
    pub fn with_images(images: impl IntoIterator<Item = Image>) -> FakeAws<'a> {
        let fake = FakeAws { page_size: 1000, full_page_size: 1000, ..FakeAws::default() };
        fake.images.borrow_mut().extend(images.into_iter().map(|i| (i.id.clone(), i)));
        fake
    }

    /// A fake whose describe_image answers are computed by `describe`.
    pub fn with_describe(describe: impl Fn(&AmiId) -> Result<Option<Image>, AwsError> + 'a) -> FakeAws<'a> {
        FakeAws { describe: Some(Box::new(describe)), ..FakeAws::default() }
    }

    pub fn describe_calls(&self) -> usize {
        self.describe_calls.get()
    }

    pub fn error(kind: AwsErrorKind) -> AwsError {
        AwsError {
            action: "DescribeImages",
            kind,
            code: None,
            message: format!("{kind:?}"),
            endpoint: "fake".into(),
            attempts: 1,
        }
    }
}

impl FakeAws<'_> {
    fn count(&self, calls: usize, images: usize) {
        self.bulk_calls.set(self.bulk_calls.get() + calls);
        self.images_returned.set(self.images_returned.get() + images);
    }

    /// Per region: a refused region's error, else what `answer` gives.
    fn per_region<T>(&self, regions: &[Region], answer: impl Fn(&Region) -> T) -> Vec<RegionResult<T>> {
        regions
            .iter()
            .map(|region| {
                if self.refuse_regions.contains(region) {
                    return (region.clone(), Err(FakeAws::error(AwsErrorKind::Denied)));
                }
                (region.clone(), Ok(answer(region)))
            })
            .collect()
    }

    /// The account's own images in `region` that `keep` accepts.
    fn own_in(&self, region: &Region, keep: impl Fn(&Image) -> bool) -> Vec<Image> {
        let images = self.images.borrow();
        images
            .values()
            .filter(|i| &i.region == region && i.owner.as_deref() == Some(OWN_ACCOUNT) && keep(i))
            .cloned()
            .collect()
    }

    /// The account's own images in `region` carrying a watermark first attached to `source`.
    fn watermarked_from(&self, region: &Region, source: &AmiId) -> Vec<Image> {
        self.own_in(region, |i| i.watermarks.iter().any(|w| w.source_image_id.as_ref() == Some(source)))
    }

    /// The size of a small or a full page here.
    fn one_page_size(&self, size: OnePage) -> usize {
        match size {
            OnePage::Small => self.page_size,
            OnePage::Full => self.full_page_size,
        }
    }
}

impl Images for FakeAws<'_> {
    fn describe_image(&self, _region: &Region, id: &AmiId) -> Result<Option<Image>, AwsError> {
        self.describe_calls.set(self.describe_calls.get() + 1);
        match &self.describe {
            Some(describe) => describe(id),
            None => Ok(self.images.borrow().get(id).cloned()),
        }
    }

    fn poll_image(&self, region: &Region, id: &AmiId, _within: std::time::Duration) -> Result<Option<Image>, AwsError> {
        self.describe_image(region, id)
    }

    fn find_images(&self, keys: &[ImageKey]) -> Vec<RegionResult<Vec<Image>>> {
        let mut regions: Vec<Region> = keys.iter().map(|(r, _)| r.clone()).collect();
        regions.sort();
        regions.dedup();
        self.count(regions.len(), 0);
        let images = self.images.borrow();
        self.per_region(&regions, |region| {
            let found: Vec<Image> = keys
                .iter()
                .filter(|(r, _)| r == region)
                .filter_map(|(r, id)| images.get(id).filter(|i| &i.region == r))
                .cloned()
                .collect();
            self.count(0, found.len());
            found
        })
    }

    /// The recorded chain from the images' SourceImageId, as EC2 keeps it.
    fn image_ancestry(&self, region: &Region, id: &AmiId) -> Result<Vec<AncestryEntry>, AwsError> {
        self.ancestry_calls.set(self.ancestry_calls.get() + 1);
        if let Some(kind) = self.ancestry_error {
            return Err(FakeAws::error(kind));
        }
        let images = self.images.borrow();
        let mut entries = Vec::new();
        let mut current = images.get(id).filter(|i| &i.region == region);
        if current.is_none() {
            return Err(FakeAws::error(AwsErrorKind::NotFound));
        }
        while let Some(image) = current {
            if entries.len() == 50 {
                break;
            }
            let owner_alias = (image.owner.as_deref() == Some("amazon")).then(|| "amazon".to_string());
            entries.push(AncestryEntry {
                id: image.id.clone(),
                region: image.region.clone(),
                source_image_id: image.source_image_id.clone(),
                source_image_region: image.source_image_region.clone(),
                creation_date: image.creation_date,
                owner_alias: owner_alias.clone(),
            });
            if owner_alias.is_some() {
                break;
            }
            current = image.source_image_id.as_ref().and_then(|s| images.get(s));
        }
        Ok(entries)
    }

    fn own_images_in_one_page(&self, regions: &[Region], size: OnePage) -> Vec<RegionResult<Option<Vec<Image>>>> {
        self.count(regions.len(), 0);
        let page_size = self.one_page_size(size);
        self.per_region(regions, |region| {
            let own = self.own_in(region, |_| true);
            if own.len() > page_size {
                self.count(0, page_size);
                None
            } else {
                self.count(0, own.len());
                Some(own)
            }
        })
    }

    fn own_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        self.per_region(regions, |region| {
            let own = self.own_in(region, |_| true);
            self.count(own.len().div_ceil(1000).max(1), own.len());
            own
        })
    }

    fn own_images_made_from(
        &self,
        regions: &[Region],
        parents: &[AmiId],
        tag_key: &str,
        tags_only: bool,
    ) -> Vec<RegionResult<Vec<Image>>> {
        let queries_per_region = parents.len().div_ceil(crate::aws::FILTER_VALUES_MAX) * if tags_only { 1 } else { 2 };
        self.count(regions.len() * queries_per_region, 0);
        self.per_region(regions, |region| {
            let by_tag =
                self.own_in(region, |i| i.tags.get(tag_key).is_some_and(|v| parents.iter().any(|p| p.as_str() == v)));
            let by_record = if tags_only {
                Vec::new()
            } else {
                self.own_in(region, |i| i.source_image_id.as_ref().is_some_and(|s| parents.contains(s)))
            };
            self.count(0, by_tag.len() + by_record.len());
            by_tag.into_iter().chain(by_record).collect()
        })
    }

    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, AwsError> {
        let images = self.images.borrow();
        Ok(images.values().find(|i| &i.region == region && i.name.as_deref() == Some(name)).cloned())
    }

    fn own_pending_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        self.per_region(regions, |region| self.own_in(region, |i| i.state == ImageState::Pending))
    }

    fn describe_instance(&self, _region: &Region, id: &InstanceId) -> Result<Instance, AwsError> {
        Ok(Instance { id: id.clone(), image_id: None })
    }

    fn running_instances(&self, _region: &Region, ids: &[InstanceId]) -> Result<Vec<InstanceId>, AwsError> {
        Ok(ids.iter().filter(|id| self.running.contains(id)).cloned().collect())
    }

    fn own_images_watermarked_from(&self, regions: &[Region], source: &AmiId) -> Vec<RegionResult<Vec<Image>>> {
        self.count(regions.len(), 0);
        self.per_region(regions, |region| {
            let found = self.watermarked_from(region, source);
            self.count(0, found.len());
            found
        })
    }

    fn own_images_watermarked_from_in_one_page(
        &self,
        regions: &[Region],
        source: &AmiId,
        size: OnePage,
    ) -> Vec<RegionResult<Option<Vec<Image>>>> {
        let page_size = self.one_page_size(size);
        self.count(regions.len(), 0);
        self.per_region(regions, |region| {
            let found = self.watermarked_from(region, source);
            self.count(0, found.len().min(page_size));
            (found.len() <= page_size).then_some(found)
        })
    }

    fn snapshots_progress(&self, _region: &Region, _snapshot_ids: &[String]) -> Result<Option<u8>, AwsError> {
        Ok(None)
    }

    fn regions(&self, _all: bool) -> Result<Vec<Region>, AwsError> {
        let mut regions: Vec<Region> = self.images.borrow().values().map(|i| i.region.clone()).collect();
        regions.sort();
        regions.dedup();
        Ok(regions)
    }
}

impl ImageChanges for FakeAws<'_> {
    fn create_image(&self, _region: &Region, _request: &NewImage) -> Result<AmiId, AwsError> {
        Err(FakeAws::error(AwsErrorKind::Other))
    }

    fn copy_image(&self, _request: &ImageCopy) -> Result<AmiId, AwsError> {
        Err(FakeAws::error(AwsErrorKind::Other))
    }

    fn create_tags(&self, _region: &Region, id: &AmiId, tags: &Tags, dry_run: bool) -> Result<(), AwsError> {
        if let (false, Some(image)) = (dry_run, self.images.borrow_mut().get_mut(id)) {
            image.tags.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(())
    }

    fn delete_tags(&self, _region: &Region, id: &AmiId, keys: &[&str]) -> Result<(), AwsError> {
        if let Some(image) = self.images.borrow_mut().get_mut(id) {
            image.tags.retain(|k, _| !keys.contains(&k.as_str()));
        }
        Ok(())
    }

    fn attach_watermark(&self, _region: &Region, id: &AmiId, name: &str) -> Result<String, AwsError> {
        let key = format!("{OWN_ACCOUNT}:{name}");
        let mut images = self.images.borrow_mut();
        let image = images.get_mut(id).ok_or_else(|| FakeAws::error(AwsErrorKind::NotFound))?;
        image.watermarks.push(crate::image::Watermark {
            key: key.clone(),
            source_image_id: Some(id.clone()),
            source_image_region: Some(image.region.clone()),
        });
        Ok(key)
    }

    fn detach_watermark(&self, _region: &Region, id: &AmiId, key: &str) -> Result<(), AwsError> {
        if let Some(image) = self.images.borrow_mut().get_mut(id) {
            image.watermarks.retain(|w| w.key != key);
        }
        Ok(())
    }

    fn deregister_image(
        &self,
        _region: &Region,
        id: &AmiId,
        delete_snapshots: bool,
    ) -> Result<Vec<SnapshotOutcome>, AwsError> {
        let image = self.images.borrow_mut().remove(id).ok_or_else(|| FakeAws::error(AwsErrorKind::NotFound))?;
        self.deregistered.borrow_mut().push(id.clone());
        if self.lose_deregister_answers.get() > 0 {
            self.lose_deregister_answers.set(self.lose_deregister_answers.get() - 1);
            return Err(AwsError { attempts: 2, ..FakeAws::error(AwsErrorKind::NotFound) });
        }
        Ok(if delete_snapshots {
            image
                .usage
                .snapshots
                .into_iter()
                .map(|snapshot_id| SnapshotOutcome { snapshot_id, result: "success".into() })
                .collect()
        } else {
            Vec::new()
        })
    }
}

impl FakeAws<'_> {
    /// One retirement call on image `id`: recorded, refused if asked, else `change` done to it.
    fn retire(&self, verb: &str, id: &AmiId, change: impl FnOnce(&mut Image)) -> Result<(), AwsError> {
        self.retired.borrow_mut().push(format!("{verb} {id}"));
        if self.refuse_retirement.contains(id) {
            return Err(FakeAws::error(AwsErrorKind::Denied));
        }
        let mut images = self.images.borrow_mut();
        let image = images.get_mut(id).ok_or_else(|| FakeAws::error(AwsErrorKind::NotFound))?;
        change(image);
        Ok(())
    }
}

impl ImageRetirement for FakeAws<'_> {
    fn deprecate_image(&self, _region: &Region, id: &AmiId, at: OffsetDateTime) -> Result<(), AwsError> {
        self.retire("deprecate", id, |image| image.usage.deprecation_time = Some(at))
    }

    fn undeprecate_image(&self, _region: &Region, id: &AmiId) -> Result<(), AwsError> {
        self.retire("undeprecate", id, |image| image.usage.deprecation_time = None)
    }

    fn disable_image(&self, _region: &Region, id: &AmiId) -> Result<(), AwsError> {
        self.sharing.borrow_mut().remove(id);
        self.retire("disable", id, |image| image.state = ImageState::Disabled)
    }

    fn enable_image(&self, _region: &Region, id: &AmiId) -> Result<(), AwsError> {
        self.retire("enable", id, |image| {
            if image.state == ImageState::Disabled {
                image.state = ImageState::Available;
            }
        })
    }
}

impl ImageUses for FakeAws<'_> {
    fn image_references(&self, _region: &Region, ids: &[AmiId]) -> Vec<ReferencesAnswer> {
        ids.chunks(10)
            .map(|group| {
                self.reference_calls.set(self.reference_calls.get() + 1);
                let answer = match self.references_error {
                    Some(kind) => Err(FakeAws::error(kind)),
                    None => Ok(self.references.iter().filter(|r| group.contains(&r.image_id)).cloned().collect()),
                };
                self.activity.checked(group.len());
                (group.to_vec(), answer)
            })
            .collect()
    }

    fn launch_configuration_images(&self, _region: &Region) -> Result<Vec<ImageReference>, AwsError> {
        Ok(self.launch_configurations.clone())
    }
}

impl ImageSharing for FakeAws<'_> {
    fn launch_permissions(&self, _region: &Region, ids: &[AmiId]) -> Vec<SharingAnswer> {
        ids.iter()
            .map(|id| {
                self.sharing_calls.set(self.sharing_calls.get() + 1);
                self.activity.checked(1);
                let answer = if self.sharing_refused.contains(id) {
                    Err(FakeAws::error(AwsErrorKind::Denied))
                } else {
                    Ok(self.sharing.borrow().get(id).cloned().unwrap_or_default())
                };
                (id.clone(), answer)
            })
            .collect()
    }

    fn change_launch_permissions(
        &self,
        _region: &Region,
        id: &AmiId,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError> {
        let names: Vec<&str> = grantees.iter().map(Grantee::as_str).collect();
        self.record(format!("{} launch {id} {}", if add { "add" } else { "remove" }, names.join(",")));
        self.change_sharing(id, add, grantees);
        Ok(())
    }

    fn snapshot_sharing(&self, _region: &Region, snapshot_ids: &[String]) -> Result<Vec<SnapshotSharing>, AwsError> {
        let snapshots = self.snapshots.borrow();
        snapshot_ids
            .iter()
            .map(|id| snapshots.get(id).cloned().ok_or_else(|| FakeAws::error(AwsErrorKind::NotFound)))
            .collect()
    }

    fn change_volume_permissions(
        &self,
        _region: &Region,
        snapshot_id: &str,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError> {
        if self.refuse_snapshot_change.as_deref() == Some(snapshot_id) {
            return Err(FakeAws::error(AwsErrorKind::Other));
        }
        let names: Vec<&str> = grantees.iter().map(Grantee::as_str).collect();
        self.record(format!("{} create-volume {snapshot_id} {}", if add { "add" } else { "remove" }, names.join(",")));
        let mut snapshots = self.snapshots.borrow_mut();
        let snapshot = snapshots.get_mut(snapshot_id).ok_or_else(|| FakeAws::error(AwsErrorKind::NotFound))?;
        for grantee in grantees {
            snapshot.volume_permissions.retain(|g| g != grantee);
            if add {
                snapshot.volume_permissions.push(grantee.clone());
            }
        }
        Ok(())
    }

    fn public_sharing_blocked(&self, _region: &Region) -> Result<bool, AwsError> {
        Ok(self.public_blocked)
    }

    fn key_is_aws_managed(&self, _region: &Region, key_id: &str) -> Result<bool, AwsError> {
        Ok(self.aws_managed_keys.iter().any(|k| k == key_id))
    }
}

fn toggle(list: &mut Vec<String>, value: &str, add: bool) {
    list.retain(|v| v != value);
    if add {
        list.push(value.to_string());
    }
}

impl FakeAws<'_> {
    fn record(&self, what: String) {
        self.sharing_changes.borrow_mut().push(what);
    }

    pub fn change_sharing(&self, id: &AmiId, add: bool, grantees: &[Grantee]) {
        let mut all = self.sharing.borrow_mut();
        let sharing = all.entry(id.clone()).or_default();
        for grantee in grantees {
            match grantee {
                Grantee::Public => sharing.public = add,
                Grantee::Account(a) => toggle(&mut sharing.accounts, a, add),
                Grantee::Organization(o) => toggle(&mut sharing.organizations, o, add),
                Grantee::OrganizationalUnit(u) => toggle(&mut sharing.organizational_units, u, add),
            }
        }
    }
}

impl ImageUsageReports for FakeAws<'_> {
    fn create_usage_report(
        &self,
        _region: &Region,
        image_id: &AmiId,
        accounts: Option<&[String]>,
        _token: &str,
    ) -> Result<String, AwsError> {
        let mut reports = self.usage_reports.borrow_mut();
        let report_id = format!("amiur-{:017x}", reports.len() + 1);
        reports.push(UsageReport {
            report_id: report_id.clone(),
            image_id: image_id.clone(),
            state: self.report_state.clone().unwrap_or_else(|| "available".into()),
            state_reason: None,
            accounts: accounts.map(<[String]>::to_vec).unwrap_or_default(),
            resource_types: vec!["ec2:Instance".into(), "ec2:LaunchTemplate".into()],
        });
        Ok(report_id)
    }

    fn usage_reports(&self, _region: &Region, report_ids: &[String]) -> Result<Vec<UsageReport>, AwsError> {
        Ok(self.usage_reports.borrow().iter().filter(|r| report_ids.contains(&r.report_id)).cloned().collect())
    }

    fn usage_report_entries(&self, _region: &Region, report_ids: &[String]) -> Result<Vec<UsageEntry>, AwsError> {
        let reports = self.usage_reports.borrow();
        let mut entries = Vec::new();
        for report in reports.iter().filter(|r| report_ids.contains(&r.report_id) && r.state == "available") {
            for (image, account, kind, count) in &self.other_uses {
                if image == &report.image_id && (report.accounts.is_empty() || report.accounts.contains(account)) {
                    entries.push(UsageEntry {
                        report_id: report.report_id.clone(),
                        account_id: account.clone(),
                        resource_type: kind.clone(),
                        count: *count,
                    });
                }
            }
        }
        Ok(entries)
    }

    fn delete_usage_report(&self, _region: &Region, report_id: &str) -> Result<(), AwsError> {
        self.usage_reports.borrow_mut().retain(|r| r.report_id != report_id);
        Ok(())
    }
}

impl Account for FakeAws<'_> {
    fn account_id(&self) -> Result<String, AwsError> {
        Ok(OWN_ACCOUNT.to_string())
    }

    fn recycle_bin_rules(&self, _region: &Region) -> Result<Vec<RetentionRule>, AwsError> {
        Ok(Vec::new())
    }
}

impl Metered for FakeAws<'_> {
    fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }
}
