//! Which images `prune` keeps and which it deletes, and why. Pure: the
//! images, their uses and the clock come in; rows with reasons come out.
//!
//! An image the rules let go moves to the furthest retirement stage its age
//! allows (`--deprecate-after`, `--disable-after`, `--older-than`):
//! deprecation never breaks a launch, so only the family rule, protection,
//! the unfinished states and a pending child stop it; disabling and deleting
//! break launches, so each needs everything deletion needs, and an image
//! they may not touch is deprecated instead (when deprecation is asked).
//!
//! The decision runs in stages so that the expensive facts (what uses an
//! image) are asked only about images the cheap rules would disable or delete:
//! `decide` (family ranks, ages, protection, state, pending children, last
//! launch, public) → `apply_uses` (DescribeImageReferences, launch
//! configurations) → `apply_sharing` (launch permissions: other accounts'
//! uses are invisible from this one) → `apply_lineage` (--keep-ancestors,
//! broken ancestor walks) → `order`.
//! Every stage fails closed: missing information means keep.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use time::OffsetDateTime;

use super::shared_use::{Covered, OtherUse};
use crate::aws::{ImageKey, LAUNCH_CONFIGURATION};
use crate::ids::{AmiId, Region};
use crate::image::{Image, ImageReference, ImageState, Sharing, UsageEntry};
use crate::lineage::graph::parent_of;
use crate::lineage::RecordedLineage;
use crate::output::shown;

/// EC2 reports lastLaunchedTime up to 24 hours late: a launch that recent may not show yet.
pub const LAUNCH_REPORT_DELAY: Duration = Duration::from_secs(24 * 3600);

/// How late EC2's AMI usage reports may be: "instance activity from the
/// past 24 hours and launch template activity from the past few days might
/// not appear" (user guide, "View your AMI usage"). "A few days" is taken as
/// a week: a shared image is deleted only when its report and its last
/// launch are older than that.
pub const USAGE_REPORT_LAG: Duration = Duration::from_secs(7 * 86400);

/// What makes images one family, whose newest are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FamilyKind {
    /// The PREFIX of names amitools generates (`PREFIX-<seconds>-<random>`);
    /// any other name is a family of its own.
    Prefix,
    /// The value of this tag; an image without it is a family of its own.
    Tag(String),
    /// Images made from the same source image (lineage tag or EC2's record).
    Source,
}

impl FromStr for FamilyKind {
    type Err = String;
    fn from_str(value: &str) -> Result<FamilyKind, String> {
        match value {
            "prefix" => Ok(FamilyKind::Prefix),
            "source" => Ok(FamilyKind::Source),
            _ => match value.strip_prefix("tag:") {
                Some(key) if !key.is_empty() && key.chars().count() <= 128 && !key.chars().any(char::is_control) => {
                    Ok(FamilyKind::Tag(key.to_string()))
                }
                _ => Err(format!("unknown family '{}': expected prefix, source or tag:KEY", shown(value))),
            },
        }
    }
}

impl fmt::Display for FamilyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FamilyKind::Prefix => f.write_str("prefix"),
            FamilyKind::Source => f.write_str("source"),
            FamilyKind::Tag(key) => write!(f, "tag:{key}"),
        }
    }
}

/// The keep rules: an image is deleted only if every one of them allows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Newest available images kept per family and region (at least 1).
    pub keep: usize,
    /// Images younger than this are not deleted.
    pub older_than: Duration,
    /// Images at least this old are deprecated (None: never).
    pub deprecate_after: Option<Duration>,
    /// Images at least this old are disabled (None: never).
    pub disable_after: Option<Duration>,
    /// Images launched from within this (plus EC2's reporting delay) are kept.
    pub unused_for: Duration,
    pub family: FamilyKind,
    /// Keep every ancestor of every kept image.
    pub keep_ancestors: bool,
    /// Shared images may be deleted when EC2's usage reports show no use in
    /// the accounts they are shared with (and, with `include_public`, public ones).
    pub include_shared: bool,
    pub include_public: bool,
}

/// What the plan does to an image, from least to most: each stage is
/// further than the one before (the order is the derive's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Keep,
    /// EnableImageDeprecation: hidden from other accounts' listings, launches still work.
    Deprecate,
    /// DisableImage: nothing can launch it, its sharing is removed.
    Disable,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Deprecate => "deprecate",
            Action::Disable => "disable",
            Action::Delete => "delete",
        }
    }

    /// Whether the action stops launches (and so needs every use checked).
    pub fn breaks_launches(self) -> bool {
        matches!(self, Action::Disable | Action::Delete)
    }
}

/// Why an image is kept (or, `Unused`, why it may go).
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Deregistration protection, with EC2's value.
    Protected(String),
    /// A state that is not finished (pending, transient) or not EC2's.
    State(String),
    /// An image being made from it (create or copy in progress).
    SourceOfPending(ImageKey),
    /// Among the family's newest `keep` available images.
    Newest {
        rank: usize,
        keep: usize,
    },
    TooYoung {
        created: OffsetDateTime,
    },
    NoCreationDate,
    LaunchedRecently {
        at: OffsetDateTime,
    },
    InUse(ImageReference),
    /// Anyone may launch it (DescribeImages' Public, or the `all` group).
    Public,
    /// Other accounts may launch it: their uses are not visible from this account.
    Shared(Sharing),
    /// --include-shared: EC2's usage report shows these uses in other accounts.
    UsedElsewhere(Vec<UsageEntry>),
    /// --include-shared: younger than the usage reports' lag, so recent uses
    /// elsewhere may not show yet.
    SharedTooRecently {
        created: OffsetDateTime,
    },
    /// --include-shared: launched within --unused-for plus both reporting lags.
    LaunchedRecentlyShared {
        at: OffsetDateTime,
    },
    /// What uses the image could not be found out: kept (fail closed).
    Unchecked(String),
    /// --keep-ancestors: an ancestor of this kept image.
    AncestorOf(ImageKey),
    /// Old enough to deprecate (--deprecate-after), not to disable or delete.
    DeprecateAge {
        created: OffsetDateTime,
    },
    /// Deprecated already (by prune, by hand or by EC2's schedule): left as it is.
    AlreadyDeprecated {
        at: OffsetDateTime,
    },
    /// Disabled already: left as it is until it is old enough to delete.
    AlreadyDisabled,
    Unused,
}

impl Reason {
    /// A stable name for scripts (JSON `rules`).
    pub fn rule(&self) -> &'static str {
        match self {
            Reason::Protected(_) => "protected",
            Reason::State(_) => "state",
            Reason::SourceOfPending(_) => "source-of-pending",
            Reason::Newest { .. } => "newest",
            Reason::TooYoung { .. } => "too-young",
            Reason::NoCreationDate => "no-creation-date",
            Reason::LaunchedRecently { .. } => "launched-recently",
            Reason::InUse(_) => "in-use",
            Reason::Public => "public",
            Reason::Shared(_) => "shared",
            Reason::UsedElsewhere(_) => "in-use-elsewhere",
            Reason::SharedTooRecently { .. } => "shared-too-recently",
            Reason::LaunchedRecentlyShared { .. } => "launched-recently",
            Reason::Unchecked(_) => "unchecked",
            Reason::AncestorOf(_) => "ancestor",
            Reason::DeprecateAge { .. } => "deprecate-after",
            Reason::AlreadyDeprecated { .. } => "deprecated",
            Reason::AlreadyDisabled => "disabled",
            Reason::Unused => "unused",
        }
    }

    /// The reason in words, as the plan shows it. A reason that stopped a
    /// disable or a deletion the image's age was due for, leaving only its
    /// deprecation, says so.
    pub fn text(&self, row: &Row, rules: &Rules, now: OffsetDateTime) -> String {
        let text = self.describe(&row.image, &row.family, rules, now);
        match (row.action, row.due) {
            (Action::Deprecate, Action::Disable) => format!("{text} (deprecated, not disabled)"),
            (Action::Deprecate, Action::Delete) => format!("{text} (deprecated, not deleted)"),
            _ => text,
        }
    }

    /// The reason in words, for an image of `family`.
    pub fn describe(&self, image: &Image, family: &str, rules: &Rules, now: OffsetDateTime) -> String {
        match self {
            Reason::Protected(value) => format!("deregistration protection ({})", shown(value)),
            Reason::State(state) => format!("state {}", shown(state)),
            Reason::SourceOfPending((region, id)) => format!("source of pending {id} in {region}"),
            Reason::Newest { rank, keep } => format!("newest {rank} of {keep} in family {}", shown(family)),
            Reason::TooYoung { created } => {
                format!("too young: {} old (--older-than {})", age(now - *created), days(rules.older_than))
            }
            Reason::NoCreationDate => "no creation date: age unknown".to_string(),
            Reason::LaunchedRecently { at } => {
                format!("launched {} ago (--unused-for {} + 1d)", age(now - *at), days(rules.unused_for))
            }
            Reason::InUse(reference) => format!("in use by {}", describe_use(reference)),
            Reason::Public => "public (uses in other accounts are not visible from this account)".to_string(),
            Reason::Shared(sharing) => {
                format!("shared with {} (uses there are not visible from this account)", shared_with(sharing))
            }
            Reason::UsedElsewhere(entries) => format!("in use in {}", uses_elsewhere(entries)),
            Reason::SharedTooRecently { created } => format!(
                "shared and {} old: uses in other accounts of the last {} may not show in the usage report yet",
                age(now - *created),
                days(USAGE_REPORT_LAG)
            ),
            Reason::LaunchedRecentlyShared { at } => format!(
                "launched {} ago (--unused-for {} + 1d + {} usage report lag)",
                age(now - *at),
                days(rules.unused_for),
                days(USAGE_REPORT_LAG)
            ),
            Reason::Unchecked(why) => format!("use unknown, kept: {why}"),
            Reason::AncestorOf((_, id)) => format!("ancestor of kept {id} (--keep-ancestors)"),
            Reason::DeprecateAge { created } => {
                let deprecate_after = rules.deprecate_after.map(days).unwrap_or_default();
                format!("{} old (--deprecate-after {deprecate_after})", age(now - *created))
            }
            Reason::AlreadyDeprecated { at } if *at <= now => format!("deprecated {} ago", age(now - *at)),
            // EC2 rounded "now" to the next minute: due within seconds.
            Reason::AlreadyDeprecated { at } => format!(
                "deprecated at {}",
                at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            ),
            Reason::AlreadyDisabled => "disabled".to_string(),
            Reason::Unused => {
                let created = image.creation_date.map(|c| format!("{} old", age(now - c))).unwrap_or_default();
                let launched = match image.usage.last_launched {
                    Some(at) => format!("last launched {} ago", age(now - at)),
                    None => "never launched".to_string(),
                };
                format!("unused: {created}, {launched}")
            }
        }
    }
}

/// A resource that uses an image, in words: "launch template lt-0abc",
/// "instance i-0abc", "SSM parameter /golden/web", "launch configuration web-v3".
pub fn describe_use(reference: &ImageReference) -> String {
    if reference.resource_type == LAUNCH_CONFIGURATION {
        return format!("launch configuration {}", shown(&reference.resource));
    }
    // arn:aws:ec2:REGION:ACCOUNT:launch-template/lt-0abc → launch-template/lt-0abc
    let resource = reference.resource.splitn(6, ':').nth(5).unwrap_or(&reference.resource);
    let (kind, name) = resource.split_once('/').unwrap_or(("", resource));
    let kind = match (reference.resource_type.as_str(), kind) {
        ("ec2:Instance", _) => "instance",
        ("ec2:LaunchTemplate", _) => "launch template",
        ("ssm:Parameter", _) => return format!("SSM parameter /{}", shown(name.trim_start_matches('/'))),
        ("imagebuilder:ImageRecipe", _) => "Image Builder image recipe",
        ("imagebuilder:ContainerRecipe", _) => "Image Builder container recipe",
        (other, _) => other,
    };
    format!("{kind} {}", shown(name))
}

/// Uses in other accounts, in words: "account 210987654321 (2 instances,
/// 1 launch template), account 333344445555 (1 instance)".
pub fn uses_elsewhere(entries: &[UsageEntry]) -> String {
    let mut by_account: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for entry in entries {
        let kind = match entry.resource_type.as_str() {
            "ec2:Instance" => ("instance", "instances"),
            "ec2:LaunchTemplate" => ("launch template", "launch templates"),
            other => (other, other),
        };
        let noun = if entry.count == 1 { kind.0 } else { kind.1 };
        by_account.entry(&entry.account_id).or_default().push(format!("{} {}", entry.count, shown(noun)));
    }
    by_account
        .into_iter()
        .map(|(account, uses)| format!("account {} ({})", shown(account), uses.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who an image is shared with, in words: "210987654321, organization
/// o-abc123 and organizational unit ou-ab12-cdefgh34" (the first three, then
/// how many more).
pub fn shared_with(sharing: &Sharing) -> String {
    const SHOWN: usize = 3;
    let last_part = |arn: &str| shown(crate::image::organizations_id(arn));
    let sharing = sharing.normalized();
    let mut names: Vec<String> = sharing.accounts.iter().map(|a| shown(a)).collect();
    names.extend(sharing.organizations.iter().map(|o| format!("organization {}", last_part(o))));
    names.extend(sharing.organizational_units.iter().map(|u| format!("organizational unit {}", last_part(u))));
    if sharing.public {
        names.insert(0, "everyone (public)".to_string());
    }
    match names.len() {
        0 => "nobody".to_string(),
        n if n > SHOWN => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} and {last}", names.join(", "))
        }
    }
}

/// An age in the largest unit that says it: "3 days", "5 hours", "12 minutes".
pub fn age(elapsed: time::Duration) -> String {
    let seconds = elapsed.whole_seconds().max(0);
    let (n, unit) = match seconds {
        s if s >= 2 * 86400 => (s / 86400, "days"),
        s if s >= 86400 => (1, "day"),
        s if s >= 7200 => (s / 3600, "hours"),
        s if s >= 3600 => (1, "hour"),
        s => (s / 60, "minutes"),
    };
    format!("{n} {unit}")
}

/// A rule's duration as given: whole days as `14d`, else seconds.
pub fn days(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds % 86400 == 0 {
        format!("{}d", seconds / 86400)
    } else {
        format!("{seconds}s")
    }
}

/// One image in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub image: Image,
    /// The family's label, as the plan shows it.
    pub family: String,
    /// What the image ranks in.
    pub family_id: FamilyId,
    pub action: Action,
    /// The furthest stage the image's age allows (Keep: none); `action` is
    /// less when another rule stops it there.
    pub due: Action,
    /// The deciding reason first; for a kept image, every cheap rule that keeps it.
    pub reasons: Vec<Reason>,
    /// For a copy in another region: the image it was copied from.
    pub copy_of: Option<ImageKey>,
    /// Kept images whose `ancestors` walk will end at this image once it is deleted.
    pub ends_ancestry_of: Vec<ImageKey>,
    /// For a deletion: whether the Recycle Bin keeps it (set by `gather`).
    pub recovery: Option<super::recycle::Recovery>,
    /// Who may launch it, where that was asked (only of images every other
    /// rule would delete: one call an image).
    pub sharing: Option<Sharing>,
    /// --include-shared: the usage report that found no use in other
    /// accounts (None: each account was asked itself, --accounts), and the
    /// accounts covered.
    pub checked_elsewhere: Option<(Option<String>, Covered)>,
}

impl Row {
    pub fn key(&self) -> ImageKey {
        (self.image.region.clone(), self.image.id.clone())
    }

    /// A disable or deletion stopped by `reasons`: the image is deprecated
    /// instead when deprecation is asked and it is not deprecated yet, else kept.
    fn fall_back(&mut self, reasons: Vec<Reason>, rules: &Rules, now: OffsetDateTime) {
        let deprecate = rules.deprecate_after.is_some()
            && self.image.state == ImageState::Available
            && !self.image.usage.is_deprecated(now);
        self.action = if deprecate { Action::Deprecate } else { Action::Keep };
        self.reasons = reasons;
    }
}

/// Which family an image ranks in. The kind of label is part of it, so that
/// families of different kinds never meet: a hand-named `golden` is not one
/// of the generated `golden-<seconds>-<random>` images, and an image without
/// a tag is not in the family of an image whose tag's value looks like that
/// fallback text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FamilyId {
    /// Names amitools generated with this PREFIX.
    Generated(String),
    /// Exactly this (hand-given) name.
    Named(String),
    /// This value of the family tag.
    Tagged(String),
    /// Made from this source image.
    From(AmiId),
    /// No name, no tag or no source: the image is a family of its own.
    Alone(AmiId),
}

/// An image's family: what it ranks in, and how the plan names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub id: FamilyId,
    pub label: String,
}

/// The family an image belongs to under `kind`.
pub fn family_of(image: &Image, kind: &FamilyKind) -> Family {
    let alone = |label: String| Family { id: FamilyId::Alone(image.id.clone()), label };
    match kind {
        FamilyKind::Prefix => match &image.name {
            Some(name) => match generated_prefix(name) {
                Some(prefix) => Family { id: FamilyId::Generated(prefix.to_string()), label: prefix.to_string() },
                None => Family { id: FamilyId::Named(name.clone()), label: name.clone() },
            },
            None => alone(image.id.to_string()),
        },
        FamilyKind::Tag(key) => match image.tags.get(key) {
            Some(value) => Family { id: FamilyId::Tagged(value.clone()), label: value.clone() },
            None => alone(format!("{} (no tag {})", image.id, key)),
        },
        FamilyKind::Source => match parent_of(image, false) {
            Some(link) => Family { label: format!("from {}", link.parent), id: FamilyId::From(link.parent) },
            None => alone(format!("{} (no source)", image.id)),
        },
    }
}

/// PREFIX of a name amitools generated: `PREFIX-<digits>-<15 digits>`.
fn generated_prefix(name: &str) -> Option<&str> {
    let (rest, random) = name.rsplit_once('-')?;
    let (prefix, seconds) = rest.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(random) && random.len() == 15 && digits(seconds) && seconds.len() <= 12 && !prefix.is_empty())
        .then_some(prefix)
}

/// States DeregisterImage is for: finished images, good or bad.
fn deletable_state(state: &ImageState) -> bool {
    matches!(
        state,
        ImageState::Available | ImageState::Disabled | ImageState::Failed | ImageState::Error | ImageState::Invalid
    )
}

/// Every image a pending image (a create or copy in progress) may be made
/// from, by id: EC2's record (SourceImageId) and the `source_image` tag
/// alike. The two can disagree — a copy made with `--copy-image-tags` carries
/// its source's own `source_image` tag — and either may be the one the copy
/// still reads, so each keeps the image it names. Keyed by id alone, in any
/// region: a `source_region` tag may be wrong, and AMI ids do not repeat.
pub fn pending_children(images: &[Image]) -> HashMap<AmiId, ImageKey> {
    let mut sources = HashMap::new();
    for image in images.iter().filter(|image| image.state == ImageState::Pending) {
        let child = (image.region.clone(), image.id.clone());
        let by_tag = RecordedLineage::from_tags(&image.tags).source_image;
        for source in by_tag.into_iter().chain(image.source_image_id.clone()) {
            sources.entry(source).or_insert_with(|| child.clone());
        }
    }
    sources
}

/// The rules that make deleting an image unsafe at this moment, whatever
/// the plan's policy (family rank, age) said: protection, state, a pending
/// child, a recent launch. `decide` and the re-check before each deletion share them.
fn safety_reasons(
    image: &Image,
    pending_children: &HashMap<AmiId, ImageKey>,
    rules: &Rules,
    now: OffsetDateTime,
) -> Vec<Reason> {
    let mut reasons = hard_reasons(image, pending_children);
    reasons.extend(launch_reasons(image, rules, now));
    reasons
}

/// What keeps an image from every stage, deprecation too: protection, an
/// unfinished state, a pending image made from it.
fn hard_reasons(image: &Image, pending_children: &HashMap<AmiId, ImageKey>) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if image.usage.is_protected() {
        reasons.push(Reason::Protected(image.usage.protection.clone().unwrap_or_default()));
    }
    if !deletable_state(&image.state) {
        reasons.push(Reason::State(image.state.to_string()));
    }
    if let Some(child) = pending_children.get(&image.id) {
        reasons.push(Reason::SourceOfPending(child.clone()));
    }
    reasons
}

/// What DescribeImages itself tells that keeps an image launchable: a
/// recent launch, public. They stop a disable or a deletion, not a deprecation.
fn launch_reasons(image: &Image, rules: &Rules, now: OffsetDateTime) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let unused_for = rules.unused_for + LAUNCH_REPORT_DELAY;
    if let Some(at) = image.usage.last_launched.filter(|at| now - *at < unused_for) {
        reasons.push(Reason::LaunchedRecently { at });
    }
    if image.usage.public == Some(true) && !(rules.include_shared && rules.include_public) {
        reasons.push(Reason::Public);
    }
    reasons
}

/// What is known about who may launch an image besides its owner.
pub type Launchers = Result<Sharing, String>;

/// Just before DeregisterImage: why the image (as EC2 describes it now) must
/// be kept after all; empty when it may go. `uses` is what uses it now,
/// `launchers` who may launch it now, `elsewhere` what its usage report says
/// now (--include-shared).
#[allow(clippy::too_many_arguments)]
pub fn recheck(
    image: &Image,
    account: &str,
    pending_children: &HashMap<AmiId, ImageKey>,
    uses: &Use,
    launchers: &Launchers,
    elsewhere: Option<&OtherUse>,
    rules: &Rules,
    now: OffsetDateTime,
) -> Vec<Reason> {
    if image.owner.as_deref() != Some(account) {
        return vec![Reason::Unchecked(format!("not owned by account {account}"))];
    }
    let mut reasons = safety_reasons(image, pending_children, rules, now);
    match uses {
        Use::Checked(references) => reasons.extend(references.iter().cloned().map(Reason::InUse)),
        Use::Unchecked(why) => reasons.push(Reason::Unchecked(why.clone())),
    }
    reasons.extend(sharing_reasons(image, launchers, elsewhere, rules, now));
    reasons
}

/// Whether the rules let a shared image go on its usage report's word: with
/// --include-shared (and --include-public for a public one).
pub fn report_decides(sharing: &Sharing, rules: &Rules) -> bool {
    sharing.is_shared() && rules.include_shared && (!sharing.public || rules.include_public)
}

/// Why who may launch an image keeps it: public, shared, or not known; with
/// --include-shared, what its usage report says and the reports' lag.
fn sharing_reasons(
    image: &Image,
    launchers: &Launchers,
    elsewhere: Option<&OtherUse>,
    rules: &Rules,
    now: OffsetDateTime,
) -> Vec<Reason> {
    let sharing = match launchers {
        Err(why) => return vec![Reason::Unchecked(format!("who may launch it is unknown: {why}"))],
        Ok(sharing) if !sharing.is_shared() => return Vec::new(),
        Ok(sharing) => sharing,
    };
    if !report_decides(sharing, rules) {
        return vec![if sharing.public { Reason::Public } else { Reason::Shared(sharing.clone()) }];
    }
    match elsewhere {
        None => vec![Reason::Unchecked("use in other accounts unknown: not checked".to_string())],
        Some(OtherUse::Unknown(why)) => vec![Reason::Unchecked(format!("use in other accounts unknown: {why}"))],
        Some(OtherUse::Used(entries)) => vec![Reason::UsedElsewhere(entries.clone())],
        // Asked in each account itself: no report lag to allow for (the
        // image's own lastLaunchedTime is checked like any other's).
        Some(OtherUse::UnusedThere { .. }) => Vec::new(),
        Some(OtherUse::Unused { .. }) => {
            let mut reasons = Vec::new();
            match image.creation_date {
                Some(created) if now - created < USAGE_REPORT_LAG => {
                    reasons.push(Reason::SharedTooRecently { created })
                }
                Some(_) => {}
                None => reasons.push(Reason::NoCreationDate),
            }
            let margin = rules.unused_for + LAUNCH_REPORT_DELAY + USAGE_REPORT_LAG;
            if let Some(at) = image.usage.last_launched.filter(|at| now - *at < margin) {
                reasons.push(Reason::LaunchedRecentlyShared { at });
            }
            reasons
        }
    }
}

/// What every own image of the scanned regions (in scope or not) tells
/// about the others: which are sources of pending images, and each one's
/// parent. Kept instead of the images themselves: an account of 10,000
/// images need not be held twice.
#[derive(Debug, Default)]
pub struct Surroundings {
    pub pending_children: HashMap<AmiId, ImageKey>,
    pub parents: HashMap<ImageKey, ImageKey>,
}

impl Surroundings {
    pub fn of(all_own: &[Image]) -> Surroundings {
        Surroundings {
            pending_children: pending_children(all_own),
            parents: all_own
                .iter()
                .filter_map(|image| {
                    let link = parent_of(image, false)?;
                    Some(((image.region.clone(), image.id.clone()), (link.region, link.parent)))
                })
                .collect(),
        }
    }
}

/// Stage 1: the cheap rules, on the images in scope. An image listed twice
/// (overlapping pages, a region named twice) is one image: ranks must not
/// depend on how often EC2 showed it.
pub fn decide(scope: Vec<Image>, around: &Surroundings, rules: &Rules, now: OffsetDateTime) -> Vec<Row> {
    let pending_children = &around.pending_children;
    let mut seen = HashSet::new();
    let scope: Vec<Image> = scope
        .into_iter()
        .filter(|i| i.state != ImageState::Deregistered)
        .filter(|i| seen.insert((i.region.clone(), i.id.clone())))
        .collect();
    // Per region and family, the available images newest first: their rank.
    let mut families: BTreeMap<(Region, FamilyId), Vec<&Image>> = BTreeMap::new();
    let family_of_each: Vec<Family> = scope.iter().map(|image| family_of(image, &rules.family)).collect();
    for (image, family) in scope.iter().zip(&family_of_each) {
        // An image without a date cannot be ranked (it is kept anyway); a
        // deprecated one is on its way out: the family's newest are the others.
        if image.state == ImageState::Available && image.creation_date.is_some() && !image.usage.is_deprecated(now) {
            families.entry((image.region.clone(), family.id.clone())).or_default().push(image);
        }
    }
    let mut rank: HashMap<ImageKey, usize> = HashMap::new();
    for members in families.values_mut() {
        members.sort_by(|a, b| b.creation_date.cmp(&a.creation_date).then_with(|| b.id.cmp(&a.id)));
        for (position, image) in members.iter().enumerate() {
            rank.insert((image.region.clone(), image.id.clone()), position + 1);
        }
    }
    scope
        .into_iter()
        .zip(family_of_each)
        .map(|(image, family)| {
            let key = (image.region.clone(), image.id.clone());
            let due = due_stage(&image, rules, now);
            let mut hard = hard_reasons(&image, pending_children);
            if let Some(rank) = rank.get(&key).filter(|rank| **rank <= rules.keep) {
                hard.push(Reason::Newest { rank: *rank, keep: rules.keep });
            }
            match image.creation_date {
                Some(created) if due == Action::Keep => hard.push(Reason::TooYoung { created }),
                Some(_) => {}
                None => hard.push(Reason::NoCreationDate),
            }
            let launch = launch_reasons(&image, rules, now);
            let copy_of = parent_of(&image, false)
                .filter(|link| link.region != image.region)
                .map(|link| (link.region, link.parent));
            let mut row = Row {
                image,
                family: family.label,
                family_id: family.id,
                action: Action::Keep,
                due,
                reasons: Vec::new(),
                copy_of,
                ends_ancestry_of: Vec::new(),
                recovery: None,
                sharing: None,
                checked_elsewhere: None,
            };
            if !hard.is_empty() {
                // Every cheap rule that keeps it, the launch ones too.
                row.reasons = hard.into_iter().chain(launch).collect();
            } else if !launch.is_empty() && due.breaks_launches() {
                row.fall_back(launch, rules, now);
            } else if row.image.state == ImageState::Disabled && due < Action::Delete {
                row.reasons = vec![Reason::AlreadyDisabled];
            } else if due == Action::Deprecate {
                match row.image.usage.deprecation_time.filter(|_| row.image.usage.is_deprecated(now)) {
                    Some(at) => row.reasons = vec![Reason::AlreadyDeprecated { at }],
                    None => {
                        row.action = Action::Deprecate;
                        row.reasons = vec![Reason::DeprecateAge { created: row.image.creation_date.unwrap_or(now) }];
                    }
                }
            } else {
                row.action = due;
                row.reasons = vec![Reason::Unused];
            }
            row
        })
        .collect()
}

/// Each stage comes at the age of the one before or later: deprecate, then
/// disable, then delete (--older-than). The error names both flags.
pub fn check_stages(
    deprecate_after: Option<Duration>,
    disable_after: Option<Duration>,
    older_than: Duration,
) -> Result<(), String> {
    let stages = [
        ("--deprecate-after", deprecate_after),
        ("--disable-after", disable_after),
        ("--older-than", Some(older_than)),
    ];
    let given: Vec<(&str, Duration)> = stages.iter().filter_map(|(name, after)| after.map(|a| (*name, a))).collect();
    for pair in given.windows(2) {
        let ((earlier, a), (later, b)) = (pair[0], pair[1]);
        if a > b {
            return Err(format!(
                "{earlier} {} is later than {later} {}: each stage must come at the age of the one before or later",
                days(a),
                days(b)
            ));
        }
    }
    Ok(())
}

/// The furthest stage an image's age allows: deleted from --older-than;
/// disabled from --disable-after and deprecated from --deprecate-after, for
/// an image that can be launched (or is disabled). Failed and invalid images
/// only ever go by deletion.
fn due_stage(image: &Image, rules: &Rules, now: OffsetDateTime) -> Action {
    let Some(created) = image.creation_date else { return Action::Keep };
    let age = now - created;
    let reached = |after: Option<Duration>| after.is_some_and(|after| age >= after);
    let stages = matches!(image.state, ImageState::Available | ImageState::Disabled);
    if age >= rules.older_than {
        Action::Delete
    } else if stages && reached(rules.disable_after) {
        Action::Disable
    } else if stages && reached(rules.deprecate_after) {
        Action::Deprecate
    } else {
        Action::Keep
    }
}

/// The images stage 1 would disable or delete: the only ones whose uses are
/// worth asking EC2 about (a deprecation breaks no use).
pub fn to_check(rows: &[Row]) -> Vec<ImageKey> {
    rows.iter().filter(|row| row.action.breaks_launches()).map(Row::key).collect()
}

/// What is known about an image's uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Use {
    /// Every check answered: these resources use it (none: unused).
    Checked(Vec<ImageReference>),
    /// A check failed, was refused or did not finish: why.
    Unchecked(String),
}

/// Stage 2: an image in use, or whose use is unknown, is neither disabled
/// nor deleted (deprecated instead, when asked).
pub fn apply_uses(rows: &mut [Row], uses: &HashMap<ImageKey, Use>, rules: &Rules, now: OffsetDateTime) {
    for row in rows.iter_mut().filter(|row| row.action.breaks_launches()) {
        let reasons: Vec<Reason> = match uses.get(&row.key()) {
            None => vec![Reason::Unchecked("not checked".to_string())],
            Some(Use::Unchecked(why)) => vec![Reason::Unchecked(why.clone())],
            Some(Use::Checked(references)) => references.iter().cloned().map(Reason::InUse).collect(),
        };
        if !reasons.is_empty() {
            row.fall_back(reasons, rules, now);
        }
    }
}

/// Stage 3: an image other accounts may launch is kept (their launch
/// templates and instances are invisible from this account) — unless, with
/// --include-shared, its usage report (`elsewhere`) shows no use there and
/// it is older than the reports' lag; one whose launch permissions are
/// unknown is kept too. Each image asked about keeps what was read.
pub fn apply_sharing(
    rows: &mut [Row],
    launchers: &HashMap<ImageKey, Launchers>,
    elsewhere: &HashMap<ImageKey, OtherUse>,
    rules: &Rules,
    now: OffsetDateTime,
) {
    for row in rows.iter_mut().filter(|row| row.action.breaks_launches()) {
        let known = launchers.get(&row.key()).cloned().unwrap_or_else(|| Err("not checked".to_string()));
        if let Ok(sharing) = &known {
            row.sharing = Some(sharing.clone());
        }
        let report = elsewhere.get(&row.key());
        let reasons = sharing_reasons(&row.image, &known, report, rules, now);
        if !reasons.is_empty() {
            row.fall_back(reasons, rules, now);
        } else if let Some(OtherUse::Unused { report_id, covered }) = report {
            row.checked_elsewhere = Some((Some(report_id.clone()), covered.clone()));
        } else if let Some(OtherUse::UnusedThere { accounts }) = report {
            row.checked_elsewhere = Some((None, Covered::These(accounts.clone())));
        }
    }
}

/// Stage 4: with `keep_ancestors`, every ancestor of an image that stays
/// (kept, deprecated or disabled) is neither disabled nor deleted; then each
/// deleted image learns which other images' ancestor walks end at it.
/// Parents are looked up among the scanned regions' own images.
pub fn apply_lineage(rows: &mut [Row], around: &Surroundings, rules: &Rules, now: OffsetDateTime) {
    let keep_ancestors = rules.keep_ancestors;
    let parents = &around.parents;
    let position: HashMap<ImageKey, usize> = rows.iter().enumerate().map(|(i, row)| (row.key(), i)).collect();
    let ancestors = |start: &ImageKey| {
        let mut chain = Vec::new();
        let mut seen = HashSet::from([start.clone()]);
        let mut current = start.clone();
        while let Some(parent) = parents.get(&current) {
            if !seen.insert(parent.clone()) {
                break; // a loop in someone's tags
            }
            chain.push(parent.clone());
            current = parent.clone();
        }
        chain
    };
    let kept: Vec<ImageKey> = rows.iter().filter(|row| row.action != Action::Delete).map(Row::key).collect();
    if keep_ancestors {
        for key in &kept {
            for ancestor in ancestors(key) {
                if let Some(&i) = position.get(&ancestor) {
                    if rows[i].action.breaks_launches() {
                        rows[i].fall_back(vec![Reason::AncestorOf(key.clone())], rules, now);
                    }
                }
            }
        }
    }
    for row_index in 0..rows.len() {
        if rows[row_index].action == Action::Delete {
            continue;
        }
        let key = rows[row_index].key();
        let first_deleted = ancestors(&key)
            .into_iter()
            .filter_map(|ancestor| position.get(&ancestor).copied())
            .find(|&i| rows[i].action == Action::Delete);
        if let Some(i) = first_deleted {
            rows[i].ends_ancestry_of.push(key);
        }
    }
}

/// Stage 5: by family, region and age (newest first), each cross-region
/// copy right after the image it was copied from when that is in the plan.
pub fn order(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| {
        (&a.family, &a.family_id, &a.image.region)
            .cmp(&(&b.family, &b.family_id, &b.image.region))
            .then_with(|| b.image.creation_date.cmp(&a.image.creation_date))
            .then_with(|| a.image.id.cmp(&b.image.id))
    });
    let present: HashSet<ImageKey> = rows.iter().map(Row::key).collect();
    let mut copies: HashMap<ImageKey, Vec<usize>> = HashMap::new();
    let mut tops = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match &row.copy_of {
            Some(source) if present.contains(source) && source != &row.key() => {
                copies.entry(source.clone()).or_default().push(i)
            }
            _ => tops.push(i),
        }
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut placed = vec![false; rows.len()];
    let mut stack: Vec<usize> = tops.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut placed[i], true) {
            continue;
        }
        order.push(i);
        if let Some(children) = copies.get(&rows[i].key()) {
            stack.extend(children.iter().rev());
        }
    }
    // Copies in a loop of copies (tags naming each other) have no top: keep them too.
    order.extend((0..rows.len()).filter(|i| !placed[*i]));
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{region, OWN_ACCOUNT};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    fn rules() -> Rules {
        Rules {
            keep: 2,
            older_than: Duration::from_secs(14 * 86400),
            deprecate_after: None,
            disable_after: None,
            unused_for: Duration::from_secs(30 * 86400),
            family: FamilyKind::Prefix,
            keep_ancestors: false,
            include_shared: false,
            include_public: false,
        }
    }

    /// An own image in us-east-1 named `NAME`, `days_old` days old.
    fn image(id: &str, name: &str, days_old: i64) -> Image {
        let mut image = Image::new(id.parse().unwrap(), region("us-east-1"));
        image.owner = Some(OWN_ACCOUNT.into());
        image.name = Some(name.to_string());
        image.creation_date = Some(NOW - time::Duration::days(days_old));
        image
    }

    fn web(id: &str, days_old: i64) -> Image {
        image(id, &format!("web-{}-123456789012345", 1_700_000_000 + days_old), days_old)
    }

    fn key(r: &str, id: &str) -> ImageKey {
        (region(r), id.parse().unwrap())
    }

    fn actions(rows: &[Row]) -> Vec<(String, Action, &'static str)> {
        rows.iter().map(|r| (r.image.id.to_string(), r.action, r.reasons[0].rule())).collect()
    }

    fn row<'a>(rows: &'a [Row], id: &str) -> &'a Row {
        rows.iter().find(|r| r.image.id.as_str() == id).unwrap()
    }

    #[test]
    fn a_shared_image_goes_on_its_usage_report_only_past_the_reports_lag() {
        let include = Rules { include_shared: true, ..rules() };
        let shared = Sharing { accounts: vec!["210987654321".into()], ..Sharing::default() };
        let unused = OtherUse::Unused {
            report_id: "amiur-1".into(),
            covered: super::super::shared_use::Covered::These(vec!["210987654321".into()]),
        };
        let decide_one = |image: Image, rules: &Rules| {
            let key = (image.region.clone(), image.id.clone());
            let mut rows = vec![Row {
                family: "web".into(),
                family_id: FamilyId::Alone(image.id.clone()),
                action: Action::Delete,
                due: Action::Delete,
                reasons: vec![Reason::Unused],
                copy_of: None,
                ends_ancestry_of: Vec::new(),
                recovery: None,
                sharing: None,
                checked_elsewhere: None,
                image,
            }];
            let launchers = HashMap::from([(key.clone(), Ok(shared.clone()))]);
            let elsewhere = HashMap::from([(key, unused.clone())]);
            apply_sharing(&mut rows, &launchers, &elsewhere, rules, NOW);
            rows.remove(0)
        };
        let old = decide_one(web("ami-00000001", 60), &include);
        assert_eq!((old.action, old.checked_elsewhere.is_some()), (Action::Delete, true));
        let young = decide_one(web("ami-00000002", 3), &include);
        assert_eq!(young.reasons[0].rule(), "shared-too-recently");
        assert!(young.reasons[0].text(&young, &include, NOW).contains("of the last 7d may not show"));
        let mut launched = web("ami-00000003", 60);
        launched.usage.last_launched = Some(NOW - time::Duration::days(35));
        let launched = decide_one(launched, &include);
        assert_eq!(
            launched.reasons[0].text(&launched, &include, NOW),
            "launched 35 days ago (--unused-for 30d + 1d + 7d usage report lag)"
        );
        // Without --include-shared the report is not even consulted.
        let kept = decide_one(web("ami-00000004", 60), &rules());
        assert_eq!(kept.reasons[0].rule(), "shared");
    }

    #[test]
    fn families_from_generated_names_tags_and_sources() {
        let generated = web("ami-00000001", 20);
        let label = |image: &Image, kind: &FamilyKind| family_of(image, kind).label;
        assert_eq!(label(&generated, &FamilyKind::Prefix), "web");
        let mut hand = image("ami-00000002", "golden base", 20);
        assert_eq!(label(&hand, &FamilyKind::Prefix), "golden base");
        assert_eq!(label(&image("ami-00000003", "web-12-34", 1), &FamilyKind::Prefix), "web-12-34");
        hand.tags.insert("team".into(), "payments".into());
        assert_eq!(label(&hand, &FamilyKind::Tag("team".into())), "payments");
        assert_eq!(label(&generated, &FamilyKind::Tag("team".into())), "ami-00000001 (no tag team)");
        hand.tags.insert("source_image".into(), "ami-0000000a".into());
        assert_eq!(label(&hand, &FamilyKind::Source), "from ami-0000000a");
        for good in ["prefix", "source", "tag:team"] {
            assert_eq!(good.parse::<FamilyKind>().unwrap().to_string(), good);
        }
        for bad in ["", "tag:", "name", "tag:\u{1b}x", "Prefix"] {
            assert!(bad.parse::<FamilyKind>().unwrap_err().starts_with("unknown family"), "{bad}");
        }
    }

    #[test]
    fn keeps_the_newest_per_family_and_the_young() {
        let images = vec![
            web("ami-00000001", 40),
            web("ami-00000002", 30),
            web("ami-00000003", 20),
            web("ami-00000004", 10),
            image("ami-00000005", "other", 50),
        ];
        let rows = decide(images.clone(), &Surroundings::of(&images), &rules(), NOW);
        assert_eq!(
            actions(&rows),
            vec![
                ("ami-00000001".into(), Action::Delete, "unused"),
                ("ami-00000002".into(), Action::Delete, "unused"),
                ("ami-00000003".into(), Action::Keep, "newest"),
                ("ami-00000004".into(), Action::Keep, "newest"),
                ("ami-00000005".into(), Action::Keep, "newest"),
            ]
        );
        assert_eq!(row(&rows, "ami-00000004").reasons[1], Reason::TooYoung { created: NOW - time::Duration::days(10) });
        let first = row(&rows, "ami-00000001");
        assert_eq!(first.reasons[0].text(first, &rules(), NOW), "unused: 40 days old, never launched");
        let newest = row(&rows, "ami-00000003");
        assert_eq!(newest.reasons[0].text(newest, &rules(), NOW), "newest 2 of 2 in family web");
    }

    #[test]
    fn families_are_per_region_and_only_available_images_count_as_newest() {
        let mut failed = web("ami-00000003", 20);
        failed.state = ImageState::Failed;
        let mut copy = web("ami-00000009", 35);
        copy.region = region("eu-west-1");
        let images = vec![web("ami-00000001", 40), web("ami-00000002", 30), failed, copy];
        let rows = decide(images.clone(), &Surroundings::of(&images), &rules(), NOW);
        assert_eq!(
            actions(&rows),
            vec![
                ("ami-00000001".into(), Action::Keep, "newest"),
                ("ami-00000002".into(), Action::Keep, "newest"),
                ("ami-00000003".into(), Action::Delete, "unused"),
                ("ami-00000009".into(), Action::Keep, "newest"),
            ]
        );
    }

    #[test]
    fn protection_state_pending_children_launches_and_missing_dates_keep() {
        let mut protected = web("ami-00000001", 90);
        protected.usage.protection = Some("enabled-with-cooldown".into());
        let mut cooling = web("ami-00000002", 90);
        cooling.usage.protection = Some("disabled-until 2026-12-01T00:00:00.000Z".into());
        let mut launched = web("ami-00000003", 90);
        launched.usage.last_launched = Some(NOW - time::Duration::days(30)); // 30d + the day of delay
        let mut launched_long_ago = web("ami-00000004", 90);
        launched_long_ago.usage.last_launched = Some(NOW - time::Duration::days(32));
        let mut undated = web("ami-00000005", 90);
        undated.creation_date = None;
        let mut transient = web("ami-00000006", 90);
        transient.state = ImageState::Transient;
        let source = web("ami-00000007", 90);
        let mut child = web("ami-00000010", 0);
        child.state = ImageState::Pending;
        child.source_image_id = Some("ami-00000007".parse().unwrap());
        let recent = [web("ami-00000020", 1), web("ami-00000021", 2)];
        let mut scope = vec![protected, cooling, launched, launched_long_ago, undated, transient, source];
        scope.extend(recent.iter().cloned());
        let mut all = scope.clone();
        all.push(child);
        let rows = decide(scope, &Surroundings::of(&all), &rules(), NOW);
        let rule = |id: &str| row(&rows, id).reasons[0].rule();
        assert_eq!(rule("ami-00000001"), "protected");
        assert_eq!(rule("ami-00000002"), "protected");
        assert_eq!(rule("ami-00000003"), "launched-recently");
        assert_eq!(rule("ami-00000004"), "unused");
        assert_eq!(rule("ami-00000005"), "no-creation-date");
        assert_eq!(rule("ami-00000006"), "state");
        assert_eq!(rule("ami-00000007"), "source-of-pending");
        let source_row = row(&rows, "ami-00000007");
        assert_eq!(
            source_row.reasons[0].text(source_row, &rules(), NOW),
            "source of pending ami-00000010 in us-east-1"
        );
        let launched_row = row(&rows, "ami-00000003");
        assert_eq!(
            launched_row.reasons[0].text(launched_row, &rules(), NOW),
            "launched 30 days ago (--unused-for 30d + 1d)"
        );
        assert_eq!(to_check(&rows), vec![key("us-east-1", "ami-00000004")]);
    }

    /// A copy in progress whose tags were copied from its source
    /// (`copy-image --copy-image-tags`): its `source_image` tag names the
    /// source's parent, EC2's record the source. Both are kept, wherever the
    /// tags say they are.
    #[test]
    fn every_source_a_pending_image_names_is_kept() {
        let parent = web("ami-00000001", 90);
        let source = web("ami-00000002", 80);
        let mut copy = web("ami-00000009", 0);
        copy.region = region("eu-west-1");
        copy.state = ImageState::Pending;
        copy.source_image_id = Some(source.id.clone());
        copy.source_image_region = Some(region("us-east-1"));
        copy.tags.insert("source_image".into(), parent.id.to_string());
        copy.tags.insert("source_region".into(), "ap-south-2".into()); // wrong, and it must not matter
        let others: Vec<Image> = (3..=5).map(|n| web(&format!("ami-0000000{n}"), 20 + n as i64)).collect();
        let mut scope = vec![parent, source];
        scope.extend(others);
        let mut all = scope.clone();
        all.push(copy);
        let rows = decide(scope, &Surroundings::of(&all), &rules(), NOW);
        for id in ["ami-00000001", "ami-00000002"] {
            assert_eq!(row(&rows, id).reasons[0], Reason::SourceOfPending(key("eu-west-1", "ami-00000009")), "{id}");
        }
        assert_eq!(to_check(&rows), vec![key("us-east-1", "ami-00000005")], "3 and 4 are the newest two");
    }

    /// The same six images listed twice (a region named twice, pages that
    /// overlap): ranked once, so `keep 3` keeps three.
    #[test]
    fn an_image_listed_twice_is_ranked_once() {
        let six: Vec<Image> = (1..=6).map(|n| web(&format!("ami-0000000{n}"), 100 - n as i64)).collect();
        let twice: Vec<Image> = six.iter().chain(six.iter()).cloned().collect();
        let mut rules = rules();
        rules.keep = 3;
        let rows = decide(twice.clone(), &Surroundings::of(&twice), &rules, NOW);
        assert_eq!(rows.len(), 6);
        let kept: Vec<&str> = rows.iter().filter(|r| r.action == Action::Keep).map(|r| r.image.id.as_str()).collect();
        assert_eq!(kept, ["ami-00000004", "ami-00000005", "ami-00000006"]);
    }

    /// A hand-named `golden` is a family of its own, not the oldest of the
    /// generated `golden-…` family; nor is an untagged image in the family of
    /// a tag whose value reads like the untagged fallback.
    #[test]
    fn families_of_different_kinds_never_meet() {
        let mut images: Vec<Image> = (1..=3)
            .map(|n| image(&format!("ami-0000000{n}"), &format!("golden-{}-123456789012345", 1_700_000_000 + n), 30))
            .collect();
        images.push(image("ami-00000009", "golden", 400));
        let mut rules = rules();
        rules.keep = 3;
        let rows = decide(images.clone(), &Surroundings::of(&images), &rules, NOW);
        let hand = row(&rows, "ami-00000009");
        assert_eq!((hand.action, hand.reasons[0].clone()), (Action::Keep, Reason::Newest { rank: 1, keep: 3 }));
        assert_ne!(hand.family_id, row(&rows, "ami-00000001").family_id);

        let mut untagged = web("ami-0000000a", 400);
        untagged.tags.clear();
        let mut mimic = web("ami-0000000b", 300);
        mimic.tags.insert("team".into(), "ami-0000000a (no tag team)".into());
        rules.keep = 1;
        rules.family = FamilyKind::Tag("team".into());
        let pair = vec![untagged, mimic];
        let rows = decide(pair.clone(), &Surroundings::of(&pair), &rules, NOW);
        assert!(rows.iter().all(|r| r.reasons[0] == Reason::Newest { rank: 1, keep: 1 }), "{rows:?}");
    }

    #[test]
    fn uses_keep_and_unknown_uses_keep() {
        let images: Vec<Image> = (1..=5).map(|n| web(&format!("ami-0000000{n}"), 100 + n as i64)).collect();
        let mut rules = rules();
        rules.keep = 1;
        let mut rows = decide(images.clone(), &Surroundings::of(&images), &rules, NOW);
        let reference = |id: &str, kind: &str, arn: &str| ImageReference {
            image_id: id.parse().unwrap(),
            resource_type: kind.into(),
            resource: arn.into(),
        };
        let mut uses = HashMap::new();
        uses.insert(
            key("us-east-1", "ami-00000002"),
            Use::Checked(vec![reference(
                "ami-00000002",
                "ec2:LaunchTemplate",
                "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abc",
            )]),
        );
        uses.insert(key("us-east-1", "ami-00000003"), Use::Unchecked("DescribeImageReferences: denied".into()));
        uses.insert(key("us-east-1", "ami-00000004"), Use::Checked(vec![]));
        apply_uses(&mut rows, &uses, &rules, NOW);
        let text = |id: &str| {
            let r = row(&rows, id);
            (r.action, r.reasons[0].text(r, &rules, NOW))
        };
        assert_eq!(text("ami-00000001"), (Action::Keep, "newest 1 of 1 in family web".into()));
        assert_eq!(text("ami-00000002"), (Action::Keep, "in use by launch template lt-0abc".into()));
        assert_eq!(text("ami-00000003"), (Action::Keep, "use unknown, kept: DescribeImageReferences: denied".into()));
        assert_eq!(text("ami-00000004"), (Action::Delete, "unused: 104 days old, never launched".into()));
        assert_eq!(text("ami-00000005"), (Action::Keep, "use unknown, kept: not checked".into()));
    }

    /// --deprecate-after 7d --disable-after 30d --older-than 90d --keep 2: each
    /// image goes to the furthest stage its age allows; the newest two that
    /// are not deprecated are kept; what stops a disable or a deletion (a use,
    /// a launch, sharing) leaves a deprecation; deprecated and disabled images
    /// are left as they are until the next stage is due.
    #[test]
    fn images_move_to_the_furthest_stage_their_age_allows() {
        let mut rules = rules();
        rules.deprecate_after = Some(Duration::from_secs(7 * 86400));
        rules.disable_after = Some(Duration::from_secs(30 * 86400));
        rules.older_than = Duration::from_secs(90 * 86400);
        let mut newest_deprecated = web("ami-00000001", 1);
        newest_deprecated.usage.deprecation_time = Some(NOW - time::Duration::hours(1));
        let mut deprecated = web("ami-00000005", 10);
        deprecated.usage.deprecation_time = Some(NOW - time::Duration::days(2));
        let mut scheduled = web("ami-00000006", 12);
        scheduled.usage.deprecation_time = Some(NOW + time::Duration::days(30));
        let mut disabled = web("ami-00000007", 40);
        disabled.state = ImageState::Disabled;
        let mut launched = web("ami-00000009", 100);
        launched.usage.last_launched = Some(NOW - time::Duration::days(3));
        let mut public = web("ami-0000000a", 50);
        public.usage.public = Some(true);
        let mut failed = web("ami-0000000b", 40);
        failed.state = ImageState::Failed;
        let images = vec![
            newest_deprecated,
            web("ami-00000002", 2),
            web("ami-00000003", 3),
            web("ami-00000004", 5),
            deprecated,
            scheduled,
            disabled,
            web("ami-00000008", 35),
            launched,
            public,
            failed,
            web("ami-0000000c", 95),
        ];
        let mut rows = decide(images.clone(), &Surroundings::of(&images), &rules, NOW);
        let got = |rows: &[Row]| -> Vec<(String, Action, String)> {
            let mut got: Vec<_> =
                rows.iter().map(|r| (r.image.id.to_string(), r.action, r.reasons[0].text(r, &rules, NOW))).collect();
            got.sort();
            got
        };
        let expect = |list: &[(&str, Action, &str)]| -> Vec<(String, Action, String)> {
            list.iter().map(|(id, a, why)| (id.to_string(), *a, why.to_string())).collect()
        };
        assert_eq!(
            got(&rows),
            expect(&[
                ("ami-00000001", Action::Keep, "too young: 1 day old (--older-than 90d)"),
                ("ami-00000002", Action::Keep, "newest 1 of 2 in family web"),
                ("ami-00000003", Action::Keep, "newest 2 of 2 in family web"),
                ("ami-00000004", Action::Keep, "too young: 5 days old (--older-than 90d)"),
                ("ami-00000005", Action::Keep, "deprecated 2 days ago"),
                ("ami-00000006", Action::Deprecate, "12 days old (--deprecate-after 7d)"),
                ("ami-00000007", Action::Keep, "disabled"),
                ("ami-00000008", Action::Disable, "unused: 35 days old, never launched"),
                (
                    "ami-00000009",
                    Action::Deprecate,
                    "launched 3 days ago (--unused-for 30d + 1d) (deprecated, not deleted)"
                ),
                (
                    "ami-0000000a",
                    Action::Deprecate,
                    "public (uses in other accounts are not visible from this account) (deprecated, not disabled)"
                ),
                ("ami-0000000b", Action::Keep, "too young: 40 days old (--older-than 90d)"),
                ("ami-0000000c", Action::Delete, "unused: 95 days old, never launched"),
            ])
        );
        // Only what would disable or delete is asked about; a use and
        // sharing stop those, leaving a deprecation.
        assert_eq!(to_check(&rows), vec![key("us-east-1", "ami-00000008"), key("us-east-1", "ami-0000000c")]);
        let used = ImageReference {
            image_id: "ami-00000008".parse().unwrap(),
            resource_type: "ec2:Instance".into(),
            resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc".into(),
        };
        let uses = HashMap::from([
            (key("us-east-1", "ami-00000008"), Use::Checked(vec![used])),
            (key("us-east-1", "ami-0000000c"), Use::Checked(vec![])),
        ]);
        apply_uses(&mut rows, &uses, &rules, NOW);
        let shared = Sharing { accounts: vec!["210987654321".into()], ..Sharing::default() };
        let launchers = HashMap::from([(key("us-east-1", "ami-0000000c"), Ok(shared))]);
        apply_sharing(&mut rows, &launchers, &HashMap::new(), &rules, NOW);
        let after: Vec<(String, Action, String)> =
            got(&rows).into_iter().filter(|(id, _, _)| id == "ami-00000008" || id == "ami-0000000c").collect();
        assert_eq!(
            after,
            expect(&[
                ("ami-00000008", Action::Deprecate, "in use by instance i-0abc (deprecated, not disabled)"),
                (
                    "ami-0000000c",
                    Action::Deprecate,
                    "shared with 210987654321 (uses there are not visible from this account) (deprecated, not deleted)"
                ),
            ])
        );

        // Without --deprecate-after, what cannot be disabled or deleted is kept.
        rules.deprecate_after = None;
        let mut rows = decide(images.clone(), &Surroundings::of(&images), &rules, NOW);
        apply_uses(&mut rows, &uses, &rules, NOW);
        assert_eq!(row(&rows, "ami-00000008").action, Action::Keep);
        assert_eq!(row(&rows, "ami-00000009").action, Action::Keep);
        assert_eq!(row(&rows, "ami-00000006").action, Action::Keep, "12 days: younger than every stage asked");
    }

    #[test]
    fn each_stage_comes_at_the_age_of_the_one_before_or_later() {
        let d = |days: u64| Duration::from_secs(days * 86400);
        assert_eq!(check_stages(Some(d(7)), Some(d(30)), d(90)), Ok(()));
        assert_eq!(check_stages(Some(d(7)), Some(d(7)), d(7)), Ok(()));
        assert_eq!(check_stages(None, Some(d(30)), d(90)), Ok(()));
        assert_eq!(
            check_stages(Some(d(7)), Some(d(30)), d(14)),
            Err("--disable-after 30d is later than --older-than 14d: each stage must come at the age of the one before or later".into())
        );
        assert_eq!(
            check_stages(Some(d(40)), None, d(14)).unwrap_err(),
            "--deprecate-after 40d is later than --older-than 14d: each stage must come at the age of the one before or later"
        );
    }

    #[test]
    fn uses_in_words() {
        let described = |kind: &str, resource: &str| {
            describe_use(&ImageReference {
                image_id: "ami-00000001".parse().unwrap(),
                resource_type: kind.into(),
                resource: resource.into(),
            })
        };
        assert_eq!(described("ec2:Instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"), "instance i-0abc");
        assert_eq!(
            described("ssm:Parameter", "arn:aws:ssm:us-east-1:123456789012:parameter/golden/web"),
            "SSM parameter /golden/web"
        );
        assert_eq!(described(LAUNCH_CONFIGURATION, "web-v3"), "launch configuration web-v3");
        assert_eq!(described("ec2:Instance", "garbage\u{1b}[2J"), "instance garbage\\u{1b}[2J");
    }

    /// root <- middle <- newest: with the newest kept and the other two too
    /// old, --keep-ancestors keeps both; without it, the plan says whose walk ends.
    #[test]
    fn ancestors_of_kept_images() {
        let root = web("ami-00000001", 300);
        let mut middle = image("ami-00000002", "middle", 200);
        middle.source_image_id = Some(root.id.clone());
        let mut newest = image("ami-00000003", "newest", 100);
        newest.source_image_id = Some(middle.id.clone());
        let mut other = web("ami-00000004", 100);
        other.source_image_id = Some(root.id.clone());
        let images = vec![root, middle, newest, other];
        let mut rules = rules();
        rules.keep = 1;
        let run = |keep_ancestors: bool| {
            let mut rows = decide(images.clone(), &Surroundings::of(&images), &rules, NOW);
            // middle is not the newest of its family "middle"? It is its only member: force it out.
            for row in rows.iter_mut().filter(|r| r.image.id.as_str() == "ami-00000002") {
                row.action = Action::Delete;
                row.reasons = vec![Reason::Unused];
            }
            let uses = to_check(&rows).into_iter().map(|k| (k, Use::Checked(vec![]))).collect();
            apply_uses(&mut rows, &uses, &rules, NOW);
            let rules = Rules { keep_ancestors, ..rules.clone() };
            apply_lineage(&mut rows, &Surroundings::of(&images), &rules, NOW);
            rows
        };
        let plain = run(false);
        assert_eq!(row(&plain, "ami-00000002").action, Action::Delete);
        assert_eq!(row(&plain, "ami-00000002").ends_ancestry_of, vec![key("us-east-1", "ami-00000003")]);
        let kept = run(true);
        assert_eq!(row(&kept, "ami-00000002").reasons, vec![Reason::AncestorOf(key("us-east-1", "ami-00000003"))]);
        assert!(kept.iter().all(|r| r.action == Action::Keep));
    }

    #[test]
    fn copies_follow_their_source() {
        let source = web("ami-00000001", 30);
        let mut copy = web("ami-00000002", 29);
        copy.region = region("eu-west-1");
        copy.source_image_id = Some(source.id.clone());
        copy.source_image_region = Some(region("us-east-1"));
        let newer = web("ami-00000003", 10);
        let images = vec![copy, newer, source];
        let rows = order(decide(images.clone(), &Surroundings::of(&images), &rules(), NOW));
        let ids: Vec<&str> = rows.iter().map(|r| r.image.id.as_str()).collect();
        assert_eq!(ids, vec!["ami-00000003", "ami-00000001", "ami-00000002"]);
        assert_eq!(rows[2].copy_of, Some(key("us-east-1", "ami-00000001")));
    }

    #[test]
    fn ages_in_words() {
        assert_eq!(age(time::Duration::minutes(5)), "5 minutes");
        assert_eq!(age(time::Duration::hours(1)), "1 hour");
        assert_eq!(age(time::Duration::hours(30)), "1 day");
        assert_eq!(age(time::Duration::days(3)), "3 days");
        assert_eq!(age(time::Duration::seconds(-5)), "0 minutes");
        assert_eq!(days(Duration::from_secs(14 * 86400)), "14d");
        assert_eq!(days(Duration::from_secs(90)), "90s");
    }
}
