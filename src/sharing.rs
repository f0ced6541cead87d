//! Sharing an image with other accounts, and taking it back: who may be
//! named, what EC2 must change for it (the image's launch permission and,
//! for accounts, each snapshot's create-volume permission, so that they can
//! copy it too), in what order, and what cannot be done at all. Pure: what
//! EC2 holds comes in, the changes come out; `commands/share.rs` asks and sends.

use std::fmt;
use std::str::FromStr;

use crate::ids::AmiId;
use crate::image::{organizations_id, Grantee, Image, Sharing, SnapshotSharing};
use crate::lineage::graph::Tree;
use crate::lineage::RecordedLineage;
use crate::output::shown;

impl Grantee {
    /// How a plan names it: the account id, `all`, or the ARN.
    pub fn as_str(&self) -> &str {
        match self {
            Grantee::Public => "all",
            Grantee::Account(id) => id,
            Grantee::Organization(arn) | Grantee::OrganizationalUnit(arn) => arn,
        }
    }

    /// In words: "account 210987654321", "organization o-abc", "everyone (public)".
    pub fn describe(&self) -> String {
        match self {
            Grantee::Public => "everyone (public)".to_string(),
            Grantee::Account(id) => format!("account {id}"),
            Grantee::Organization(arn) => format!("organization {}", organizations_id(arn)),
            Grantee::OrganizationalUnit(arn) => format!("organizational unit {}", organizations_id(arn)),
        }
    }
}

impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `arn:PARTITION:organizations::ACCOUNT:` and what follows it, if `value` starts so.
fn organizations_resource(value: &str) -> Option<&str> {
    let rest = value.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let partition_ok = partition == "aws" || partition.starts_with("aws-");
    let rest = rest.strip_prefix("organizations::")?;
    let (account, resource) = rest.split_once(':')?;
    (partition_ok && is_account_id(account)).then_some(resource)
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// `o-` and 10 to 32 lowercase letters or digits (AWS Organizations' pattern).
fn is_organization_id(value: &str) -> bool {
    value.strip_prefix("o-").is_some_and(|id| {
        (10..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `ou-`, 4 to 32 lowercase letters or digits, `-`, 8 to 32 more.
fn is_unit_id(value: &str) -> bool {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    value
        .strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, unit)| part(root, 4) && part(unit, 8))
}

impl FromStr for Grantee {
    type Err = String;

    fn from_str(value: &str) -> Result<Grantee, String> {
        let bad = |why: &str| Err(format!("'{}' {why}", shown(value)));
        if is_account_id(value) {
            return Ok(Grantee::Account(value.to_string()));
        }
        if value.bytes().all(|b| b.is_ascii_digit()) {
            return bad("is not an account id (12 digits)");
        }
        let Some(resource) = organizations_resource(value) else {
            return bad("is not an account id (12 digits), an organization ARN or an organizational unit ARN");
        };
        if let Some(id) = resource.strip_prefix("organization/") {
            return if is_organization_id(id) {
                Ok(Grantee::Organization(value.to_string()))
            } else {
                bad("names no valid organization id (o-…)")
            };
        }
        if let Some((organization, unit)) = resource.strip_prefix("ou/").and_then(|r| r.split_once('/')) {
            return if is_organization_id(organization) && is_unit_id(unit) {
                Ok(Grantee::OrganizationalUnit(value.to_string()))
            } else {
                bad("names no valid organizational unit (ou/o-…/ou-…)")
            };
        }
        bad("is neither an organization ARN (…:organization/o-…) nor an organizational unit ARN (…:ou/o-…/ou-…)")
    }
}

/// `--with`'s value: one or more grantees, comma-separated.
pub fn parse_grantees(value: &str) -> Result<Vec<Grantee>, String> {
    let grantees: Vec<Grantee> =
        value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::parse).collect::<Result<_, _>>()?;
    if grantees.is_empty() {
        return Err("expected an account id, an organization ARN or an organizational unit ARN".to_string());
    }
    Ok(grantees)
}

/// Everyone in `sharing`, as grantees.
pub fn grantees_of(sharing: &Sharing) -> Vec<Grantee> {
    let sharing = sharing.normalized();
    let mut all = Vec::new();
    if sharing.public {
        all.push(Grantee::Public);
    }
    all.extend(sharing.accounts.into_iter().map(Grantee::Account));
    all.extend(sharing.organizations.into_iter().map(Grantee::Organization));
    all.extend(sharing.organizational_units.into_iter().map(Grantee::OrganizationalUnit));
    all
}

/// What EC2 holds now for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    pub image_id: AmiId,
    pub launch: Sharing,
    pub snapshots: Vec<SnapshotSharing>,
    /// Image block public access is on in the region (asked only to make an image public).
    pub public_blocked: Option<bool>,
    /// The snapshots' keys KMS says are AWS managed (aws/ebs), and those it
    /// could not tell about, with why (asked only to share).
    pub managed_keys: Vec<String>,
    pub unknown_keys: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Share,
    Unshare,
}

/// What a change is to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The image's launch permission.
    Launch(AmiId),
    /// A snapshot's create-volume permission.
    CreateVolume(String),
}

impl Resource {
    pub fn id(&self) -> &str {
        match self {
            Resource::Launch(id) => id.as_str(),
            Resource::CreateVolume(id) => id,
        }
    }

    pub fn permission(&self) -> &'static str {
        match self {
            Resource::Launch(_) => "launch",
            Resource::CreateVolume(_) => "create-volume",
        }
    }
}

/// One permission to add or remove, or already as wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub resource: Resource,
    pub grantee: Grantee,
    /// Already granted (share) or already absent (unshare): nothing to send.
    pub already: bool,
}

/// The changes for one image, in the order they are sent, and what the
/// person should know besides.
#[derive(Debug, Clone, PartialEq)]
pub struct SharePlan {
    pub direction: Direction,
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

/// Why an image cannot be shared as asked: nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The permissions another account needs on a customer managed key to
/// launch or copy an image whose snapshots it encrypts (EC2 user guide,
/// "Share an AMI with specific AWS accounts").
pub const KEY_PERMISSIONS: &str =
    "kms:DescribeKey, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKeyWithoutPlaintext and kms:CreateGrant";

/// The changes that share `image` with (or take it from) `grantees`.
///
/// Sharing sends the snapshots first, then the launch permission: an account
/// that may launch an image should be able to read its storage from the
/// start, and EC2's refusal of a snapshot (one encrypted with the AWS
/// managed key) comes before anything about the image has changed.
/// Unsharing takes the launch permission first (nobody new launches it),
/// then the snapshots'.
pub fn plan(direction: Direction, grantees: &[Grantee], holding: &Holding) -> Result<SharePlan, Refusal> {
    let mut wanted: Vec<Grantee> = grantees.to_vec();
    wanted.sort();
    wanted.dedup();
    let image_has = grantees_of(&holding.launch);
    let encrypted: Vec<&SnapshotSharing> = holding.snapshots.iter().filter(|s| s.encrypted).collect();
    if direction == Direction::Share && wanted.contains(&Grantee::Public) {
        if let Some(snapshot) = encrypted.first() {
            return Err(Refusal(format!(
                "{} cannot be made public: its snapshot {} is encrypted, and EC2 makes neither encrypted snapshots \
                 nor images with them public (share it with accounts instead)",
                holding.image_id, snapshot.snapshot_id
            )));
        }
        if holding.public_blocked == Some(true) && !image_has.contains(&Grantee::Public) {
            return Err(Refusal(format!(
                "{} cannot be made public: image block public access is on in this region (the account's \
                 setting ImageBlockPublicAccessState is block-new-sharing); EC2 refuses new public sharing until \
                 it is turned off (DisableImageBlockPublicAccess)",
                holding.image_id
            )));
        }
    }
    if direction == Direction::Share && wanted.iter().any(|g| g != &Grantee::Public) {
        let managed =
            encrypted.iter().find(|s| s.kms_key_id.as_ref().is_some_and(|k| holding.managed_keys.contains(k)));
        if let Some(snapshot) = managed {
            return Err(Refusal(format!(
                "{} cannot be shared: its snapshot {} is encrypted with the AWS managed key (aws/ebs), which EC2 \
                 cannot share; copy the image with a customer managed key (amitools copy --encrypted --kms-key-id \
                 KEY) and share the copy",
                holding.image_id, snapshot.snapshot_id
            )));
        }
    }
    let launch: Vec<Change> = wanted
        .iter()
        .map(|grantee| Change {
            resource: Resource::Launch(holding.image_id.clone()),
            grantee: grantee.clone(),
            already: image_has.contains(grantee) == (direction == Direction::Share),
        })
        .collect();
    // EC2 grants create-volume permission to accounts and to everyone only.
    let volume_grantees: Vec<&Grantee> =
        wanted.iter().filter(|g| matches!(g, Grantee::Account(_) | Grantee::Public)).collect();
    let mut volumes: Vec<Change> = Vec::new();
    // Encrypted snapshots first: the ones EC2 may refuse.
    let mut snapshots: Vec<&SnapshotSharing> = holding.snapshots.iter().collect();
    snapshots.sort_by_key(|s| !s.encrypted);
    for snapshot in snapshots {
        for grantee in &volume_grantees {
            volumes.push(Change {
                resource: Resource::CreateVolume(snapshot.snapshot_id.clone()),
                grantee: (*grantee).clone(),
                already: snapshot.volume_permissions.contains(grantee) == (direction == Direction::Share),
            });
        }
    }
    let changes = match direction {
        Direction::Share => volumes.into_iter().chain(launch).collect(),
        Direction::Unshare => launch.into_iter().chain(volumes).collect(),
    };
    Ok(SharePlan { direction, changes, notes: notes(direction, &wanted, holding, &encrypted) })
}

/// What the person should know: who can launch but not copy, which keys
/// the other accounts need.
fn notes(direction: Direction, wanted: &[Grantee], holding: &Holding, encrypted: &[&SnapshotSharing]) -> Vec<String> {
    let mut notes = Vec::new();
    if direction == Direction::Unshare {
        return notes;
    }
    for grantee in wanted.iter().filter(|g| matches!(g, Grantee::Organization(_) | Grantee::OrganizationalUnit(_))) {
        notes.push(format!(
            "the accounts of {} can launch {} but not copy it: EC2 grants snapshot (create-volume) permission \
             to accounts only; name the accounts that must copy it with --with ACCOUNT",
            grantee.describe(),
            holding.image_id
        ));
    }
    for (key, why) in &holding.unknown_keys {
        notes.push(format!(
            "whether KMS key {} is the AWS managed key could not be told ({}); if it is, EC2 refuses the share",
            shown(key),
            shown(why)
        ));
    }
    let mut keys: Vec<&str> = encrypted.iter().filter_map(|s| s.kms_key_id.as_deref()).collect();
    keys.sort();
    keys.dedup();
    if !keys.is_empty() && wanted.iter().any(|g| g != &Grantee::Public) {
        let keys: Vec<String> = keys.iter().map(|k| shown(k)).collect();
        notes.push(format!(
            "its snapshots are encrypted with KMS key {}: the other accounts also need {KEY_PERMISSIONS} on it \
             (in the key policy, or a grant); amitools does not read key policies",
            keys.join(", ")
        ));
    }
    notes
}

/// Whether `child` was made from `parent` by CopyImage. EC2 records a
/// source image and no source instance for a copy (CreateImage records
/// both); without EC2's record, amitools' own copies carry their source's
/// `source_instance` tag, where an image made by `create` names its own.
pub fn is_copy(child: &Image, parent: &Image) -> bool {
    if child.source_image_id.as_ref() == Some(&parent.id) {
        return child.source_instance_id.is_none();
    }
    if child.source_instance_id.is_some() {
        return false;
    }
    let (child_tags, parent_tags) = (RecordedLineage::from_tags(&child.tags), RecordedLineage::from_tags(&parent.tags));
    let parent_instance = parent_tags.source_instance.or_else(|| parent.source_instance_id.clone());
    child_tags.source_image.as_ref() == Some(&parent.id)
        && child_tags.source_instance.is_some()
        && child_tags.source_instance == parent_instance
}

/// The root's copies, and their copies, in the tree's order: what
/// `--copies` shares with the image. An image made from a copy by
/// CreateImage is a new image, not a copy, and neither are its descendants.
pub fn copies(tree: &Tree) -> Vec<Image> {
    let mut found = Vec::new();
    let mut stack: Vec<usize> = vec![0];
    while let Some(index) = stack.pop() {
        let node = &tree.nodes[index];
        let Some(image) = &node.image else { continue };
        for &child in node.children.iter().rev() {
            if let Some(copy) = tree.nodes[child].image.as_ref().filter(|c| is_copy(c, image)) {
                found.push((child, copy.clone()));
                stack.push(child);
            }
        }
    }
    found.sort_by_key(|(index, _)| *index);
    found.into_iter().map(|(_, image)| image).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
    const OU: &str = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdefgh34";

    fn holding(snapshots: Vec<SnapshotSharing>) -> Holding {
        Holding {
            image_id: "ami-0123456789abcdef0".parse().unwrap(),
            launch: Sharing::default(),
            snapshots,
            public_blocked: Some(false),
            managed_keys: Vec::new(),
            unknown_keys: Vec::new(),
        }
    }

    fn snapshot(id: &str, encrypted: bool) -> SnapshotSharing {
        SnapshotSharing {
            snapshot_id: id.into(),
            encrypted,
            kms_key_id: encrypted.then(|| "arn:aws:kms:us-east-1:123456789012:key/k1".to_string()),
            volume_permissions: Vec::new(),
        }
    }

    fn account(id: &str) -> Grantee {
        Grantee::Account(id.into())
    }

    fn summary(plan: &SharePlan) -> Vec<(String, &'static str, String, bool)> {
        plan.changes
            .iter()
            .map(|c| (c.resource.id().to_string(), c.resource.permission(), c.grantee.to_string(), c.already))
            .collect()
    }

    #[test]
    fn copies_are_told_from_images_made_by_create() {
        let region = |r: &str| r.parse::<crate::ids::Region>().unwrap();
        let mut root = Image::new("ami-00000001".parse().unwrap(), region("us-east-1"));
        root.source_instance_id = Some("i-0aaaaaaa".parse().unwrap());
        let by_ec2 = |id: &str, parent: &Image, instance: Option<&str>| {
            let mut image = Image::new(id.parse().unwrap(), region("eu-west-1"));
            image.source_image_id = Some(parent.id.clone());
            image.source_instance_id = instance.map(|i| i.parse().unwrap());
            image
        };
        assert!(is_copy(&by_ec2("ami-00000002", &root, None), &root));
        assert!(!is_copy(&by_ec2("ami-00000003", &root, Some("i-0bbbbbbb")), &root));
        // Tags only: a copy carries its source's source_instance, a create its own instance.
        let by_tags = |id: &str, instance: &str| {
            let mut image = Image::new(id.parse().unwrap(), region("eu-west-1"));
            image.tags.insert("source_image".into(), "ami-00000001".into());
            image.tags.insert("source_instance".into(), instance.into());
            image
        };
        assert!(is_copy(&by_tags("ami-00000004", "i-0aaaaaaa"), &root));
        assert!(!is_copy(&by_tags("ami-00000005", "i-0ccccccc"), &root));
    }

    #[test]
    fn grantees_are_account_ids_and_organizations_arns() {
        assert_eq!(
            parse_grantees("210987654321, 333344445555").unwrap(),
            [account("210987654321"), account("333344445555")]
        );
        assert_eq!(parse_grantees(ORG).unwrap(), [Grantee::Organization(ORG.into())]);
        assert_eq!(parse_grantees(OU).unwrap(), [Grantee::OrganizationalUnit(OU.into())]);
        assert!(parse_grantees("arn:aws-us-gov:organizations::111122223333:organization/o-abcdef1234").is_ok());
        for (bad, says) in [
            ("21098765432", "'21098765432' is not an account id (12 digits)"),
            ("all", "'all' is not an account id (12 digits), an organization ARN or an organizational unit ARN"),
            ("arn:aws:organizations::111122223333:organization/o-ABC", "names no valid organization id"),
            ("arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-1", "names no valid organizational unit"),
            ("arn:aws:organizations::111122223333:account/o-abcdef1234/210987654321", "is neither"),
            ("arn:aws:iam::111122223333:organization/o-abcdef1234", "is not an account id"),
            ("2109876543\u{1b}[2J", "'2109876543\\u{1b}[2J'"),
        ] {
            let error = parse_grantees(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn sharing_sends_the_snapshots_first_and_only_for_accounts() {
        let mut held = holding(vec![snapshot("snap-plain", false), snapshot("snap-enc", true)]);
        held.launch.accounts.push("333344445555".into());
        held.snapshots[0].volume_permissions.push(account("333344445555"));
        let wanted = [account("333344445555"), account("210987654321"), Grantee::Organization(ORG.into())];
        let plan = plan(Direction::Share, &wanted, &held).unwrap();
        assert_eq!(
            summary(&plan),
            [
                ("snap-enc".into(), "create-volume", "210987654321".into(), false),
                ("snap-enc".into(), "create-volume", "333344445555".into(), false),
                ("snap-plain".into(), "create-volume", "210987654321".into(), false),
                ("snap-plain".into(), "create-volume", "333344445555".into(), true),
                ("ami-0123456789abcdef0".into(), "launch", "210987654321".into(), false),
                ("ami-0123456789abcdef0".into(), "launch", "333344445555".into(), true),
                ("ami-0123456789abcdef0".into(), "launch", ORG.into(), false),
            ]
        );
        assert_eq!(plan.notes.len(), 2, "{:?}", plan.notes);
        assert!(plan.notes[0]
            .starts_with("the accounts of organization o-abcdef1234 can launch ami-0123456789abcdef0 but not copy it"));
        assert!(plan.notes[1].contains("KMS key arn:aws:kms:us-east-1:123456789012:key/k1"));
    }

    #[test]
    fn the_aws_managed_key_is_refused_before_any_change() {
        let mut held = holding(vec![snapshot("snap-enc", true)]);
        held.managed_keys.push("arn:aws:kms:us-east-1:123456789012:key/k1".into());
        let refusal = plan(Direction::Share, &[account("210987654321")], &held).unwrap_err();
        assert!(
            refusal.0.contains("its snapshot snap-enc is encrypted with the AWS managed key (aws/ebs)"),
            "{refusal}"
        );
        // Taking sharing away is never refused.
        assert!(plan(Direction::Unshare, &[account("210987654321")], &held).is_ok());
    }

    #[test]
    fn unsharing_takes_the_launch_permission_first() {
        let mut held = holding(vec![snapshot("snap-1", false)]);
        held.launch.accounts.push("210987654321".into());
        held.snapshots[0].volume_permissions.push(account("210987654321"));
        let plan = plan(Direction::Unshare, &[account("210987654321"), account("333344445555")], &held).unwrap();
        assert_eq!(
            summary(&plan),
            [
                ("ami-0123456789abcdef0".into(), "launch", "210987654321".into(), false),
                ("ami-0123456789abcdef0".into(), "launch", "333344445555".into(), true),
                ("snap-1".into(), "create-volume", "210987654321".into(), false),
                ("snap-1".into(), "create-volume", "333344445555".into(), true),
            ]
        );
        assert!(plan.notes.is_empty());
    }

    #[test]
    fn public_is_refused_for_encrypted_snapshots_and_under_block_public_access() {
        let encrypted = holding(vec![snapshot("snap-enc", true)]);
        let refusal = plan(Direction::Share, &[Grantee::Public], &encrypted).unwrap_err();
        assert!(refusal.0.contains("its snapshot snap-enc is encrypted"), "{refusal}");
        let mut blocked = holding(vec![snapshot("snap-1", false)]);
        blocked.public_blocked = Some(true);
        let refusal = plan(Direction::Share, &[Grantee::Public], &blocked).unwrap_err();
        assert!(refusal.0.contains("image block public access is on"), "{refusal}");
        // Taking public sharing away is never blocked.
        blocked.launch.public = true;
        assert!(plan(Direction::Unshare, &[Grantee::Public], &blocked).is_ok());
        let public = plan(Direction::Share, &[Grantee::Public], &holding(vec![snapshot("snap-1", false)])).unwrap();
        assert_eq!(
            summary(&public),
            [
                ("snap-1".into(), "create-volume", "all".into(), false),
                ("ami-0123456789abcdef0".into(), "launch", "all".into(), false),
            ]
        );
    }
}
