//! Filling the lineage index from EC2, at a cost that follows the lineage
//! asked about, not the size of the account.
//!
//! - ancestors: EC2's GetImageAncestry gives the recorded chain (up to 50
//!   generations a call, across regions, through parents you cannot see); one
//!   DescribeImages per region then fetches the details of the whole chain.
//!   Where a `source_image` tag names another parent than EC2 recorded, the
//!   tag wins and the walk continues from there the same way. Where
//!   GetImageAncestry is refused or unknown, parents are looked up by id, one
//!   generation at a time — never by listing the account.
//! - descendants: breadth-first, one generation per round, asking each region
//!   for exactly the images made from the current generation (by tag and by
//!   EC2's SourceImageId). A region whose own images all fit in one small page
//!   is read whole instead, which is cheaper there; so is one where the
//!   lineage is still going after 50 generations.
//!
//! With other accounts (`--accounts`), each question goes to every account
//! at once (accounts.rs): each searches its own images, so the tree holds
//! what workload accounts made from a build account's shared image; and a
//! parent another account owns is read with that account's credentials,
//! which see its tags.

use std::collections::HashSet;

use crate::accounts::Readers;
use crate::aws::{Aws, AwsError, AwsErrorKind, OnePage};
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
        // A link EC2 does not record (a tag only): one full page of the
        // region's own images, once, usually holds the rest of the chain,
        // where asking parent by parent costs a call per generation.
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
    /// The images made from generation `generation` (the root is 0), asked of
    /// the regions too large to read whole.
    Generation { generation: u32, regions: usize },
    /// A lineage deeper than GENERATION_ROUNDS_MAX: the large regions read whole.
    ReadingWhole { regions: usize },
    /// The root's watermark: every image carrying it, asked of the large regions at once.
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
    // A watermark first attached to the root is on every image made from it
    // since: one query a region finds them all, at any depth.
    let watermarked = !tags_only
        && index
            .get(root)
            .is_some_and(|image| image.watermarks.iter().any(|w| w.source_image_id.as_ref() == Some(&root.1)));
    if watermarked && large.iter().any(|regions| !regions.is_empty()) {
        on_round(Round::Watermark { regions: large.iter().map(Vec::len).sum() });
        ask_large(readers, &mut index, root, &mut large, &mut refused, |aws, regions| {
            aws.own_images_watermarked_from(regions, &root.1)
        })?;
    }
    if large.iter().any(|regions| !regions.is_empty()) {
        // With the watermark, the walk goes on only from images that lack it:
        // made from the root before it was attached (and theirs).
        let covered = watermarked.then_some(&root.1);
        walk_generations(readers, &mut index, root, &mut large, &mut refused, depth, tags_only, covered, on_round)?;
    }
    Ok(Descendants { tree: descendants_tree(&index, root, depth, tags_only), refused })
}

/// Whether the image carries the watermark first attached to `source`.
fn carries(index: &Index, key: &Key, source: &AmiId) -> bool {
    index.get(key).is_some_and(|image| image.watermarks.iter().any(|w| w.source_image_id.as_ref() == Some(source)))
}

/// Breadth-first from `root`: each round asks every account's `large`
/// regions for the images made from the current generation, wherever (and
/// in whichever account) that generation lives.
#[allow(clippy::too_many_arguments)] // descendants' own arguments, passed on
fn walk_generations(
    readers: &mut Readers,
    index: &mut Index,
    root: &Key,
    large: &mut [Vec<Region>],
    refused: &mut Vec<Refused>,
    depth: Option<u32>,
    tags_only: bool,
    covered: Option<&AmiId>,
    on_round: &mut dyn FnMut(Round),
) -> Result<(), AwsError> {
    let mut placed: HashSet<Key> = HashSet::from([root.clone()]);
    // Account-regions read in one full page already (or tried).
    let mut probed: HashSet<(usize, Region)> = HashSet::new();
    let mut generation: Vec<Key> = vec![root.clone()];
    let mut level = 0u32;
    let count = |large: &[Vec<Region>]| large.iter().map(Vec::len).sum::<usize>();
    while !generation.is_empty() && depth.is_none_or(|d| level < d) && count(large) > 0 {
        if level >= GENERATION_ROUNDS_MAX {
            // A deep lineage: the rest costs less by reading these regions whole.
            on_round(Round::ReadingWhole { regions: count(large) });
            ask_large(readers, index, root, large, refused, |aws, regions| aws.own_images(regions))?;
            return Ok(());
        }
        let mut ids: Vec<AmiId> = generation.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        on_round(Round::Generation { generation: level, regions: count(large) });
        let answered = ask_large(readers, index, root, large, refused, |aws, regions| {
            aws.own_images_made_from(regions, &ids, SOURCE_IMAGE, tags_only)
        })?;
        // Account-regions where this generation alone outnumbers the first look's page.
        let mut crowded: Vec<(usize, Region)> = answered
            .into_iter()
            .filter(|(_, _, found)| *found > OnePage::Small.size())
            .map(|(reader, region, _)| (reader, region))
            .collect();
        read_crowded_whole(readers, index, large, &mut crowded, &mut probed);
        // The next generation: every known image whose parent is in this one,
        // in any region (small regions were read whole, large ones just now).
        let current: HashSet<&Key> = generation.iter().collect();
        let mut next: Vec<Key> = Vec::new();
        for key in index.keys() {
            let Some(link) = index.parent(key, tags_only) else { continue };
            let key = key.clone();
            if current.contains(&(link.region, link.parent)) && !placed.contains(&key) {
                placed.insert(key.clone());
                // Carrying the root's watermark: its descendants were all in the watermark's answer.
                if !covered.is_some_and(|source| carries(index, &key, source)) {
                    next.push(key);
                }
            }
        }
        placed.extend(next.iter().cloned());
        generation = next;
        level += 1;
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

/// A generation of more images than the first look's page holds: the
/// lineage is most of the region, and the region may fit one full page
/// (1,000) — one call, where the next generations would cost several (a
/// generation of 250 is two queries of 200 ids, twice over). Asked once per
/// account-region; one that fits is read whole and asked no more.
fn read_crowded_whole(
    readers: &mut Readers,
    index: &mut Index,
    large: &mut [Vec<Region>],
    crowded: &mut Vec<(usize, Region)>,
    probed: &mut HashSet<(usize, Region)>,
) {
    crowded.retain(|place| probed.insert(place.clone()));
    if crowded.is_empty() {
        return;
    }
    let asked: Vec<Vec<Region>> = (0..readers.count())
        .map(|reader| crowded.iter().filter(|(r, _)| *r == reader).map(|(_, region)| region.clone()).collect())
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
