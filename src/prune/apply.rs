//! Deleting the planned images, each re-checked just before its
//! DeregisterImage: a plan may be hours old, and an image that became used
//! since (a new launch template version, a copy started from it) must stay.
//!
//! Images go ten at a time: per group, the images as EC2 describes them now,
//! their uses (DescribeImageReferences, launch configurations) and the
//! pending images of every region in the plan are read, then the ones still
//! unused are deregistered, at most `DELETES_PER_SECOND` a second (throttling
//! beyond that is ridden out by the SDK's retries).

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::gather::uses_of;
use super::rules::{self, Reason, Rules, Use};
use crate::ec2::{Ec2, ImageKey};
use crate::ids::Region;
use crate::image::{Image, SnapshotOutcome};

/// DeregisterImage calls per second, at most.
pub const DELETES_PER_SECOND: u32 = 5;
/// Images re-checked together: DescribeImageReferences' limit per call.
const GROUP: usize = 10;

/// An image the plan deletes.
#[derive(Debug, Clone, PartialEq)]
pub struct Deletion {
    pub key: ImageKey,
    pub name: Option<String>,
    pub family: String,
}

/// What became of one planned deletion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    /// Deregistered; EC2's word on each snapshot (none with --keep-snapshots).
    Deleted { snapshots: Vec<SnapshotOutcome> },
    /// Found in use (or protected, or launched) at the re-check: kept.
    Kept { reason: String },
    /// No longer there: someone else deregistered it.
    Gone,
    /// Not deleted because of an error.
    Failed { error: String },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Deleted { .. } => "deleted",
            Outcome::Kept { .. } => "kept",
            Outcome::Gone => "gone",
            Outcome::Failed { .. } => "failed",
        }
    }
}

/// A snapshot EC2 reported as neither deleted nor shared with another image.
pub fn snapshot_failed(outcome: &SnapshotOutcome) -> bool {
    !matches!(outcome.result.as_str(), "success" | "skipped")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub deletion: Deletion,
    pub outcome: Outcome,
}

impl Done {
    /// Not done as planned: an error, or a snapshot EC2 did not delete
    /// (other than one another image still uses).
    pub fn failed(&self) -> bool {
        match &self.outcome {
            Outcome::Failed { .. } => true,
            Outcome::Deleted { snapshots } => snapshots.iter().any(snapshot_failed),
            Outcome::Kept { .. } | Outcome::Gone => false,
        }
    }
}

/// How to apply.
pub struct Settings<'a> {
    pub account: &'a str,
    /// Every region the plan scanned: a pending image in any of them keeps its source.
    pub regions: &'a [Region],
    pub rules: &'a Rules,
    pub keep_snapshots: bool,
    pub now: &'a dyn Fn() -> OffsetDateTime,
    pub pause: &'a dyn Fn(Duration),
}

/// Delete `deletions` (in order), reporting each as it is done.
pub fn apply(ec2: &dyn Ec2, deletions: &[Deletion], settings: &Settings, report: &mut dyn FnMut(&Done)) -> Vec<Done> {
    let mut regions: Vec<Region> = settings.regions.to_vec();
    for deletion in deletions {
        if !regions.contains(&deletion.key.0) {
            regions.push(deletion.key.0.clone());
        }
    }
    let mut done = Vec::with_capacity(deletions.len());
    let mut deregistered_before = false;
    for region in &regions {
        let here: Vec<&Deletion> = deletions.iter().filter(|d| &d.key.0 == region).collect();
        for group in here.chunks(GROUP) {
            for (deletion, outcome) in group_outcomes(ec2, region, &regions, group, settings, &mut deregistered_before)
            {
                let finished = Done { deletion: deletion.clone(), outcome };
                report(&finished);
                done.push(finished);
            }
        }
    }
    done
}

/// Re-check one group, then deregister what may still go.
fn group_outcomes<'d>(
    ec2: &dyn Ec2,
    region: &Region,
    regions: &[Region],
    group: &[&'d Deletion],
    settings: &Settings,
    deregistered_before: &mut bool,
) -> Vec<(&'d Deletion, Outcome)> {
    let keys: Vec<ImageKey> = group.iter().map(|d| d.key.clone()).collect();
    let failed_all = |why: String| group.iter().map(|d| (*d, Outcome::Failed { error: why.clone() })).collect();
    let mut current: HashMap<ImageKey, Image> = HashMap::new();
    for (_, result) in ec2.find_images(&keys) {
        match result {
            Ok(images) => current.extend(images.into_iter().map(|i| ((i.region.clone(), i.id.clone()), i))),
            Err(error) => return failed_all(format!("not deleted, the image could not be re-checked: {error}")),
        }
    }
    let mut pending: Vec<Image> = Vec::new();
    for (pending_region, result) in ec2.own_pending_images(regions) {
        match result {
            Ok(images) => pending.extend(images),
            Err(error) => {
                return failed_all(format!("not deleted, pending images in {pending_region} are unknown: {error}"))
            }
        }
    }
    let pending_children = rules::pending_children(&pending);
    let present: Vec<ImageKey> = keys.iter().filter(|k| current.contains_key(*k)).cloned().collect();
    let uses = if present.is_empty() { HashMap::new() } else { uses_of(ec2, &present) };
    let now = (settings.now)();
    let mut outcomes = Vec::with_capacity(group.len());
    for deletion in group {
        let Some(image) = current.get(&deletion.key) else {
            outcomes.push((*deletion, Outcome::Gone));
            continue;
        };
        let use_now = uses.get(&deletion.key).cloned().unwrap_or_else(|| Use::Unchecked("not checked".into()));
        let reasons = rules::recheck(image, settings.account, &pending_children, &use_now, settings.rules, now);
        let text = |reason: &Reason| reason.describe(image, &deletion.family, settings.rules, now);
        if let Some(unknown) = reasons.iter().find(|r| matches!(r, Reason::Unchecked(_))) {
            outcomes.push((*deletion, Outcome::Failed { error: format!("not deleted: {}", text(unknown)) }));
            continue;
        }
        if let Some(first) = reasons.first() {
            outcomes.push((*deletion, Outcome::Kept { reason: text(first) }));
            continue;
        }
        if std::mem::replace(deregistered_before, true) {
            (settings.pause)(Duration::from_secs(1) / DELETES_PER_SECOND);
        }
        let outcome = match ec2.deregister_image(region, &deletion.key.1, !settings.keep_snapshots) {
            Ok(snapshots) => Outcome::Deleted { snapshots },
            // Deregistered meanwhile — or by this very call, whose answer was
            // lost and whose retry found the image gone.
            Err(error) if error.kind == crate::ec2::Ec2ErrorKind::NotFound => Outcome::Gone,
            Err(error) => Outcome::Failed { error: error.to_string() },
        };
        outcomes.push((*deletion, outcome));
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::Ec2ErrorKind;
    use crate::image::ImageReference;
    use crate::prune::rules::FamilyKind;
    use crate::testing::{key, made, FakeEc2, OWN_ACCOUNT};
    use std::cell::RefCell;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    fn rules() -> Rules {
        Rules {
            keep: 1,
            older_than: Duration::from_secs(86400),
            unused_for: Duration::from_secs(30 * 86400),
            family: FamilyKind::Prefix,
            keep_ancestors: false,
        }
    }

    fn image(n: u32) -> Image {
        let mut image = made("us-east-1", n, None);
        image.usage.snapshots = vec![format!("snap-{n:08x}")];
        image
    }

    fn deletion(n: u32) -> Deletion {
        Deletion { key: key("us-east-1", n), name: None, family: "web".into() }
    }

    fn run(fake: &FakeEc2, deletions: &[Deletion]) -> (Vec<Done>, usize) {
        let rules = rules();
        let pauses = RefCell::new(0);
        let regions = [crate::testing::region("us-east-1"), crate::testing::region("eu-west-1")];
        let settings = Settings {
            account: OWN_ACCOUNT,
            regions: &regions,
            rules: &rules,
            keep_snapshots: false,
            now: &|| NOW,
            pause: &|pause| {
                assert_eq!(pause, Duration::from_millis(200));
                *pauses.borrow_mut() += 1;
            },
        };
        let mut reported = 0;
        let done = apply(fake, deletions, &settings, &mut |_| reported += 1);
        assert_eq!(reported, done.len());
        let pauses = *pauses.borrow();
        (done, pauses)
    }

    #[test]
    fn deletes_what_is_still_unused_and_keeps_what_became_used() {
        let mut fake = FakeEc2::with_images((1..=4).map(image));
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
        let deletions: Vec<Deletion> = [1, 2, 3, 5, 7].into_iter().map(deletion).collect();
        let (done, pauses) = run(&fake, &deletions);
        let outcomes: Vec<(u32, &str)> =
            done.iter().zip([1, 2, 3, 5, 7]).map(|(d, n)| (n, d.outcome.label())).collect();
        assert_eq!(outcomes, vec![(1, "deleted"), (2, "kept"), (3, "kept"), (5, "kept"), (7, "gone")]);
        assert_eq!(
            done[0].outcome,
            Outcome::Deleted {
                snapshots: vec![SnapshotOutcome { snapshot_id: "snap-00000001".into(), result: "success".into() }]
            }
        );
        assert_eq!(done[1].outcome, Outcome::Kept { reason: "in use by launch template lt-0abc".into() });
        assert_eq!(done[2].outcome, Outcome::Kept { reason: "source of pending ami-00000009 in eu-west-1".into() });
        assert_eq!(*fake.deregistered.borrow(), vec![crate::testing::id(1)]);
        assert_eq!(pauses, 0, "one deletion: no pause");
        assert!(done.iter().all(|d| !d.failed()));
    }

    #[test]
    fn unknown_uses_fail_and_delete_nothing() {
        let mut fake = FakeEc2::with_images((1..=3).map(image));
        fake.references_error = Some(Ec2ErrorKind::Denied);
        let (done, _) = run(&fake, &[deletion(1), deletion(2)]);
        assert!(done.iter().all(Done::failed));
        assert!(fake.deregistered.borrow().is_empty());
        match &done[0].outcome {
            Outcome::Failed { error } => assert!(error.starts_with("not deleted: use unknown, kept: "), "{error}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deletions_are_paced_and_grouped_by_ten() {
        let fake = FakeEc2::with_images((1..=25).map(image));
        let deletions: Vec<Deletion> = (1..=25).map(deletion).collect();
        let (done, pauses) = run(&fake, &deletions);
        assert_eq!(done.iter().filter(|d| d.outcome.label() == "deleted").count(), 25);
        assert_eq!(pauses, 24, "a pause between every two DeregisterImage calls");
        assert_eq!(fake.bulk_calls.get(), 3, "find_images once per group of 10");
    }
}
