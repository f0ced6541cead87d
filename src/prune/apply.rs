//! Carrying out the plan: each image deprecated, disabled or deleted as
//! planned, re-checked just before: a plan may be hours old (or edited), and
//! an image that became used since (a new launch template version, a copy
//! started from it) or that the plan's own rules keep today must stay. A
//! deprecation breaks no launch: only the plan's rules are checked again for
//! it; a disable is re-checked as a deletion is. Nothing goes further than
//! the plan said, whatever the rules would allow now.
//!
//! First, once: the account's images as they are now, and the plan's cheap
//! rules run on them again (`Current`): an image the family rule keeps now
//! (a plan that would delete a family's newest), one too young, protected or
//! a pending image's source is kept, whatever the plan says. Then ten at a
//! time: per group, the images as EC2 describes them now, their uses
//! (DescribeImageReferences, launch configurations), who may launch them
//! (DescribeImageAttribute: shared since the plan, it stays) and the pending
//! images of every region in the plan are read, and the ones still unused are
//! deregistered at the pace the AWS layer keeps for DeregisterImage (inside
//! EC2's bucket for it: 100, then 5 a second; throttling beyond
//! that is ridden out by the SDK's retries). Between two deletions, an
//! interrupt ends the run: the deletion in flight is finished, the rest is
//! not started.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::gather::{cheap_rows, elsewhere_of, launchers_of, uses_of, Scope};
use super::rules::{self, Action, Reason, Rules, Use};
use super::shared_use::Waiting;
use crate::aws::{Aws, AwsError, AwsErrorKind, ImageKey};
use crate::ids::Region;
use crate::image::{Image, Sharing, SnapshotOutcome};

/// Images re-checked together: DescribeImageReferences' limit per call.
const GROUP: usize = 10;
/// What a snapshot's result is when EC2's answer with the results was lost.
pub const SNAPSHOT_UNKNOWN: &str = "unknown";

/// An image the plan deprecates, disables or deletes.
#[derive(Debug, Clone, PartialEq)]
pub struct Retirement {
    pub key: ImageKey,
    pub family: String,
    /// Deprecate, Disable or Delete (never Keep).
    pub action: Action,
}

/// What became of one planned deletion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    /// Deregistered by this run; EC2's word on each snapshot (none with
    /// --keep-snapshots). `answer_lost`: EC2's answer to the DeregisterImage
    /// that did it was lost and its retry found the image gone, so each
    /// snapshot's result is `unknown`.
    Deleted {
        snapshots: Vec<SnapshotOutcome>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        answer_lost: bool,
    },
    /// EnableImageDeprecation done, at this time (RFC 3339; EC2 rounds it to the minute).
    Deprecated { deprecation_time: String },
    /// DisableImage done: nothing can launch it, its launch permissions are gone.
    Disabled,
    /// Found in use (or protected, launched, kept by the rules today) at the re-check: kept.
    Kept { reason: String },
    /// No longer there before this run asked: someone else deregistered it.
    Gone,
    /// Not deleted because of an error.
    Failed { error: String },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Deleted { .. } => "deleted",
            Outcome::Deprecated { .. } => "deprecated",
            Outcome::Disabled => "disabled",
            Outcome::Kept { .. } => "kept",
            Outcome::Gone => "gone",
            Outcome::Failed { .. } => "failed",
        }
    }
}

/// A snapshot EC2 reported as neither deleted nor shared with another image
/// (one whose result was lost with EC2's answer is unknown, not failed).
pub fn snapshot_failed(outcome: &SnapshotOutcome) -> bool {
    !matches!(outcome.result.as_str(), "success" | "skipped" | SNAPSHOT_UNKNOWN)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub retirement: Retirement,
    /// The image's name as EC2 gave it at the re-check (None: no name, or gone).
    pub name: Option<String>,
    pub outcome: Outcome,
}

impl Done {
    /// Not done as planned: an error, or a snapshot EC2 did not delete
    /// (other than one another image still uses).
    pub fn failed(&self) -> bool {
        match &self.outcome {
            Outcome::Failed { .. } => true,
            Outcome::Deleted { snapshots, .. } => snapshots.iter().any(snapshot_failed),
            Outcome::Deprecated { .. } | Outcome::Disabled | Outcome::Kept { .. } | Outcome::Gone => false,
        }
    }
}

/// How to apply.
pub struct Settings<'a> {
    pub account: &'a str,
    /// Every region the plan scanned: a pending image in any of them keeps its source.
    pub regions: &'a [Region],
    /// The region --descendants-of's image is in.
    pub home: &'a Region,
    pub scope: &'a Scope,
    pub rules: &'a Rules,
    pub keep_snapshots: bool,
    /// How long --include-shared waits for a usage report at the re-check.
    pub waiting: Waiting<'a>,
    /// --include-shared --accounts: the accounts whose uses are asked directly.
    pub members: &'a [crate::accounts::Member],
    pub now: &'a dyn Fn() -> OffsetDateTime,
    /// True once the run has been asked to stop (SIGINT, SIGTERM).
    pub stop: &'a dyn Fn() -> bool,
}

/// The plan's cheap rules on the account's images as they are when applying starts.
pub struct Current {
    /// Per image in the plan's scope now: the furthest the cheap rules let
    /// it go, and (for less than delete) the reason in words.
    verdicts: HashMap<ImageKey, (Action, String)>,
    /// Every own image's name, as EC2 gives it.
    names: HashMap<ImageKey, Option<String>>,
}

impl Current {
    /// List the plan's regions' own images and decide on them again. An
    /// error in any region is the error: the family rule cannot be checked.
    pub fn read(aws: &dyn Aws, settings: &Settings) -> Result<Current, (Region, AwsError)> {
        let mut all_own: Vec<Image> = Vec::new();
        for (region, result) in aws.own_images(&with_deletion_regions(settings.regions, &[])) {
            all_own.extend(result.map_err(|error| (region, error))?);
        }
        let names = all_own.iter().map(|i| ((i.region.clone(), i.id.clone()), i.name.clone())).collect();
        let now = (settings.now)();
        let (rows, _) = cheap_rows(all_own, settings.home, settings.scope, settings.rules, now);
        let verdicts =
            rows.iter().map(|row| (row.key(), (row.action, row.reasons[0].text(row, settings.rules, now)))).collect();
        Ok(Current { verdicts, names })
    }

    /// The name EC2 gives the image now (None: no name, or not listed).
    pub fn name(&self, key: &ImageKey) -> Option<&str> {
        self.names.get(key).and_then(|name| name.as_deref())
    }
}

fn with_deletion_regions(regions: &[Region], deletions: &[Retirement]) -> Vec<Region> {
    let mut all: Vec<Region> = Vec::new();
    for region in regions.iter().chain(deletions.iter().map(|d| &d.key.0)) {
        if !all.contains(region) {
            all.push(region.clone());
        }
    }
    all
}

/// Delete `deletions` (in order), reporting each as it is done. Stops early
/// when `settings.stop` says so: the deletions not in the result were not started.
pub fn apply(
    aws: &dyn Aws,
    deletions: &[Retirement],
    current: &Current,
    settings: &Settings,
    report: &mut dyn FnMut(&Done),
) -> Vec<Done> {
    let regions = with_deletion_regions(settings.regions, deletions);
    let mut done = Vec::with_capacity(deletions.len());
    for region in &regions {
        let here: Vec<&Retirement> = deletions.iter().filter(|d| &d.key.0 == region).collect();
        for group in here.chunks(GROUP) {
            if (settings.stop)() {
                return done;
            }
            let mut stopped = false;
            let outcomes = group_outcomes(aws, region, &regions, group, current, settings, &mut stopped);
            for finished in outcomes {
                report(&finished);
                done.push(finished);
            }
            if stopped {
                return done;
            }
        }
    }
    done
}

/// Re-check one group, then deregister what may still go. Sets `stopped`
/// (and returns the outcomes so far) when asked to stop between two deletions.
#[allow(clippy::too_many_arguments)]
fn group_outcomes(
    aws: &dyn Aws,
    region: &Region,
    regions: &[Region],
    group: &[&Retirement],
    current: &Current,
    settings: &Settings,
    stopped: &mut bool,
) -> Vec<Done> {
    let keys: Vec<ImageKey> = group.iter().map(|d| d.key.clone()).collect();
    let finished = |deletion: &Retirement, name: Option<&str>, outcome: Outcome| Done {
        retirement: deletion.clone(),
        name: name.map(str::to_string),
        outcome,
    };
    let failed_all = |why: String| {
        group.iter().map(|d| finished(d, current.name(&d.key), Outcome::Failed { error: why.clone() })).collect()
    };
    let mut now_seen: HashMap<ImageKey, Image> = HashMap::new();
    for (_, result) in aws.find_images(&keys) {
        match result {
            Ok(images) => now_seen.extend(images.into_iter().map(|i| ((i.region.clone(), i.id.clone()), i))),
            Err(error) => return failed_all(format!("not deleted, the image could not be re-checked: {error}")),
        }
    }
    let mut pending: Vec<Image> = Vec::new();
    for (pending_region, result) in aws.own_pending_images(regions) {
        match result {
            Ok(images) => pending.extend(images),
            Err(error) => {
                return failed_all(format!("not deleted, pending images in {pending_region} are unknown: {error}"))
            }
        }
    }
    let pending_children = rules::pending_children(&pending);
    // The rules now, for each: None if they allow what the plan does, else why not.
    let held_back = |retirement: &Retirement| -> Option<String> {
        match current.verdicts.get(&retirement.key) {
            None => Some("not among the images the plan's scope selects now".to_string()),
            Some((allowed, _)) if *allowed >= retirement.action => None,
            Some((_, reason)) => Some(format!("{reason} (rules re-checked)")),
        }
    };
    // Uses are asked only about the disables and deletions the rules still allow.
    let to_ask: Vec<ImageKey> = group
        .iter()
        .filter(|r| r.action.breaks_launches() && now_seen.contains_key(&r.key) && held_back(r).is_none())
        .map(|r| r.key.clone())
        .collect();
    let uses = if to_ask.is_empty() { HashMap::new() } else { uses_of(aws, &to_ask) };
    // Who may launch them: only those nothing in this account uses.
    let unused: Vec<ImageKey> = to_ask
        .into_iter()
        .filter(|k| matches!(uses.get(k), Some(Use::Checked(references)) if references.is_empty()))
        .collect();
    let launchers = if unused.is_empty() { HashMap::new() } else { launchers_of(aws, &unused) };
    // --include-shared: a fresh usage report for each shared one.
    let elsewhere = elsewhere_of(aws, settings.members, &launchers, settings.rules, &settings.waiting, &mut |_| {});
    let now = (settings.now)();
    let mut outcomes = Vec::with_capacity(group.len());
    for deletion in group {
        let Some(image) = now_seen.get(&deletion.key) else {
            outcomes.push(finished(deletion, None, Outcome::Gone));
            continue;
        };
        let name = image.name.as_deref();
        if let Some(reason) = held_back(deletion) {
            outcomes.push(finished(deletion, name, Outcome::Kept { reason }));
            continue;
        }
        if deletion.action == Action::Deprecate {
            // Breaks no launch: the plan's rules, checked again above, are all it needs.
            if (settings.stop)() {
                *stopped = true;
                return outcomes;
            }
            outcomes.push(finished(deletion, name, deprecate(aws, region, image, now)));
            continue;
        }
        let use_now = uses.get(&deletion.key).cloned().unwrap_or_else(|| Use::Unchecked("not checked".into()));
        let launchers_now = launchers.get(&deletion.key).cloned().unwrap_or_else(|| match &use_now {
            Use::Checked(references) if references.is_empty() => Err("not checked".into()),
            // Not asked: its uses keep it (or leave it unknown) anyway.
            _ => Ok(Sharing::default()),
        });
        let reasons = rules::recheck(
            image,
            settings.account,
            &pending_children,
            &use_now,
            &launchers_now,
            elsewhere.get(&deletion.key),
            settings.rules,
            now,
        );
        let text = |reason: &Reason| reason.describe(image, &deletion.family, settings.rules, now);
        if let Some(unknown) = reasons.iter().find(|r| matches!(r, Reason::Unchecked(_))) {
            let error = format!("not deleted: {}", text(unknown));
            outcomes.push(finished(deletion, name, Outcome::Failed { error }));
            continue;
        }
        if let Some(first) = reasons.first() {
            outcomes.push(finished(deletion, name, Outcome::Kept { reason: text(first) }));
            continue;
        }
        if (settings.stop)() {
            *stopped = true;
            return outcomes;
        }
        let outcome = match deletion.action {
            Action::Disable => disable(aws, region, image),
            _ => deregister(aws, region, image, settings.keep_snapshots),
        };
        outcomes.push(finished(deletion, name, outcome));
    }
    outcomes
}

/// One EnableImageDeprecation at `now`. Sent again after a lost answer, it
/// only sets the same time again.
fn deprecate(aws: &dyn Aws, region: &Region, image: &Image, now: OffsetDateTime) -> Outcome {
    // EC2 rounds to the nearest minute and refuses a time before the current
    // one: now itself is never refused, and is deprecated within 30 seconds.
    match aws.deprecate_image(region, &image.id, now) {
        Ok(()) => Outcome::Deprecated {
            deprecation_time: now
                .replace_nanosecond(0)
                .unwrap_or(now)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        },
        Err(error) if error.kind == AwsErrorKind::NotFound => Outcome::Gone,
        Err(error) => Outcome::Failed { error: error.to_string() },
    }
}

/// One DisableImage (idempotent in EC2: a retry after a lost answer changes nothing more).
fn disable(aws: &dyn Aws, region: &Region, image: &Image) -> Outcome {
    match aws.disable_image(region, &image.id) {
        Ok(()) => Outcome::Disabled,
        Err(error) if error.kind == AwsErrorKind::NotFound => Outcome::Gone,
        Err(error) => Outcome::Failed { error: error.to_string() },
    }
}

/// One DeregisterImage, its answer told truly. An image not found (or
/// `InvalidAMIID.Unavailable`: "the AMI has been deregistered") by a call the
/// SDK retried was deregistered by this run's first attempt, whose answer —
/// with each snapshot's result — was lost: this run's deletion, snapshots'
/// fate unknown. Not found at the first attempt: someone else's.
fn deregister(aws: &dyn Aws, region: &Region, image: &Image, keep_snapshots: bool) -> Outcome {
    match aws.deregister_image(region, &image.id, !keep_snapshots) {
        Ok(snapshots) => Outcome::Deleted { snapshots, answer_lost: false },
        Err(error) if error.kind == AwsErrorKind::NotFound && error.attempts > 1 => Outcome::Deleted {
            snapshots: if keep_snapshots {
                Vec::new()
            } else {
                image
                    .usage
                    .snapshots
                    .iter()
                    .map(|s| SnapshotOutcome { snapshot_id: s.clone(), result: SNAPSHOT_UNKNOWN.into() })
                    .collect()
            },
            answer_lost: true,
        },
        Err(error) if error.kind == AwsErrorKind::NotFound => Outcome::Gone,
        Err(error) => Outcome::Failed { error: error.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsErrorKind;
    use crate::image::ImageReference;
    use crate::prune::rules::FamilyKind;
    use crate::testing::{key, made, FakeAws, OWN_ACCOUNT};
    use std::cell::Cell;
    use std::time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    fn rules() -> Rules {
        Rules {
            keep: 1,
            older_than: Duration::from_secs(86400),
            deprecate_after: None,
            disable_after: None,
            unused_for: Duration::from_secs(30 * 86400),
            family: FamilyKind::Prefix,
            keep_ancestors: false,
            include_shared: false,
            include_public: false,
        }
    }

    /// Image `n` of the `web` family, `n` days before image 100 (older the lower n).
    fn image(n: u32) -> Image {
        let mut image = made("us-east-1", n, None);
        image.name = Some(format!("web-{}-123456789012345", 1_700_000_000 + n));
        image.creation_date = Some(NOW - time::Duration::days(200 - i64::from(n)));
        image.usage.snapshots = vec![format!("snap-{n:08x}")];
        image
    }

    fn deletion(n: u32) -> Retirement {
        Retirement { key: key("us-east-1", n), family: "web".into(), action: Action::Delete }
    }

    /// The fake with images 1..=n and the newest one (100) that the family rule keeps.
    fn fake_with(images: impl IntoIterator<Item = u32>) -> FakeAws<'static> {
        FakeAws::with_images(images.into_iter().chain([100]).map(image))
    }

    fn run_stopping(fake: &FakeAws, deletions: &[Retirement], stop_after: usize) -> Vec<Done> {
        let rules = rules();
        let regions = [crate::testing::region("us-east-1"), crate::testing::region("eu-west-1")];
        let scope = Scope::default();
        let deleted = Cell::new(0);
        let settings = Settings {
            account: OWN_ACCOUNT,
            regions: &regions,
            home: &regions[0],
            scope: &scope,
            rules: &rules,
            keep_snapshots: false,
            waiting: crate::testing::no_waiting(),
            members: &[],
            now: &|| NOW,
            stop: &|| fake.deregistered.borrow().len() >= stop_after,
        };
        let current = Current::read(fake, &settings).unwrap();
        let mut reported = 0;
        let done = apply(fake, deletions, &current, &settings, &mut |_| reported += 1);
        deleted.set(fake.deregistered.borrow().len());
        assert_eq!(reported, done.len());
        done
    }

    fn run(fake: &FakeAws, deletions: &[Retirement]) -> Vec<Done> {
        run_stopping(fake, deletions, usize::MAX)
    }

    #[test]
    fn deletes_what_is_still_unused_and_keeps_what_became_used() {
        let mut fake = fake_with(1..=4);
        let mut protected = image(5);
        protected.usage.protection = Some("enabled-without-cooldown".into());
        fake.images.borrow_mut().insert(protected.id.clone(), protected);
        fake.references = vec![ImageReference {
            image_id: crate::testing::id(2),
            resource_type: "ec2:LaunchTemplate".into(),
            resource: "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abc".into(),
        }];
        let mut child = made("eu-west-1", 9, Some(("us-east-1", 3)));
        child.state = crate::image::ImageState::Pending;
        fake.images.borrow_mut().insert(child.id.clone(), child);
        let deletions: Vec<Retirement> = [1, 2, 3, 5, 7].into_iter().map(deletion).collect();
        let done = run(&fake, &deletions);
        let outcomes: Vec<(u32, &str)> =
            done.iter().zip([1, 2, 3, 5, 7]).map(|(d, n)| (n, d.outcome.label())).collect();
        assert_eq!(outcomes, vec![(1, "deleted"), (2, "kept"), (3, "kept"), (5, "kept"), (7, "gone")]);
        assert_eq!(
            done[0].outcome,
            Outcome::Deleted {
                snapshots: vec![SnapshotOutcome { snapshot_id: "snap-00000001".into(), result: "success".into() }],
                answer_lost: false,
            }
        );
        assert_eq!(done[0].name.as_deref(), Some("web-1700000001-123456789012345"), "the name EC2 gives it now");
        assert_eq!(done[1].outcome, Outcome::Kept { reason: "in use by launch template lt-0abc".into() });
        assert_eq!(
            done[2].outcome,
            Outcome::Kept { reason: "source of pending ami-00000009 in eu-west-1 (rules re-checked)".into() }
        );
        assert_eq!(
            done[3].outcome,
            Outcome::Kept { reason: "deregistration protection (enabled-without-cooldown) (rules re-checked)".into() }
        );
        assert_eq!(*fake.deregistered.borrow(), vec![crate::testing::id(1)]);
        assert!(done.iter().all(|d| !d.failed()));
    }

    /// A plan edited (or stale) to delete a whole family: the newest stays,
    /// and so does an image that is too young today.
    #[test]
    fn the_family_and_age_rules_are_checked_again() {
        let mut fake = FakeAws::with_images((1..=3).map(image));
        let mut young = image(4);
        young.name = Some("db-1700000004-123456789012345".into());
        young.creation_date = Some(NOW - time::Duration::hours(2));
        let mut older_db = image(5);
        older_db.name = Some("db-1700000005-123456789012345".into());
        older_db.creation_date = Some(NOW - time::Duration::days(300));
        fake.images.get_mut().extend([(young.id.clone(), young), (older_db.id.clone(), older_db)]);
        let deletions: Vec<Retirement> = (1..=4).map(deletion).collect();
        let done = run(&fake, &deletions);
        let outcomes: Vec<&str> = done.iter().map(|d| d.outcome.label()).collect();
        assert_eq!(outcomes, ["deleted", "deleted", "kept", "kept"]);
        assert_eq!(done[2].outcome, Outcome::Kept { reason: "newest 1 of 1 in family web (rules re-checked)".into() });
        match &done[3].outcome {
            Outcome::Kept { reason } => assert!(reason.starts_with("newest 1 of 1 in family db"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(fake.deregistered.borrow().len(), 2);
    }

    /// EC2 deregistered the image but its answer was lost; the SDK's retry
    /// met InvalidAMIID.NotFound. This run did it: deleted, snapshots unknown.
    #[test]
    fn a_lost_answer_is_this_runs_deletion() {
        let fake = fake_with(1..=2);
        fake.lose_deregister_answers.set(1);
        let done = run(&fake, &[deletion(1)]);
        assert_eq!(
            done[0].outcome,
            Outcome::Deleted {
                snapshots: vec![SnapshotOutcome { snapshot_id: "snap-00000001".into(), result: "unknown".into() }],
                answer_lost: true,
            }
        );
        assert!(!done[0].failed());
    }

    #[test]
    fn a_stop_ends_the_run_between_two_deletions() {
        let fake = fake_with(1..=25);
        let deletions: Vec<Retirement> = (1..=25).map(deletion).collect();
        let done = run_stopping(&fake, &deletions, 12);
        assert_eq!(done.len(), 12, "the twelfth deletion finished, the thirteenth never started");
        assert!(done.iter().all(|d| d.outcome.label() == "deleted"));
        assert_eq!(fake.deregistered.borrow().len(), 12);
    }

    #[test]
    fn unknown_uses_fail_and_delete_nothing() {
        let mut fake = fake_with(1..=3);
        fake.references_error = Some(AwsErrorKind::Denied);
        let done = run(&fake, &[deletion(1), deletion(2)]);
        assert!(done.iter().all(Done::failed));
        assert!(fake.deregistered.borrow().is_empty());
        match &done[0].outcome {
            Outcome::Failed { error } => assert!(error.starts_with("not deleted: use unknown, kept: "), "{error}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deletions_are_grouped_by_ten() {
        let fake = fake_with(1..=25);
        let deletions: Vec<Retirement> = (1..=25).map(deletion).collect();
        let listed = fake.bulk_calls.get();
        let done = run(&fake, &deletions);
        assert_eq!(done.iter().filter(|d| d.outcome.label() == "deleted").count(), 25);
        assert_eq!(fake.bulk_calls.get() - listed, 2 + 3, "the regions' images once, find_images once per group of 10");
    }
}
