//! Filling the lineage index from EC2, at a cost that follows the lineage
//! asked about, not the size of the account.
//!
//! # The cost rule
//!
//! In each account-region there are two ways to learn a lineage: read the
//! region's own images (one page of 1,000 a call), or ask targeted questions
//! (GetImageAncestry, images by id, the images made from a set of ids — 200
//! ids a query, by tag and by EC2's record —, the images carrying a
//! watermark). amitools takes whichever costs fewer calls, judged by what the
//! answers so far show, and asks the dearer way only while it is still the
//! cheaper:
//!
//! 1. **A first page decides.** `children` first asks each region for one
//!    small page (100) of its own images; `ancestors`, at the first link only
//!    a tag records, one full page (1,000). Where that page holds the region,
//!    the region is read and nothing more is asked of it.
//! 2. **Otherwise targeted questions**, each answered in one call (plus
//!    pages): the recorded chain of 50 generations, the next generation of
//!    children, every image carrying the root's watermark (an ancestor's:
//!    when one full page holds them, as its family may be much of the region).
//! 3. **Back to reading whole** when an answer shows the targeted way has
//!    become the dearer: a region that answered with more of the lineage than
//!    the first page held, and would next be asked about more ids than one
//!    query takes, is offered one full page, once (`worth_one_full_page`);
//!    a lineage still going after 50 generation rounds has its large regions
//!    read whole.
//!
//! Whatever the watermark or the first page says, completeness never rests
//! on it: every image found in the tree has the images made from it asked
//! for (or its region read whole). A watermark only lets one round ask about
//! every generation at once.
//!
//! With other accounts (`--accounts`), each question goes to every account
//! at once (accounts.rs): each searches its own images, so the tree holds
//! what workload accounts made from a build account's shared image; and a
//! parent another account owns is read with that account's credentials,
//! which see its tags.

use std::collections::{HashMap, HashSet};

use crate::accounts::Readers;
use crate::aws::{Aws, AwsError, AwsErrorKind, OnePage, FILTER_VALUES_MAX};
use crate::ids::{AmiId, Region};
use crate::image::{AncestryEntry, Image};
use crate::lineage::graph::{descendants_tree, walk_ancestors, Chain, Index, Key, Tree, Walk};
use crate::lineage::SOURCE_IMAGE;

/// GetImageAncestry's longest answer.
const ANCESTRY_MAX: usize = 50;

/// Generations asked for one by one before a region is read whole instead.
/// Each round costs about 2 calls per region; reading a region of 50,000
/// images (EC2's quota) costs 50 pages. A lineage deeper than this is read
/// in at most about twice what the cheaper of the two ways would cost.
const GENERATION_ROUNDS_MAX: u32 = 50;

/// A chain of ancestors, and the regions that could not be asked about a
/// parent (a tag naming a region that does not exist, or one that refuses
/// these credentials): those parents end the chain as not found.
#[derive(Debug)]
pub struct Ancestors {
    pub chain: Chain,
    pub unreachable: Vec<(Region, AwsError)>,
}

/// The images read by reader `reader`, labelled with its account, into the index.
fn insert_read(index: &mut Index, images: Vec<Image>, account: Option<&str>) {
    for mut image in images {
        image.account = account.map(str::to_string);
        index.insert(image);
    }
}

/// The ancestors of `start`, with EC2's ancestry record where EC2 has one.
/// Only a failure of your own account in the start's own region is an error.
pub fn ancestors(readers: &mut Readers, start: &Key, max_depth: u32, tags_only: bool) -> Result<Ancestors, AwsError> {
    let mut index = Index::default();
    let mut ancestry_available = true;
    // Regions whose own images were read in one page (or tried).
    let mut probed: HashSet<Region> = HashSet::new();
    let mut unreachable: Vec<(Region, AwsError)> = Vec::new();
    loop {
        let (key, recorded) = match walk_ancestors(&index, start, max_depth, tags_only) {
            Walk::Done(chain) => return Ok(Ancestors { chain, unreachable }),
            Walk::Need { key, recorded } => (key, recorded),
        };
        // Rule 1 of the cost rule, for a link EC2 does not record (a tag
        // only): one full page of the region's own images, once, usually
        // holds the rest of the chain, where asking parent by parent costs a
        // call per generation.
        if !recorded && !probed.contains(&key.0) {
            probed.insert(key.0.clone());
            for (_, answer) in readers.own().own_images_in_one_page(std::slice::from_ref(&key.0), OnePage::Full) {
                match answer {
                    Ok(Some(images)) => insert_read(&mut index, images, readers.account(0)),
                    Ok(None) => log::info!("{}: more own images than one page; parents looked up by id", key.0),
                    Err(error) => log::info!("{}: {error}; parents looked up by id", key.0),
                }
            }
            if index.knows(&key) {
                continue;
            }
        }
        let mut wanted = vec![key.clone()];
        if recorded && ancestry_available {
            match recorded_chain_of_any(readers, &key, max_depth as usize + 1) {
                Ok(entries) => {
                    for entry in entries {
                        wanted.push((entry.region.clone(), entry.id.clone()));
                        index.record(entry);
                    }
                }
                // Not visible to you: DescribeImages will say the same.
                Err(e) if e.kind == AwsErrorKind::NotFound => {}
                Err(e) if matches!(e.kind, AwsErrorKind::Denied | AwsErrorKind::Unsupported) && key.0 == start.0 => {
                    log::info!("GetImageAncestry unavailable ({e}); following tags and SourceImageId image by image");
                    ancestry_available = false;
                }
                Err(e) if key.0 == start.0 => return Err(e),
                // Another region: DescribeImages below tells whether it answers at all.
                Err(e) => log::info!("GetImageAncestry in {}: {e}", key.0),
            }
        }
        wanted.retain(|k| !index.knows(k));
        wanted.dedup();
        let mut found_now: HashSet<Key> = HashSet::new();
        for (region, result) in readers.own().find_images(&wanted) {
            match result {
                Ok(images) => {
                    found_now.extend(images.iter().map(|i| (i.region.clone(), i.id.clone())));
                    insert_read(&mut index, images, readers.account(0));
                }
                Err(error) if region == start.0 => return Err(error),
                Err(error) => {
                    if !unreachable.iter().any(|(r, _)| r == &region) {
                        unreachable.push((region, error));
                    }
                }
            }
        }
        if readers.has_members() {
            read_with_other_accounts(readers, &mut index, &wanted, &found_now);
        }
        for key in wanted {
            index.looked_up(key);
        }
    }
}

/// Ask the other accounts about `wanted`: every account for the images your
/// own could not see, and each account for those it owns (its credentials
/// see their tags, which another account's never do). An image read by its
/// owner replaces what another account read of it. A failure here only
/// leaves the image as your own account saw it (or not found).
fn read_with_other_accounts(readers: &mut Readers, index: &mut Index, wanted: &[Key], found_now: &HashSet<Key>) {
    let keys: Vec<Vec<Key>> = (0..readers.count())
        .map(|reader| {
            if reader == 0 {
                return Vec::new();
            }
            let account = readers.account(reader);
            wanted
                .iter()
                .filter(|key| match index.get(key).filter(|_| found_now.contains(*key)) {
                    Some(image) => image.owner.as_deref() == account && account != readers.account(0),
                    None => true,
                })
                .cloned()
                .collect()
        })
        .collect();
    if keys.iter().all(Vec::is_empty) {
        return;
    }
    let answers =
        readers.each(|reader, aws| if keys[reader].is_empty() { Vec::new() } else { aws.find_images(&keys[reader]) });
    let mut read_by_owner: HashSet<Key> = HashSet::new();
    let mut read_by_member: HashSet<Key> = HashSet::new();
    for (reader, answer) in answers.into_iter().enumerate() {
        let account = readers.account(reader);
        for (region, result) in answer {
            match result {
                Ok(images) => {
                    for image in images {
                        let key = (image.region.clone(), image.id.clone());
                        let by_owner = image.owner.as_deref() == account;
                        let first = !found_now.contains(&key) && !read_by_member.contains(&key);
                        if (by_owner || first) && !read_by_owner.contains(&key) {
                            if by_owner {
                                read_by_owner.insert(key.clone());
                            }
                            read_by_member.insert(key);
                            insert_read(index, vec![image], account);
                        }
                    }
                }
                Err(error) => log::info!("account {} in {region}: {error}", account.unwrap_or("?")),
            }
        }
    }
}

/// EC2's ancestry of `key`, asked of your own account, then of each other
/// account until one can see the image (GetImageAncestry answers only for
/// images the caller may launch).
fn recorded_chain_of_any(readers: &Readers, key: &Key, limit: usize) -> Result<Vec<AncestryEntry>, AwsError> {
    let own = recorded_chain(readers.own(), key, limit);
    match own {
        Err(ref e) if e.kind == AwsErrorKind::NotFound && readers.count() > 1 => {
            for reader in 1..readers.count() {
                match recorded_chain(readers.handle(reader), key, limit) {
                    Ok(entries) => return Ok(entries),
                    Err(e) => log::info!("GetImageAncestry in account {}: {e}", readers.account(reader).unwrap_or("?")),
                }
            }
            own
        }
        other => other,
    }
}

/// EC2's ancestry of `key`, continued past GetImageAncestry's 50 entries
/// until `limit` entries, the root, or an answer that adds nothing new.
fn recorded_chain(aws: &dyn Aws, key: &Key, limit: usize) -> Result<Vec<AncestryEntry>, AwsError> {
    let mut entries: Vec<AncestryEntry> = aws.image_ancestry(&key.0, &key.1)?;
    let mut seen: HashSet<AmiId> = entries.iter().map(|e| e.id.clone()).collect();
    while entries.len() >= ANCESTRY_MAX && entries.len() < limit {
        let Some(last) = entries.last() else { break };
        let Some(parent) = last.source_image_id.clone() else { break };
        if last.owner_alias.is_some() {
            break;
        }
        let region = last.source_image_region.clone().unwrap_or_else(|| last.region.clone());
        let more = match aws.image_ancestry(&region, &parent) {
            Ok(more) => more,
            // The 51st image is gone or hidden: the walk shows it as such.
            Err(e) if e.kind == AwsErrorKind::NotFound => break,
            Err(e) => return Err(e),
        };
        let before = entries.len();
        entries.extend(more.into_iter().filter(|e| seen.insert(e.id.clone())));
        if entries.len() == before {
            break;
        }
    }
    Ok(entries)
}

/// A region that refused to be searched, in your own account (`account`
/// None) or another.
#[derive(Debug)]
pub struct Refused {
    pub account: Option<String>,
    pub region: Region,
    pub error: AwsError,
}

/// A descendants tree, and the regions that refused to be searched.
#[derive(Debug)]
pub struct Descendants {
    pub tree: Tree,
    pub refused: Vec<Refused>,
}

fn refusal(readers: &Readers, reader: usize, region: Region, error: AwsError) -> Refused {
    let account = if reader == 0 { None } else { readers.account(reader).map(str::to_string) };
    Refused { account, region, error }
}

/// One round of the search, as it starts: told to `descendants`' observer
/// (a status line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// The first look: each region's own images, if one small page holds them.
    FirstLook { regions: usize },
    /// Round `round` (from 0) of targeted questions: the images made from
    /// `images` images of the tree (a generation; after a watermark, the
    /// whole tree), asked of the regions too large to read whole.
    Generation { round: u32, images: usize, regions: usize },
    /// A lineage deeper than GENERATION_ROUNDS_MAX: the large regions read whole.
    ReadingWhole { regions: usize },
    /// The watermark of the root (or an ancestor): every image carrying it,
    /// asked of the large regions at once.
    Watermark { regions: usize },
}

/// The descendants of `root` in `regions` of every account read (the root's
/// region is always searched, and must answer in your own account; another
/// region or account that refuses is skipped and reported in `refused`).
/// `on_round` is told each round as it starts; its region counts are
/// account-regions.
pub fn descendants(
    readers: &mut Readers,
    root: &Key,
    regions: &[Region],
    depth: Option<u32>,
    tags_only: bool,
    on_round: &mut dyn FnMut(Round),
) -> Result<Descendants, AwsError> {
    let mut searched: Vec<Region> = vec![root.0.clone()];
    for region in regions {
        if !searched.contains(region) {
            searched.push(region.clone());
        }
    }
    let mut index = Index::default();
    let mut refused: Vec<Refused> = Vec::new();
    // Per account, the regions whose own images do not fit in one page:
    // asked generation by generation.
    let mut large: Vec<Vec<Region>> = vec![Vec::new(); readers.count()];
    on_round(Round::FirstLook { regions: searched.len() * readers.count() });
    let firsts = readers.each(|_, aws| aws.own_images_in_one_page(&searched, OnePage::Small));
    for (reader, answers) in firsts.into_iter().enumerate() {
        for (region, result) in answers {
            match result {
                Ok(Some(images)) => insert_read(&mut index, images, readers.account(reader)),
                Ok(None) => large[reader].push(region),
                Err(error) if reader == 0 && region == root.0 => return Err(error),
                Err(error) => refused.push(refusal(readers, reader, region, error)),
            }
        }
    }
    // The root is often not the account's own (a public base image): look it up.
    if index.get(root).is_none() {
        for (_, result) in readers.own().find_images(std::slice::from_ref(root)) {
            insert_read(&mut index, result?, readers.account(0));
        }
    }
    // Another account's own image, not shared with yours: asked of them.
    if index.get(root).is_none() && readers.has_members() {
        let answers = readers.each(
            |reader, aws| {
                if reader == 0 {
                    Vec::new()
                } else {
                    aws.find_images(std::slice::from_ref(root))
                }
            },
        );
        for (reader, answer) in answers.into_iter().enumerate() {
            for (_, result) in answer {
                match result {
                    Ok(images) => insert_read(&mut index, images, readers.account(reader)),
                    Err(error) => log::info!("account {}: {error}", readers.account(reader).unwrap_or("?")),
                }
            }
        }
    }
    // Per account-region, how many images its latest answer held.
    let mut answered: HashMap<(usize, Region), usize> = HashMap::new();
    let watermark =
        if tags_only || large.iter().all(Vec::is_empty) { None } else { family_watermark(readers, &index, root) };
    if let Some(source) = &watermark {
        on_round(Round::Watermark { regions: large.iter().map(Vec::len).sum() });
        if *source == root.1 {
            // The root's own: its family is the lineage asked about, every page of it.
            let found = ask_large(readers, &mut index, root, &mut large, &mut refused, |aws, regions| {
                aws.own_images_watermarked_from(regions, source)
            })?;
            answered.extend(found.into_iter().map(|(reader, region, count)| ((reader, region), count)));
        } else {
            answered.extend(ancestors_family_in_one_page(readers, &mut index, &large, source));
        }
    }
    walk_generations(readers, &mut index, root, &mut large, &mut refused, depth, tags_only, answered, on_round)?;
    Ok(Descendants { tree: descendants_tree(&index, root, depth, tags_only), refused })
}

/// The watermark whose family holds the root's: one first attached to the
/// root itself (its family is the root's lineage since), else the one first
/// attached to the nearest ancestor (EC2 copies every watermark an image
/// carries to what is made from it, so the nearest ancestor's family is the
/// smallest that holds the root's; its other images are left out of the
/// tree, which is built from the root). Several ancestors' watermarks: EC2's
/// record of the root's chain (one GetImageAncestry) says which is nearest.
fn family_watermark(readers: &Readers, index: &Index, root: &Key) -> Option<AmiId> {
    let image = index.get(root)?;
    let mut sources: Vec<&AmiId> = image.watermarks.iter().filter_map(|w| w.source_image_id.as_ref()).collect();
    sources.sort();
    sources.dedup();
    if sources.contains(&&root.1) {
        return Some(root.1.clone());
    }
    if sources.len() > 1 {
        match readers.own().image_ancestry(&root.0, &root.1) {
            Ok(chain) => {
                if let Some(nearest) = chain.iter().find_map(|entry| sources.iter().find(|s| ***s == entry.id)) {
                    return Some((*nearest).clone());
                }
            }
            // Any of them serves; the nearest only costs less.
            Err(error) => log::info!("GetImageAncestry of {}: {error}; using the watermark of {}", root.1, sources[0]),
        }
    }
    sources.first().map(|s| (*s).clone())
}

/// An ancestor's watermark: its family holds the root's lineage but may be
/// much of the region (a platform team's base, and every team's images made
/// from it), so it is asked for in one full page, once; where the family is
/// larger, the walk goes on there without it. Returns each account-region
/// answered and how many images its answer held.
fn ancestors_family_in_one_page(
    readers: &mut Readers,
    index: &mut Index,
    large: &[Vec<Region>],
    source: &AmiId,
) -> Vec<((usize, Region), usize)> {
    let answers = readers.each(|reader, aws| {
        if large[reader].is_empty() {
            Vec::new()
        } else {
            aws.own_images_watermarked_from_in_one_page(&large[reader], source, OnePage::Full)
        }
    });
    let mut answered = Vec::new();
    for (reader, answer) in answers.into_iter().enumerate() {
        for (region, result) in answer {
            match result {
                Ok(Some(images)) => {
                    answered.push(((reader, region), images.len()));
                    insert_read(index, images, readers.account(reader));
                }
                Ok(None) => log::info!(
                    "{region}: the family of {source}'s watermark is more than one page; generation by generation"
                ),
                // The walk asks the same region, and says what it refuses.
                Err(error) => log::info!("{region}: {error}; generation by generation"),
            }
        }
    }
    answered
}

/// Rule 3 of the cost rule: an account-region whose latest answer held more
/// of the lineage than the first look's page, and which the next round would
/// ask about more ids than one query takes (two calls or more per filter),
/// is offered one full page first: where the lineage is most of a region of
/// up to 1,000 images, that one call ends the search there.
fn worth_one_full_page(found_there: usize, next_ids: usize) -> bool {
    found_there > OnePage::Small.size() && next_ids > FILTER_VALUES_MAX
}

/// Rounds of targeted questions: each asks every account's `large` regions
/// for the images made from every image of the tree not yet asked about —
/// the root's children first, then generation by generation; after a
/// watermark's answer, every watermarked image of the tree at once (the
/// watermark misses images registered rather than made, those made before it
/// was attached, and those it was detached from; they are children of images
/// in the tree, so they are found here, and their own children the round
/// after). `answered`: each account-region's latest answer's size.
#[allow(clippy::too_many_arguments)] // descendants' own arguments, passed on
fn walk_generations(
    readers: &mut Readers,
    index: &mut Index,
    root: &Key,
    large: &mut [Vec<Region>],
    refused: &mut Vec<Refused>,
    depth: Option<u32>,
    tags_only: bool,
    mut answered: HashMap<(usize, Region), usize>,
    on_round: &mut dyn FnMut(Round),
) -> Result<(), AwsError> {
    let mut asked: HashSet<Key> = HashSet::new();
    // Account-regions read in one full page already (or tried).
    let mut probed: HashSet<(usize, Region)> = HashSet::new();
    let mut round = 0u32;
    let count = |large: &[Vec<Region>]| large.iter().map(Vec::len).sum::<usize>();
    while count(large) > 0 {
        // Every image of the tree (to the depth asked) whose children are not asked for yet.
        let tree = descendants_tree(index, root, depth, tags_only);
        let frontier: Vec<Key> = tree
            .preorder()
            .into_iter()
            .filter(|node| depth.is_none_or(|d| node.depth < d as usize) && !asked.contains(&node.key))
            .map(|node| node.key.clone())
            .collect();
        if frontier.is_empty() {
            break;
        }
        let mut ids: Vec<AmiId> = frontier.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let crowded: Vec<(usize, Region)> = answered
            .iter()
            .filter(|(place, found)| worth_one_full_page(**found, ids.len()) && !probed.contains(*place))
            .map(|(place, _)| place.clone())
            .filter(|(reader, region)| large[*reader].contains(region))
            .collect();
        if !crowded.is_empty() {
            // What the full pages hold may add to the tree: the frontier is looked at again.
            read_whole_in_one_page(readers, index, large, crowded, &mut probed);
            continue;
        }
        if round >= GENERATION_ROUNDS_MAX {
            // A deep lineage: the rest costs less by reading these regions whole.
            on_round(Round::ReadingWhole { regions: count(large) });
            ask_large(readers, index, root, large, refused, |aws, regions| aws.own_images(regions))?;
            return Ok(());
        }
        asked.extend(frontier);
        on_round(Round::Generation { round, images: ids.len(), regions: count(large) });
        let found = ask_large(readers, index, root, large, refused, |aws, regions| {
            aws.own_images_made_from(regions, &ids, SOURCE_IMAGE, tags_only)
        })?;
        answered.extend(found.into_iter().map(|(reader, region, count)| ((reader, region), count)));
        round += 1;
    }
    Ok(())
}

/// One round of the search: `ask` put to every account's large regions at
/// once, the answers into the index. Your own account failing in the root's
/// region fails the search; another account-region that fails is reported
/// and asked no more. Returns each account-region answered and how many
/// distinct images its answer held.
fn ask_large(
    readers: &mut Readers,
    index: &mut Index,
    root: &Key,
    large: &mut [Vec<Region>],
    refused: &mut Vec<Refused>,
    ask: impl Fn(&dyn Aws, &[Region]) -> Vec<crate::aws::RegionResult<Vec<Image>>> + Sync,
) -> Result<Vec<(usize, Region, usize)>, AwsError> {
    let asked: &[Vec<Region>] = large;
    let answers =
        readers.each(|reader, aws| if asked[reader].is_empty() { Vec::new() } else { ask(aws, &asked[reader]) });
    let mut answered = Vec::new();
    for (reader, answer) in answers.into_iter().enumerate() {
        for (region, result) in answer {
            match result {
                Ok(images) => {
                    let distinct = images.iter().map(|i| &i.id).collect::<HashSet<_>>().len();
                    insert_read(index, images, readers.account(reader));
                    answered.push((reader, region, distinct));
                }
                Err(error) if reader == 0 && region == root.0 => return Err(error),
                Err(error) => {
                    large[reader].retain(|r| r != &region);
                    refused.push(refusal(readers, reader, region, error));
                }
            }
        }
    }
    Ok(answered)
}

/// Rule 3's full page, asked once of each account-region in `places`: one
/// that fits is read whole and asked no more.
fn read_whole_in_one_page(
    readers: &mut Readers,
    index: &mut Index,
    large: &mut [Vec<Region>],
    places: Vec<(usize, Region)>,
    probed: &mut HashSet<(usize, Region)>,
) {
    probed.extend(places.iter().cloned());
    let asked: Vec<Vec<Region>> = (0..readers.count())
        .map(|reader| places.iter().filter(|(r, _)| *r == reader).map(|(_, region)| region.clone()).collect())
        .collect();
    let answers = readers.each(|reader, aws| {
        if asked[reader].is_empty() {
            Vec::new()
        } else {
            aws.own_images_in_one_page(&asked[reader], OnePage::Full)
        }
    });
    for (reader, answer) in answers.into_iter().enumerate() {
        for (region, result) in answer {
            match result {
                Ok(Some(images)) => {
                    insert_read(index, images, readers.account(reader));
                    large[reader].retain(|r| r != &region);
                }
                Ok(None) => log::info!("{region}: more own images than one page; generation by generation"),
                // Not a refusal of the search: the generation queries go on there.
                Err(error) => log::info!("{region}: {error}; generation by generation"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Readers;
    use crate::image::Image;
    use crate::lineage::graph::{Ancestor, ChainEnd, Origin};
    use crate::testing::{id, key, made, region, tagged, FakeAws};

    fn ids(chain: &Chain) -> Vec<String> {
        chain.ancestors.iter().map(|a| a.id().to_string()).collect()
    }

    fn tree_ids(tree: &Tree) -> Vec<(usize, String)> {
        tree.preorder().into_iter().map(|n| (n.depth, n.key.1.to_string())).collect()
    }

    /// A 60-deep chain recorded by EC2, rooted at an Amazon image, crossing
    /// regions at generation 25, in an account with 500 unrelated images.
    fn deep_account() -> Vec<Image> {
        let mut root = tagged("us-east-1", 1, None);
        root.owner = Some("amazon".into());
        let mut images = vec![root];
        for n in 2..=25 {
            images.push(made("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        images.push(made("eu-west-1", 26, Some(("us-east-1", 25))));
        for n in 27..=60 {
            images.push(made("eu-west-1", n, Some(("eu-west-1", n - 1))));
        }
        images.extend((1000..1500).map(|n| made("eu-west-1", n, Some(("eu-west-1", 999)))));
        images
    }

    #[test]
    fn ancestors_cost_follows_the_chain_not_the_account() {
        let aws = FakeAws::with_images(deep_account());
        let chain = ancestors(&mut Readers::one(&aws), &key("eu-west-1", 60), 1000, false).unwrap().chain;
        assert_eq!(chain.ancestors.len(), 60);
        assert_eq!(chain.end, ChainEnd::Root);
        // Two ancestry calls (50 + 10 entries), one details round over both regions.
        assert_eq!(aws.ancestry_calls.get(), 2);
        assert_eq!(aws.bulk_calls.get(), 2);
        assert_eq!(aws.images_returned.get(), 60);
        let Ancestor::Found { link: Some(link), .. } = &chain.ancestors[0] else { panic!() };
        assert_eq!(link.origin, Origin::Tag);
    }

    /// A 30-deep chain known only from tags (RegisterImage, imports, images
    /// retro-tagged), in a region of 300 own images.
    fn tag_only_chain(full_page: usize) -> FakeAws<'static> {
        let mut images = vec![tagged("us-east-1", 1, None)];
        for n in 2..=30 {
            images.push(tagged("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        images.extend((1000..1270).map(|n| tagged("us-east-1", n, None)));
        let mut aws = FakeAws::with_images(images);
        aws.full_page_size = full_page;
        aws
    }

    #[test]
    fn a_tag_only_chain_costs_three_calls_where_one_page_holds_the_region() {
        let aws = tag_only_chain(1000);
        let chain = ancestors(&mut Readers::one(&aws), &key("us-east-1", 30), 1000, false).unwrap().chain;
        assert_eq!(chain.ancestors.len(), 30);
        assert_eq!(chain.end, ChainEnd::Root);
        // GetImageAncestry, the start by id, one page of the region's 300 images.
        assert_eq!(aws.ancestry_calls.get() + aws.bulk_calls.get(), 3);
        assert_eq!(aws.images_returned.get(), 1 + 300);

        // A region larger than a page: one look, then parent by parent, as before.
        let aws = tag_only_chain(100);
        let chain = ancestors(&mut Readers::one(&aws), &key("us-east-1", 30), 1000, false).unwrap().chain;
        assert_eq!(chain.ancestors.len(), 30);
        assert_eq!(aws.ancestry_calls.get() + aws.bulk_calls.get(), 1 + 1 + 1 + 29);
    }

    #[test]
    fn without_getimageancestry_parents_are_looked_up_by_id() {
        for kind in [AwsErrorKind::Denied, AwsErrorKind::Unsupported] {
            let mut aws = FakeAws::with_images(deep_account());
            aws.ancestry_error = Some(kind);
            let with =
                ancestors(&mut Readers::one(&FakeAws::with_images(deep_account())), &key("eu-west-1", 60), 1000, false)
                    .unwrap()
                    .chain;
            let chain = ancestors(&mut Readers::one(&aws), &key("eu-west-1", 60), 1000, false).unwrap().chain;
            assert_eq!(chain, with, "{kind:?}: the same rows");
            assert_eq!(aws.ancestry_calls.get(), 1, "{kind:?}: asked once, then not again");
            assert_eq!(aws.images_returned.get(), 60, "{kind:?}: never the account");
        }
        let mut aws = FakeAws::with_images(deep_account());
        aws.ancestry_error = Some(AwsErrorKind::Service);
        assert!(
            ancestors(&mut Readers::one(&aws), &key("eu-west-1", 60), 1000, false).is_err(),
            "other failures are failures"
        );
    }

    #[test]
    fn a_parent_in_a_region_that_does_not_answer_ends_the_chain_as_not_found() {
        let mut aws = FakeAws::with_images(vec![
            made("us-east-1", 2, Some(("us-east-1", 1))),
            tagged("us-east-1", 3, Some(("us-east-7", 2))),
        ]);
        aws.refuse_regions = vec![region("us-east-7")];
        let found = ancestors(&mut Readers::one(&aws), &key("us-east-1", 3), 1000, false).unwrap();
        assert_eq!(ids(&found.chain), ["ami-00000003", "ami-00000002"]);
        assert_eq!(found.chain.end, ChainEnd::Missing);
        assert_eq!(found.unreachable.len(), 1);
        assert_eq!(found.unreachable[0].0, region("us-east-7"));
        aws.refuse_regions = vec![region("us-east-1")];
        assert!(
            ancestors(&mut Readers::one(&aws), &key("us-east-1", 3), 1000, false).is_err(),
            "the start's region must answer"
        );
    }

    #[test]
    fn a_tag_that_disagrees_with_ec2_wins_and_the_walk_goes_on_from_it() {
        let mut retagged = made("us-east-1", 5, Some(("us-east-1", 3)));
        retagged.source_image_id = Some(id(4));
        let aws = FakeAws::with_images(vec![
            made("us-east-1", 1, None),
            made("us-east-1", 2, Some(("us-east-1", 1))),
            made("us-east-1", 3, Some(("us-east-1", 2))),
            made("us-east-1", 4, Some(("us-east-1", 1))),
            retagged,
        ]);
        let chain = ancestors(&mut Readers::one(&aws), &key("us-east-1", 5), 1000, false).unwrap().chain;
        assert_eq!(ids(&chain), ["ami-00000005", "ami-00000003", "ami-00000002", "ami-00000001"]);
        assert_eq!(aws.ancestry_calls.get(), 2);
    }

    #[test]
    fn descendants_form_a_tree_across_regions() {
        let aws = FakeAws::with_images(vec![
            made("us-east-1", 1, None),
            made("us-east-1", 2, Some(("us-east-1", 1))),
            made("us-east-1", 3, Some(("us-east-1", 1))),
            tagged("us-east-1", 4, Some(("us-east-1", 2))),
            made("eu-west-1", 5, Some(("us-east-1", 3))),
            made("eu-west-1", 6, Some(("eu-west-1", 5))),
            made("us-east-1", 7, None),
        ]);
        let expected = [
            (0, "ami-00000001"),
            (1, "ami-00000002"),
            (2, "ami-00000004"),
            (1, "ami-00000003"),
            (2, "ami-00000005"),
            (3, "ami-00000006"),
        ]
        .map(|(d, s)| (d, s.to_string()));
        let regions = [region("us-east-1"), region("eu-west-1")];
        let found =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {}).unwrap();
        assert_eq!(tree_ids(&found.tree), expected);
        assert_eq!(aws.bulk_calls.get(), 2, "small regions: one page each, the root among them");

        // The same account, too large for one page: generation by generation.
        let mut aws = FakeAws::with_images(aws.images.borrow().values().cloned());
        aws.page_size = 1;
        let found =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {}).unwrap();
        assert_eq!(tree_ids(&found.tree), expected);
        // 2 first pages, the root's look-up, then 4 generations (the last
        // finds nothing) x 2 regions x 2 filters.
        assert_eq!(aws.bulk_calls.get(), 2 + 1 + 4 * 2 * 2);

        let shallow =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, Some(1), false, &mut |_| {}).unwrap();
        assert_eq!(shallow.tree.count(), 3);
        let only_here =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions[..1], None, false, &mut |_| {})
                .unwrap();
        assert_eq!(only_here.tree.count(), 4);
    }

    #[test]
    fn a_generation_larger_than_the_first_page_reads_the_region_in_one_full_page() {
        // 250 children of one root in a region of 255 own images.
        let mut images = vec![made("us-east-1", 1, None)];
        images.extend((2..=251).map(|n| made("us-east-1", n, Some(("us-east-1", 1)))));
        images.extend((300..304).map(|n| made("us-east-1", n, None)));
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        let found = descendants(
            &mut Readers::one(&aws),
            &key("us-east-1", 1),
            &[region("us-east-1")],
            None,
            false,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(found.tree.count(), 251);
        // The first look (too small), the root, one generation (2 queries), one full page.
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 2 + 1);
    }

    #[test]
    fn a_watermarked_root_finds_every_descendant_in_one_query_and_the_older_ones_too() {
        let watermark = |mut image: Image| {
            image.watermarks = vec![crate::image::Watermark {
                key: "123456789012:base".into(),
                source_image_id: Some(id(1)),
                source_image_region: Some(region("us-east-1")),
            }];
            image
        };
        // 1 + 3 + 9 + 27 watermarked, 4 generations, among 200 other images.
        let mut images = vec![watermark(made("us-east-1", 1, None))];
        let mut generation = vec![1u32];
        let mut next = 2u32;
        for _ in 0..3 {
            let mut children = Vec::new();
            for parent in &generation {
                for _ in 0..3 {
                    images.push(watermark(made("us-east-1", next, Some(("us-east-1", *parent)))));
                    children.push(next);
                    next += 1;
                }
            }
            generation = children;
        }
        images.extend((1000..1200).map(|n| made("us-east-1", n, None)));
        let regions = [region("us-east-1")];
        let mut aws = FakeAws::with_images(images.clone());
        aws.page_size = 100;
        aws.full_page_size = 100;
        let found =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {}).unwrap();
        assert_eq!(found.tree.count(), 40);
        // The first look, the root, the watermark's query, the root's children (the older ones).
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 2);

        // A child made before the watermark was attached, and its own child: found too.
        images.push(made("us-east-1", 500, Some(("us-east-1", 1))));
        images.push(made("us-east-1", 501, Some(("us-east-1", 500))));
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        aws.full_page_size = 100;
        let found =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {}).unwrap();
        assert_eq!(found.tree.count(), 42);
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 2 + 2 + 2);
    }

    /// `image` carrying watermarks first attached to each of `sources`.
    fn marked(mut image: Image, sources: &[u32]) -> Image {
        image.watermarks = sources
            .iter()
            .map(|s| crate::image::Watermark {
                key: format!("123456789012:mark-{s}"),
                source_image_id: Some(id(*s)),
                source_image_region: Some(region("us-east-1")),
            })
            .collect();
        image
    }

    fn search(aws: &FakeAws, root: u32) -> Descendants {
        descendants(&mut Readers::one(aws), &key("us-east-1", root), &[region("us-east-1")], None, false, &mut |_| {})
            .unwrap()
    }

    /// A base (1) watermarked by a platform team, 60 images made from it by
    /// other teams, and a team's root (2) made from it with 12 descendants:
    /// all carry the base's watermark; 200 unrelated images.
    fn base_family() -> Vec<Image> {
        let mut images = vec![marked(made("us-east-1", 1, None), &[1])];
        images.extend((100..160).map(|n| marked(made("us-east-1", n, Some(("us-east-1", 1))), &[1])));
        images.push(marked(made("us-east-1", 2, Some(("us-east-1", 1))), &[1]));
        for n in 3..=14 {
            images.push(marked(made("us-east-1", n, Some(("us-east-1", if n < 6 { 2 } else { n - 3 }))), &[1]));
        }
        images.extend((1000..1200).map(|n| made("us-east-1", n, None)));
        images
    }

    #[test]
    fn an_ancestors_watermark_finds_its_family_and_the_roots_subtree_is_cut_out() {
        let mut aws = FakeAws::with_images(base_family());
        aws.page_size = 100;
        aws.full_page_size = 100;
        let found = search(&aws, 2);
        let mut shown: Vec<String> = tree_ids(&found.tree).into_iter().map(|(_, id)| id).collect();
        shown.sort();
        let mut expected: Vec<String> = (2..=14).map(|n| id(n).to_string()).collect();
        expected.sort();
        assert_eq!(shown, expected, "the root's subtree only, not the base's other 61 images");
        // The first look, the root, the base's family (74 images), their children (one query a filter).
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 2);
        assert_eq!(aws.ancestry_calls.get(), 0, "one watermark: no need to rank");
    }

    #[test]
    fn an_ancestors_family_larger_than_one_page_is_not_used() {
        // The base's family (74) is more than one full page (50 here).
        let mut aws = FakeAws::with_images(base_family());
        aws.page_size = 100;
        aws.full_page_size = 50;
        let found = search(&aws, 2);
        assert_eq!(found.tree.count(), 13);
        // The first look, the root, the family's one page, then 5 generation
        // rounds (by tag and by record) as without a watermark.
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 5 * 2);
        assert_eq!(aws.images_returned.get(), 100 + 1 + 50 + 2 * 12);
    }

    #[test]
    fn of_several_ancestors_watermarks_the_nearest_is_asked_for() {
        // The team's root also carries a watermark first attached to its own parent, 100.
        let mut images = base_family();
        for image in images.iter_mut() {
            let n = u32::from_str_radix(&image.id.as_str()[4..], 16).unwrap();
            if n == 100 || (2..=14).contains(&n) {
                image.watermarks.push(crate::image::Watermark {
                    key: "123456789012:team".into(),
                    source_image_id: Some(id(100)),
                    source_image_region: Some(region("us-east-1")),
                });
            }
            if n == 2 {
                image.tags = crate::testing::tagged("us-east-1", 2, Some(("us-east-1", 100))).tags;
                image.source_image_id = Some(id(100));
            }
        }
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        aws.full_page_size = 100;
        let found = search(&aws, 2);
        assert_eq!(found.tree.count(), 13);
        assert_eq!(aws.ancestry_calls.get(), 1, "EC2's record ranks the two");
        // The first look's page, the root, 100's family (14 images) rather
        // than 1's (75), and the 12 below the root again (once each filter).
        assert_eq!(aws.images_returned.get(), 100 + 1 + 14 + 2 * 12);
    }

    #[test]
    fn what_the_watermark_misses_under_a_watermarked_image_is_still_found() {
        // Root 1's watermarked tree 1 → 2 → 3; under 3, a registered image
        // (4, tag only, no watermark) and a copy whose watermark was removed
        // (5, EC2's record only, no creation tag: shown first), each with a
        // child of its own (6, 7).
        let mut copy = made("us-east-1", 5, None);
        copy.source_image_id = Some(id(3));
        copy.source_image_region = Some(region("us-east-1"));
        let mut images = vec![
            marked(made("us-east-1", 1, None), &[1]),
            marked(made("us-east-1", 2, Some(("us-east-1", 1))), &[1]),
            marked(made("us-east-1", 3, Some(("us-east-1", 2))), &[1]),
            tagged("us-east-1", 4, Some(("us-east-1", 3))),
            copy,
            made("us-east-1", 6, Some(("us-east-1", 4))),
            made("us-east-1", 7, Some(("us-east-1", 5))),
        ];
        images.extend((1000..1200).map(|n| made("us-east-1", n, None)));
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        aws.full_page_size = 100;
        let found = search(&aws, 1);
        assert_eq!(
            tree_ids(&found.tree),
            [(0, 1), (1, 2), (2, 3), (3, 5), (4, 7), (3, 4), (4, 6)].map(|(d, n)| (d, id(n).to_string()))
        );
        // The first look, the root, the watermark, the tree's children, 4's and 5's, 6's and 7's.
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 2 + 2 + 2);
    }

    #[test]
    fn a_watermarked_family_that_is_most_of_the_region_reads_it_in_one_full_page() {
        // 250 watermarked children of one root in a region of 255 own images.
        let mut images = vec![marked(made("us-east-1", 1, None), &[1])];
        images.extend((2..=251).map(|n| marked(made("us-east-1", n, Some(("us-east-1", 1))), &[1])));
        images.extend((300..304).map(|n| made("us-east-1", n, None)));
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        let found = search(&aws, 1);
        assert_eq!(found.tree.count(), 251);
        // The first look, the root, the watermark, one full page: not 4 queries for 251 ids.
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 1 + 1);
    }

    #[test]
    fn a_deep_lineage_reads_the_region_whole_after_fifty_generations() {
        let mut images = vec![made("us-east-1", 1, None)];
        for n in 2..=7_501 {
            images.push(made("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        let mut aws = FakeAws::with_images(images);
        aws.page_size = 100;
        let found = descendants(
            &mut Readers::one(&aws),
            &key("us-east-1", 1),
            &[region("us-east-1")],
            None,
            false,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(found.tree.count(), 7_501);
        // A first page, the root's look-up, 50 rounds of 2 queries, then 8
        // pages of the whole region: not 2 x 7,500 generation queries.
        assert_eq!(aws.bulk_calls.get(), 1 + 1 + 50 * 2 + 8);
    }

    #[test]
    fn ec2_recorded_children_count_unless_tags_only() {
        let mut copy = tagged("us-east-1", 2, None);
        copy.source_image_id = Some(id(1));
        for page_size in [1000, 0] {
            let mut aws = FakeAws::with_images(vec![tagged("us-east-1", 1, None), copy.clone()]);
            aws.page_size = page_size;
            let regions = [region("us-east-1")];
            let tree = descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {})
                .unwrap()
                .tree;
            assert_eq!(tree.children_of(tree.root()).next().unwrap().origin, Some(Origin::Ec2));
            assert_eq!(
                descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, true, &mut |_| {})
                    .unwrap()
                    .tree
                    .count(),
                1
            );
        }
    }

    #[test]
    fn a_refusing_region_is_skipped_and_reported_unless_it_is_the_roots() {
        let mut aws =
            FakeAws::with_images(vec![made("us-east-1", 1, None), made("us-east-1", 2, Some(("us-east-1", 1)))]);
        aws.refuse_regions = vec![region("ap-south-1")];
        let regions = [region("us-east-1"), region("ap-south-1")];
        let found =
            descendants(&mut Readers::one(&aws), &key("us-east-1", 1), &regions, None, false, &mut |_| {}).unwrap();
        assert_eq!(found.tree.count(), 2);
        assert_eq!(found.refused.len(), 1);
        assert_eq!(found.refused[0].region, region("ap-south-1"));
        assert!(
            descendants(&mut Readers::one(&aws), &key("ap-south-1", 1), &regions, None, false, &mut |_| {}).is_err()
        );
    }

    #[test]
    fn a_missing_root_still_shows_its_children() {
        let aws = FakeAws::with_images(vec![made("us-east-1", 2, Some(("us-east-1", 1)))]);
        let found = descendants(
            &mut Readers::one(&aws),
            &key("us-east-1", 1),
            &[region("us-east-1")],
            None,
            false,
            &mut |_| {},
        )
        .unwrap();
        assert!(found.tree.root().image.is_none());
        assert_eq!(found.tree.count(), 2);
    }
}
