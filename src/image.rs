//! What amitools knows about an image: its own domain types, independent of
//! the SDK (aws/ converts), so lineage, waiting and output never see SDK types.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::OffsetDateTime;

use crate::ids::{AmiId, InstanceId, Region};

/// EC2's image states, plus whatever a future EC2 adds (kept, not rejected).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageState {
    Pending,
    Available,
    Invalid,
    Deregistered,
    Transient,
    Failed,
    Error,
    Disabled,
    Other(String),
}

impl ImageState {
    pub const KNOWN: [ImageState; 8] = [
        ImageState::Pending,
        ImageState::Available,
        ImageState::Invalid,
        ImageState::Deregistered,
        ImageState::Transient,
        ImageState::Failed,
        ImageState::Error,
        ImageState::Disabled,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            ImageState::Other(s) => s,
            known => known.static_name(),
        }
    }

    /// The name of a known state, for lists made at compile time's leisure
    /// (an unknown state has no static name: "other").
    pub fn static_name(&self) -> &'static str {
        match self {
            ImageState::Pending => "pending",
            ImageState::Available => "available",
            ImageState::Invalid => "invalid",
            ImageState::Deregistered => "deregistered",
            ImageState::Transient => "transient",
            ImageState::Failed => "failed",
            ImageState::Error => "error",
            ImageState::Disabled => "disabled",
            ImageState::Other(_) => "other",
        }
    }

    /// Map EC2's wire value; unknown values are kept verbatim.
    pub fn from_ec2(value: &str) -> ImageState {
        ImageState::KNOWN
            .iter()
            .find(|s| s.as_str() == value)
            .cloned()
            .unwrap_or_else(|| ImageState::Other(value.to_string()))
    }
}

impl fmt::Display for ImageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ImageState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl FromStr for ImageState {
    type Err = String;
    /// Only EC2's documented states parse: a typo in a user's target state
    /// must be an error, not a wait that can never end.
    fn from_str(value: &str) -> Result<Self, String> {
        match ImageState::from_ec2(value) {
            ImageState::Other(_) => Err(format!("unknown image state '{value}'")),
            known => Ok(known),
        }
    }
}

/// An image as DescribeImages reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    #[serde(rename = "image_id")]
    pub id: AmiId,
    pub region: Region,
    pub name: Option<String>,
    pub state: ImageState,
    #[serde(serialize_with = "rfc3339")]
    pub creation_date: Option<OffsetDateTime>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// What EC2 itself recorded: set for images made by CreateImage or CopyImage.
    pub source_image_id: Option<AmiId>,
    pub source_image_region: Option<Region>,
    /// Set by EC2 for images made by CreateImage.
    pub source_instance_id: Option<InstanceId>,
    /// What `prune` decides on; left out of the lineage commands' JSON.
    #[serde(skip)]
    pub usage: ImageUsage,
    /// The account whose credentials read it, when several are read
    /// (--accounts); None when only your own account is.
    #[serde(skip)]
    pub account: Option<String>,
    /// Its AMI watermarks (AttachImageWatermark; copied to images made from it).
    #[serde(skip)]
    pub watermarks: Vec<Watermark>,
}

/// An AMI watermark as DescribeImages shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    /// `ACCOUNT:NAME`.
    pub key: String,
    /// The image it was attached to, and where: every image carrying it was
    /// made from that one (or is it).
    pub source_image_id: Option<AmiId>,
    pub source_image_region: Option<Region>,
}

/// What EC2 reports about an image that says whether it may be deleted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageUsage {
    /// The EBS snapshots the image's block devices are made from.
    pub snapshots: Vec<String>,
    /// EC2's DeregistrationProtection value (`disabled`, `enabled-with-cooldown`,
    /// `enabled-without-cooldown`, `disabled-until <time>`); None when not reported.
    pub protection: Option<String>,
    /// When an instance was last launched from the image (EC2 reports it up to a day late).
    pub last_launched: Option<OffsetDateTime>,
    /// DescribeImages' `Public`: anyone may launch it (None: not reported).
    pub public: Option<bool>,
    /// DescribeImages' `DeprecationTime`: when the image is (or was) deprecated.
    pub deprecation_time: Option<OffsetDateTime>,
}

impl ImageUsage {
    /// Whether deregistration protection stops DeregisterImage. Fails closed:
    /// only EC2's explicit `disabled` (or no value at all) means unprotected.
    pub fn is_protected(&self) -> bool {
        self.protection.as_deref().is_some_and(|p| p != "disabled")
    }

    /// Whether the image is deprecated at `now`. A deprecation due within
    /// the minute counts: EC2 rounds DeprecateAt to the nearest minute, so
    /// an image deprecated "now" may show a time up to 30 seconds ahead.
    pub fn is_deprecated(&self, now: OffsetDateTime) -> bool {
        self.deprecation_time.is_some_and(|at| at <= now + time::Duration::minutes(1))
    }
}

impl Image {
    /// A minimal image for tests and fakes.
    pub fn new(id: AmiId, region: Region) -> Image {
        Image {
            id,
            region,
            name: None,
            state: ImageState::Available,
            creation_date: None,
            description: None,
            owner: None,
            tags: BTreeMap::new(),
            source_image_id: None,
            source_image_region: None,
            source_instance_id: None,
            usage: ImageUsage::default(),
            account: None,
            watermarks: Vec::new(),
        }
    }
}

/// Who besides its owner may launch an image: DescribeImageAttribute's
/// `launchPermission`, which only the owner may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sharing {
    /// The `all` group: the image is public.
    pub public: bool,
    /// Account ids, as EC2 gives them.
    pub accounts: Vec<String>,
    /// Organization ARNs (`arn:aws:organizations::…:organization/o-…`).
    pub organizations: Vec<String>,
    /// Organizational unit ARNs (`arn:aws:organizations::…:ou/o-…/ou-…`).
    pub organizational_units: Vec<String>,
}

/// The id an Organizations ARN ends with: `o-…` for an organization,
/// `ou-…` for an organizational unit (the ARN itself if it has no `/`).
pub fn organizations_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Sharing {
    /// Whether anyone but the owner may launch the image.
    pub fn is_shared(&self) -> bool {
        self.public
            || !self.accounts.is_empty()
            || !self.organizations.is_empty()
            || !self.organizational_units.is_empty()
    }

    /// The same, each list sorted and without repeats: stable output.
    pub fn normalized(&self) -> Sharing {
        let sorted = |list: &[String]| {
            let mut list = list.to_vec();
            list.sort();
            list.dedup();
            list
        };
        Sharing {
            public: self.public,
            accounts: sorted(&self.accounts),
            organizations: sorted(&self.organizations),
            organizational_units: sorted(&self.organizational_units),
        }
    }
}

/// Who an image is shared with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// Everyone: the image (and its snapshots) public.
    Public,
    /// An AWS account id (12 digits).
    Account(String),
    /// An organization's ARN (`arn:aws:organizations::MGMT:organization/o-…`).
    Organization(String),
    /// An organizational unit's ARN (`arn:aws:organizations::MGMT:ou/o-…/ou-…`).
    OrganizationalUnit(String),
}

/// A snapshot of the image, as EC2 describes it (DescribeSnapshots,
/// DescribeSnapshotAttribute `createVolumePermission`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSharing {
    pub snapshot_id: String,
    pub encrypted: bool,
    /// The KMS key, for an encrypted snapshot (an ARN, as EC2 gives it).
    pub kms_key_id: Option<String>,
    /// Who may create volumes from it: `Public` or accounts.
    pub volume_permissions: Vec<Grantee>,
}

/// An AMI usage report, as DescribeImageUsageReports gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    pub report_id: String,
    pub image_id: AmiId,
    /// `pending`, `available` or `error`, as EC2 says it.
    pub state: String,
    pub state_reason: Option<String>,
    /// The accounts it covers (empty: every account).
    pub accounts: Vec<String>,
    pub resource_types: Vec<String>,
}

/// One line of a usage report: an account's resources of one type that use the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEntry {
    pub report_id: String,
    pub account_id: String,
    /// `ec2:Instance` or `ec2:LaunchTemplate`.
    pub resource_type: String,
    pub count: i64,
}

/// EC2's CreationDate as RFC 3339, as EC2 itself writes it.
fn rfc3339<S: serde::Serializer>(date: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    use time::format_description::well_known::Rfc3339;
    match date.and_then(|d| d.format(&Rfc3339).ok()) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// One entry of EC2's GetImageAncestry: what EC2 recorded about an image's
/// origin. It outlives the image: a deregistered parent still has its entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AncestryEntry {
    pub id: AmiId,
    /// Where the image is: the queried region for the first entry, the
    /// previous entry's source region for the others.
    pub region: Region,
    pub source_image_id: Option<AmiId>,
    pub source_image_region: Option<Region>,
    pub creation_date: Option<OffsetDateTime>,
    /// `amazon` or `aws-marketplace` for a verified provider's image.
    pub owner_alias: Option<String>,
}

/// What kind of resource uses an image, per DescribeImageReferences (and Auto Scaling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageReference {
    pub image_id: AmiId,
    /// `ec2:Instance`, `ec2:LaunchTemplate`, `ssm:Parameter`,
    /// `imagebuilder:ImageRecipe`, `imagebuilder:ContainerRecipe`, or
    /// `autoscaling:LaunchConfiguration` (amitools' own name: EC2 does not report those).
    pub resource_type: String,
    /// The resource's ARN (for a launch configuration, its name).
    pub resource: String,
}

/// What DeregisterImage with DeleteAssociatedSnapshots did to one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotOutcome {
    pub snapshot_id: String,
    /// EC2's return code: `success`, `skipped` (another image uses it),
    /// `missing-permissions`, `internal-error`, `client-error`.
    pub result: String,
}

/// A Recycle Bin retention rule for images (resource type EC2_IMAGE): a
/// deregistered image it covers can be restored for `retention_days`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRule {
    pub id: String,
    pub retention_days: u32,
    /// Tag-level rule: images with at least one of these tags (a value of
    /// None: any value). Empty: a Region-level rule, for every image…
    pub resource_tags: Vec<(String, Option<String>)>,
    /// …except those with one of these tags.
    pub exclude_tags: Vec<(String, Option<String>)>,
    /// The rule is in effect (status `available`, not `pending`).
    pub active: bool,
}

/// An instance, as far as amitools cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: InstanceId,
    /// The AMI the instance was launched from; EC2 may no longer know it.
    pub image_id: Option<AmiId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_ones_are_kept() {
        for state in ImageState::KNOWN {
            assert_eq!(ImageState::from_ec2(state.as_str()), state);
            assert_eq!(state.as_str().parse::<ImageState>().unwrap(), state);
        }
        assert_eq!(ImageState::from_ec2("shiny"), ImageState::Other("shiny".into()));
        assert!("availble".parse::<ImageState>().unwrap_err().contains("'availble'"));
    }
}
