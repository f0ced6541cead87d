//! What amitools asks of AWS, as traits in amitools' own types: the SDK
//! implementation (`SdkAws`, the other files of this folder) and the
//! in-memory fake (`fake.rs`) share these and nothing else. One trait per
//! kind of question, each implemented in the file named for it; `Aws` joins
//! them into the one handle commands and the domain see (one per account,
//! once there are several).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::{Activity, AwsError};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{
    AncestryEntry, Grantee, Image, ImageReference, Instance, RetentionRule, Sharing, SnapshotOutcome, SnapshotSharing,
    UsageEntry, UsageReport,
};

/// Tags as amitools passes them around: sorted, so requests and output are stable.
pub type Tags = BTreeMap<String, String>;

/// The Auto Scaling resource type amitools reports launch configurations as
/// (EC2's DescribeImageReferences does not cover them).
pub const LAUNCH_CONFIGURATION: &str = "autoscaling:LaunchConfiguration";

/// A CreateImage request, in amitools' terms.
#[derive(Debug, Clone)]
pub struct NewImage {
    pub instance_id: InstanceId,
    pub name: String,
    pub description: Option<String>,
    pub no_reboot: bool,
    /// Put on the image and its snapshots in the CreateImage call itself.
    pub tags: Tags,
    /// Put on the image only: the run's marker (see naming::RUN_MARKER).
    pub image_tags: Tags,
    pub dry_run: bool,
}

/// A CopyImage request, in amitools' terms. The copy is made in `dest_region`.
#[derive(Debug, Clone)]
pub struct ImageCopy {
    pub source_image_id: AmiId,
    pub source_region: Region,
    pub dest_region: Region,
    pub name: String,
    pub description: Option<String>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Put on the copy (and its snapshots) in the CopyImage call itself.
    pub tags: Tags,
    /// Put on the copy only: the run's marker (see naming::RUN_MARKER).
    pub image_tags: Tags,
    pub dry_run: bool,
}

/// EC2 accepts at most 200 values in one filter: a query about more ids is
/// several calls.
pub const FILTER_VALUES_MAX: usize = 200;

/// How large the one page of `own_images_in_one_page` (and of the
/// watermark's) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnePage {
    /// 100 images.
    Small,
    /// 1,000 images, DescribeImages' largest page.
    Full,
}

impl OnePage {
    pub fn size(self) -> usize {
        match self {
            OnePage::Small => 100,
            OnePage::Full => 1000,
        }
    }
}

/// An image's place: its region and id (a copy has a new id in its own region).
pub type ImageKey = (Region, AmiId);

/// One region's answer to a query asked of several regions at once: a region
/// that refuses (a policy denying it, an opt-in region) must not hide the others.
pub type RegionResult<T> = (Region, Result<T, AwsError>);

/// One DescribeImageReferences answer: the images asked about (at most 10)
/// and what uses them, or why that is unknown.
pub type ReferencesAnswer = (Vec<AmiId>, Result<Vec<ImageReference>, AwsError>);

/// Reading images and where they came from: DescribeImages, GetImageAncestry,
/// DescribeInstances and DescribeRegions (EC2). Implemented in `images.rs`.
pub trait Images {
    /// The image with this id, or None when EC2 says there is no such image.
    fn describe_image(&self, region: &Region, id: &AmiId) -> Result<Option<Image>, AwsError>;
    /// One poll of an image during a wait: like `describe_image`, but bounded
    /// by `within` and with at most one quick retry, since the wait loop
    /// retries (and keeps to its own deadline) itself.
    fn poll_image(&self, region: &Region, id: &AmiId, within: Duration) -> Result<Option<Image>, AwsError>;
    /// Per region, the images among `keys` that exist and are visible to
    /// you, deprecated and disabled ones included; the others are simply
    /// absent. Regions are asked concurrently, up to 200 ids per DescribeImages.
    fn find_images(&self, keys: &[ImageKey]) -> Vec<RegionResult<Vec<Image>>>;
    /// EC2's recorded ancestry of an image (GetImageAncestry): the image
    /// itself first, then its source, and so on; at most 50 entries.
    fn image_ancestry(&self, region: &Region, id: &AmiId) -> Result<Vec<AncestryEntry>, AwsError>;
    /// Per region, all of the account's own images (deprecated and disabled
    /// included) when one DescribeImages page holds them, else None. `page`:
    /// a small page (100: the first look of `children`, cheap whatever the
    /// region holds) or a full one (1,000, EC2's largest).
    fn own_images_in_one_page(&self, regions: &[Region], page: OnePage) -> Vec<RegionResult<Option<Vec<Image>>>>;
    /// Per region, every one of the account's own images (deprecated and
    /// disabled included), paginated.
    fn own_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>>;
    /// Per region, the account's own images (deprecated and disabled included)
    /// whose tag `tag_key` names one of `parents`, and unless `tags_only`
    /// those EC2 records as made from one of them (SourceImageId).
    fn own_images_made_from(
        &self,
        regions: &[Region],
        parents: &[AmiId],
        tag_key: &str,
        tags_only: bool,
    ) -> Vec<RegionResult<Vec<Image>>>;
    /// The account's own image with this name in the region, if any.
    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, AwsError>;
    /// Per region, your images carrying a watermark first attached to
    /// `source` (filter `image-watermark.source-image-id`, every page): every
    /// image made from it (and from those) since the watermark was attached.
    fn own_images_watermarked_from(&self, regions: &[Region], source: &AmiId) -> Vec<RegionResult<Vec<Image>>>;
    /// The same, when one page of `page`'s size holds them, else None (an
    /// ancestor's watermark: its family may be much of the region).
    fn own_images_watermarked_from_in_one_page(
        &self,
        regions: &[Region],
        source: &AmiId,
        page: OnePage,
    ) -> Vec<RegionResult<Option<Vec<Image>>>>;
    /// Per region, the account's own images that are `pending` (creates and
    /// copies in progress).
    fn own_pending_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>>;
    fn describe_instance(&self, region: &Region, id: &InstanceId) -> Result<Instance, AwsError>;
    /// Which of `ids` are running (or pending) now: DescribeInstances
    /// filtered on the ids (200 a call) and the state, paginated. Ids EC2
    /// no longer knows are simply not among them.
    fn running_instances(&self, region: &Region, ids: &[InstanceId]) -> Result<Vec<InstanceId>, AwsError>;
    /// The regions enabled for the account; with `all`, every region EC2
    /// lists, opt-in ones not enabled included.
    fn regions(&self, all: bool) -> Result<Vec<Region>, AwsError>;
    /// How far the slowest of these snapshots is (DescribeSnapshots'
    /// `Progress`, a percentage): a copy's snapshots fill as it is copied.
    /// None when EC2 gives no progress for them.
    fn snapshots_progress(&self, region: &Region, snapshot_ids: &[String]) -> Result<Option<u8>, AwsError>;
}

/// Making and changing images: CreateImage, CopyImage, CreateTags, DeleteTags and
/// DeregisterImage (EC2). Implemented in `changes.rs`.
pub trait ImageChanges {
    fn create_image(&self, region: &Region, request: &NewImage) -> Result<AmiId, AwsError>;
    fn copy_image(&self, request: &ImageCopy) -> Result<AmiId, AwsError>;
    /// One CreateTags call; other tags on the image are left alone.
    fn create_tags(&self, region: &Region, id: &AmiId, tags: &Tags, dry_run: bool) -> Result<(), AwsError>;
    /// One DeleteTags call removing these keys (whatever their values); other tags are left alone.
    fn delete_tags(&self, region: &Region, id: &AmiId, keys: &[&str]) -> Result<(), AwsError>;
    /// AttachImageWatermark: the watermark's key (`ACCOUNT:NAME`).
    fn attach_watermark(&self, region: &Region, id: &AmiId, name: &str) -> Result<String, AwsError>;
    /// DetachImageWatermark (succeeds when the image does not carry it).
    fn detach_watermark(&self, region: &Region, id: &AmiId, key: &str) -> Result<(), AwsError>;
    /// DeregisterImage; with `delete_snapshots`, EC2 also deletes the image's
    /// snapshots no other image uses (DeleteAssociatedSnapshots) and reports each.
    fn deregister_image(
        &self,
        region: &Region,
        id: &AmiId,
        delete_snapshots: bool,
    ) -> Result<Vec<SnapshotOutcome>, AwsError>;
}

/// Retiring an image in stages, and undoing it: EnableImageDeprecation,
/// DisableImageDeprecation, DisableImage and EnableImage (EC2). Implemented
/// in `retirement.rs`.
pub trait ImageRetirement {
    /// Deprecate the image at `at` (EC2 rounds it to the nearest minute and
    /// refuses a time in the past).
    fn deprecate_image(&self, region: &Region, id: &AmiId, at: OffsetDateTime) -> Result<(), AwsError>;
    /// Cancel the image's deprecation.
    fn undeprecate_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError>;
    /// DisableImage: nothing can launch it, and EC2 removes its launch permissions.
    fn disable_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError>;
    /// EnableImage: available again (its launch permissions are not given back).
    fn enable_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError>;
}

/// What uses an image: DescribeImageReferences (EC2) and launch
/// configurations (Auto Scaling). Implemented in `uses.rs`.
pub trait ImageUses {
    /// What uses these images, per DescribeImageReferences: instances in any
    /// state, launch templates with all their versions, SSM parameters, Image
    /// Builder recipes. Asked 10 ids a call, a few calls at once; each group
    /// of ids comes back with its own answer, so one failure hides nothing else.
    fn image_references(&self, region: &Region, ids: &[AmiId]) -> Vec<ReferencesAnswer>;
    /// The images the region's Auto Scaling launch configurations name
    /// (resource type `LAUNCH_CONFIGURATION`, resource the configuration's name).
    fn launch_configuration_images(&self, region: &Region) -> Result<Vec<ImageReference>, AwsError>;
}

/// One image's launch permissions, or why they are unknown.
pub type SharingAnswer = (AmiId, Result<Sharing, AwsError>);

/// Who may launch an image besides its owner, and copy it: launch
/// permissions (Describe/ModifyImageAttribute), the snapshots'
/// create-volume permissions (DescribeSnapshots, Describe/ModifySnapshotAttribute)
/// and image block public access (EC2), and who manages a snapshot's key
/// (KMS). Implemented in `sharing.rs`.
pub trait ImageSharing {
    /// Each image's launch permissions: one call an image (EC2 takes one id),
    /// a few at once, paced; each image comes back with its own answer.
    /// Only the owner may ask: another account's image is an error.
    fn launch_permissions(&self, region: &Region, ids: &[AmiId]) -> Vec<SharingAnswer>;
    /// Add (or, `add` false, remove) launch permissions: one ModifyImageAttribute.
    fn change_launch_permissions(
        &self,
        region: &Region,
        id: &AmiId,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError>;
    /// The snapshots, their encryption and who may create volumes from each.
    fn snapshot_sharing(&self, region: &Region, snapshot_ids: &[String]) -> Result<Vec<SnapshotSharing>, AwsError>;
    /// Add (or remove) create-volume permissions on a snapshot (accounts or
    /// `Public` only): one ModifySnapshotAttribute.
    fn change_volume_permissions(
        &self,
        region: &Region,
        snapshot_id: &str,
        add: bool,
        grantees: &[Grantee],
    ) -> Result<(), AwsError>;
    /// Whether image block public access is on in the region (GetImageBlockPublicAccessState).
    fn public_sharing_blocked(&self, region: &Region) -> Result<bool, AwsError>;
    /// Whether a KMS key is AWS managed (KMS DescribeKey: KeyManager AWS), as
    /// aws/ebs is: EC2 cannot share what it encrypts.
    fn key_is_aws_managed(&self, region: &Region, key_id: &str) -> Result<bool, AwsError>;
}

/// How other accounts use your images: EC2's AMI usage reports. Implemented
/// in `usage_reports.rs`.
pub trait ImageUsageReports {
    /// CreateImageUsageReport over instances and launch templates (all their
    /// versions), for `accounts` (None: every account); the report's id.
    /// `token` makes a retry return the same report.
    fn create_usage_report(
        &self,
        region: &Region,
        image_id: &AmiId,
        accounts: Option<&[String]>,
        token: &str,
    ) -> Result<String, AwsError>;
    /// The reports with these ids, as EC2 describes them now.
    fn usage_reports(&self, region: &Region, report_ids: &[String]) -> Result<Vec<UsageReport>, AwsError>;
    /// Every entry of these (available) reports.
    fn usage_report_entries(&self, region: &Region, report_ids: &[String]) -> Result<Vec<UsageEntry>, AwsError>;
    fn delete_usage_report(&self, region: &Region, report_id: &str) -> Result<(), AwsError>;
}

/// The account itself: who the credentials belong to (STS) and its Recycle
/// Bin rules. Implemented in `account.rs`.
pub trait Account {
    /// The AWS account the credentials belong to (STS GetCallerIdentity).
    fn account_id(&self) -> Result<String, AwsError>;
    /// The region's Recycle Bin retention rules for images (ListRules, then GetRule for each).
    fn recycle_bin_rules(&self, region: &Region) -> Result<Vec<RetentionRule>, AwsError>;
}

/// What the handle has done so far: counts a status line reads from another
/// thread while the work blocks. Implemented in `activity.rs`.
pub trait Metered {
    fn activity(&self) -> Arc<Activity>;
}

/// Everything amitools asks of AWS for one account: the handle commands see.
pub trait Aws:
    Images + ImageChanges + ImageRetirement + ImageUses + ImageSharing + ImageUsageReports + Account + Metered
{
}

impl<T> Aws for T where
    T: Images + ImageChanges + ImageRetirement + ImageUses + ImageSharing + ImageUsageReports + Account + Metered
{
}
