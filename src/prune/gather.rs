//! The facts `prune`'s rules decide on, asked of EC2 in as few calls as the
//! question allows: each region's own images once (paginated), then — only
//! for the images the cheap rules would delete — DescribeImageReferences (10
//! images a call) and the region's launch configurations (once), then — only
//! for the images still deleted — who may launch each (DescribeImageAttribute,
//! one image a call).

use std::collections::{BTreeMap, HashMap, HashSet};

use time::OffsetDateTime;

use super::recycle::{recovery_of, Recovery};
use super::rules::{self, Action, Launchers, Row, Rules, Surroundings, Use};
use super::shared_use::{other_uses, uses_in_accounts, OtherUse, Waiting};
use crate::accounts::Member;
use crate::aws::{Aws, AwsError, ImageKey};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{Image, ImageReference, Sharing};
use crate::lineage::graph::{descendants_tree, Index};
use crate::uses::UseCounts;

/// Which of the account's images the plan considers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Names `PREFIX-…` only (create's -N).
    pub name_prefix: Option<String>,
    /// Every one of these tags, with these values.
    pub tags: Vec<(String, String)>,
    /// This image (in the region in use) and everything made from it.
    pub descendants_of: Option<AmiId>,
}

impl Scope {
    fn admits(&self, image: &Image) -> bool {
        let named = match &self.name_prefix {
            Some(prefix) => image
                .name
                .as_deref()
                .and_then(|n| n.strip_prefix(prefix.as_str()))
                .is_some_and(|rest| rest.starts_with('-')),
            None => true,
        };
        named && self.tags.iter().all(|(k, v)| image.tags.get(k) == Some(v))
    }
}

/// A plan, before it is rendered.
#[derive(Debug)]
pub struct Planned {
    pub rows: Vec<Row>,
    /// Regions whose images could not be listed: nothing in them was
    /// considered, and no image anywhere was deleted (a pending copy there
    /// could come from any of them).
    pub unread: Vec<(Region, AwsError)>,
}

/// A stage of gathering, told to `plan`'s observer (a status line) as it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Each region's own images, paginated.
    Listing { regions: usize },
    /// DescribeImageReferences for the images the cheap rules would delete.
    CheckingUses { images: usize },
    /// DescribeImageAttribute for the images still deleted.
    CheckingSharing { images: usize },
    /// --include-shared: the usage reports of the shared ones, made and waited for.
    CheckingOtherAccounts { images: usize },
    /// The Recycle Bin rules of the regions with deletions.
    ReadingRecycleBin { regions: usize },
}

/// Make the plan for `regions`; `home` is the region in use (where
/// --descendants-of's image is). `on_stage` is told each stage as it
/// starts; `waiting` bounds the wait for usage reports (--include-shared).
#[allow(clippy::too_many_arguments)]
pub fn plan(
    aws: &dyn Aws,
    members: &[Member],
    home: &Region,
    regions: &[Region],
    scope: &Scope,
    rules: &Rules,
    now: OffsetDateTime,
    waiting: &Waiting,
    on_stage: &mut dyn FnMut(Stage),
) -> Planned {
    on_stage(Stage::Listing { regions: regions.len() });
    let mut all_own: Vec<Image> = Vec::new();
    let mut unread = Vec::new();
    for (region, result) in aws.own_images(regions) {
        match result {
            Ok(images) => all_own.extend(images),
            Err(error) => unread.push((region, error)),
        }
    }
    let (mut rows, around) = cheap_rows(all_own, home, scope, rules, now);
    let candidates = rules::to_check(&rows);
    let uses: HashMap<ImageKey, Use> = match unread.first() {
        // Fail closed, without asking about uses: an image there may be a
        // pending copy of any image here.
        Some((region, error)) => {
            let why = format!("{region} could not be read, pending copies there are unknown: {error}");
            candidates.into_iter().map(|key| (key, Use::Unchecked(why.clone()))).collect()
        }
        None => {
            on_stage(Stage::CheckingUses { images: candidates.len() });
            uses_of(aws, &candidates)
        }
    };
    rules::apply_uses(&mut rows, &uses, rules, now);
    let still_deleted = rules::to_check(&rows);
    if !still_deleted.is_empty() {
        on_stage(Stage::CheckingSharing { images: still_deleted.len() });
        let launchers = launchers_of(aws, &still_deleted);
        let elsewhere = elsewhere_of(aws, members, &launchers, rules, waiting, on_stage);
        rules::apply_sharing(&mut rows, &launchers, &elsewhere, rules, now);
    }
    rules::apply_lineage(&mut rows, &around, rules, now);
    add_recovery(aws, &mut rows, on_stage);
    Planned { rows: rules::order(rows), unread }
}

/// The cheap rules (stage 1) on the scanned regions' own images: the rows of
/// the images in `scope`, and what all of them tell about each other (each
/// image ranked once, however often it was listed: see `decide`). The plan starts from
/// this, and `--apply`/`--apply-plan` run it again on the images as they
/// are when deleting starts.
pub fn cheap_rows(
    all_own: Vec<Image>,
    home: &Region,
    scope: &Scope,
    rules: &Rules,
    now: OffsetDateTime,
) -> (Vec<Row>, Surroundings) {
    let in_subtree = scope.descendants_of.as_ref().map(|id| {
        let mut index = Index::default();
        all_own.iter().cloned().for_each(|image| index.insert(image));
        let tree = descendants_tree(&index, &(home.clone(), id.clone()), None, false);
        tree.preorder().into_iter().map(|node| node.key.clone()).collect::<HashSet<ImageKey>>()
    });
    let around = Surroundings::of(&all_own);
    let in_scope: Vec<Image> = all_own
        .into_iter()
        .filter(|image| scope.admits(image))
        .filter(|image| in_subtree.as_ref().is_none_or(|keys| keys.contains(&(image.region.clone(), image.id.clone()))))
        .collect();
    (rules::decide(in_scope, &around, rules, now), around)
}

/// For each deletion, whether the Recycle Bin will hold the image: the
/// rules of each region with deletions, read once. Only informs the plan:
/// unreadable rules make the recovery "unknown", they keep nothing.
fn add_recovery(aws: &dyn Aws, rows: &mut [Row], on_stage: &mut dyn FnMut(Stage)) {
    let mut regions: Vec<Region> =
        rows.iter().filter(|r| r.action == Action::Delete).map(|r| r.image.region.clone()).collect();
    regions.sort();
    regions.dedup();
    if !regions.is_empty() {
        on_stage(Stage::ReadingRecycleBin { regions: regions.len() });
    }
    for region in regions {
        let rules = aws.recycle_bin_rules(&region);
        for row in rows.iter_mut().filter(|r| r.action == Action::Delete && r.image.region == region) {
            row.recovery = Some(match &rules {
                Ok(rules) => recovery_of(&row.image, rules),
                Err(error) => Recovery::Unknown(error.to_string()),
            });
        }
    }
}

/// --include-shared: what the usage reports say of the shared images the
/// rules let their reports decide (none without the flag).
pub fn elsewhere_of(
    aws: &dyn Aws,
    members: &[Member],
    launchers: &HashMap<ImageKey, Launchers>,
    rules: &Rules,
    waiting: &Waiting,
    on_stage: &mut dyn FnMut(Stage),
) -> HashMap<ImageKey, OtherUse> {
    let mut shared: Vec<(ImageKey, Sharing)> = launchers
        .iter()
        .filter_map(|(key, known)| {
            known.as_ref().ok().filter(|s| rules::report_decides(s, rules)).map(|s| (key.clone(), s.clone()))
        })
        .collect();
    if shared.is_empty() {
        return HashMap::new();
    }
    shared.sort_by(|a, b| a.0.cmp(&b.0));
    on_stage(Stage::CheckingOtherAccounts { images: shared.len() });
    let (mut found, rest) = uses_in_accounts(members, &shared);
    if !rest.is_empty() {
        found.extend(other_uses(aws, &rest, waiting));
    }
    found
}

/// `keys`' ids by region.
fn by_region(keys: &[ImageKey]) -> BTreeMap<&Region, Vec<AmiId>> {
    let mut by_region: BTreeMap<&Region, Vec<AmiId>> = BTreeMap::new();
    for (region, id) in keys {
        by_region.entry(region).or_default().push(id.clone());
    }
    by_region
}

/// Who may launch each of `keys` (DescribeImageAttribute, one call an
/// image). A failed answer makes its image unknown, and so kept.
pub fn launchers_of(aws: &dyn Aws, keys: &[ImageKey]) -> HashMap<ImageKey, Launchers> {
    let mut launchers = HashMap::new();
    for (region, ids) in by_region(keys) {
        for (id, answer) in aws.launch_permissions(region, &ids) {
            launchers.insert((region.clone(), id), answer.map_err(|error| error.to_string()));
        }
    }
    launchers
}

/// What uses each of `keys`, counted by kind, with how many of its
/// instances run now (DescribeInstances, only where instances use it): the
/// blast radius `children --uses` and `revoke` show.
pub fn use_counts(aws: &dyn Aws, keys: &[ImageKey]) -> HashMap<ImageKey, Result<UseCounts, String>> {
    let uses = uses_of(aws, keys);
    let mut instances: BTreeMap<&Region, Vec<InstanceId>> = BTreeMap::new();
    for ((region, _), found) in &uses {
        if let Use::Checked(references) = found {
            instances.entry(region).or_default().extend(UseCounts::instance_ids(references));
        }
    }
    let running: HashMap<&Region, Result<Vec<InstanceId>, String>> = instances
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(region, mut ids)| {
            ids.sort();
            ids.dedup();
            (region, aws.running_instances(region, &ids).map_err(|e| e.to_string()))
        })
        .collect();
    uses.iter()
        .map(|(key, found)| {
            let counted = match found {
                Use::Unchecked(why) => Err(why.clone()),
                Use::Checked(references) => {
                    let mut counts = UseCounts::of(references);
                    let ids = UseCounts::instance_ids(references);
                    match running.get(&key.0) {
                        _ if ids.is_empty() => Ok(counts),
                        Some(Ok(running)) => {
                            counts.running_instances = ids.iter().filter(|id| running.contains(id)).count();
                            Ok(counts)
                        }
                        Some(Err(why)) => Err(format!("whether its instances run is unknown: {why}")),
                        None => Err("not checked".to_string()),
                    }
                }
            };
            (key.clone(), counted)
        })
        .collect()
}

/// What uses each of `keys`: DescribeImageReferences and the region's launch
/// configurations. A failed answer makes its images `Unchecked`.
pub fn uses_of(aws: &dyn Aws, keys: &[ImageKey]) -> HashMap<ImageKey, Use> {
    let mut uses = HashMap::new();
    for (region, ids) in by_region(keys) {
        let configurations = aws.launch_configuration_images(region);
        for (group, answer) in aws.image_references(region, &ids) {
            for id in group {
                let key = (region.clone(), id.clone());
                let found = match (&configurations, &answer) {
                    (Err(error), _) | (_, Err(error)) => Use::Unchecked(error.to_string()),
                    (Ok(configurations), Ok(references)) => Use::Checked(
                        references
                            .iter()
                            .chain(configurations)
                            .filter(|reference| reference.image_id == id)
                            .cloned()
                            .collect::<Vec<ImageReference>>(),
                    ),
                };
                uses.insert(key, found);
            }
        }
    }
    uses
}
