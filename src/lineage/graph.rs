//! The lineage graph and its walks.
//!
//! The walks are pure: they run over an `Index` of images already fetched and
//! either finish or name the ids they still need. The drivers (`ancestors`,
//! `descendants`) fill the index in bulk — one paginated DescribeImages per
//! region, then batched look-ups of what the bulk lacked — so the number of
//! API calls follows the number of regions, not the depth or size of the graph.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::ec2::{Ec2, Ec2Error};
use crate::ids::{AmiId, Region};
use crate::image::Image;
use crate::lineage::{RecordedLineage, SOURCE_IMAGE};

/// Where the link from an image to its parent came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The `source_image` tag.
    Tag,
    /// EC2's own SourceImageId.
    Ec2,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Tag => "tag",
            Origin::Ec2 => "ec2",
        }
    }
}

/// An image's parent: which image, in which region, known how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub parent: AmiId,
    pub region: Region,
    pub origin: Origin,
}

/// Images are identified by region and id: a copy has a new id in its own region.
pub type Key = (Region, AmiId);

/// The parent of an image: from its lineage tags, else (unless `tags_only`)
/// from what EC2 recorded. A `source_region` tag sends the walk to that region.
pub fn parent_of(image: &Image, tags_only: bool) -> Option<Link> {
    let recorded = RecordedLineage::from_tags(&image.tags);
    if let Some(parent) = recorded.source_image {
        let region = recorded.source_region.unwrap_or_else(|| image.region.clone());
        return Some(Link { parent, region, origin: Origin::Tag });
    }
    if tags_only {
        return None;
    }
    let parent = image.source_image_id.clone()?;
    let region = image.source_image_region.clone().unwrap_or_else(|| image.region.clone());
    Some(Link { parent, region, origin: Origin::Ec2 })
}

/// What has been fetched: images found, and ids known not to exist (or not visible).
#[derive(Debug, Default)]
pub struct Index {
    images: HashMap<Key, Image>,
    missing: HashSet<Key>,
}

impl Index {
    pub fn insert(&mut self, image: Image) {
        let key = (image.region.clone(), image.id.clone());
        self.missing.remove(&key);
        self.images.insert(key, image);
    }

    pub fn mark_missing(&mut self, key: Key) {
        if !self.images.contains_key(&key) {
            self.missing.insert(key);
        }
    }

    pub fn get(&self, key: &Key) -> Option<&Image> {
        self.images.get(key)
    }

    pub fn knows(&self, key: &Key) -> bool {
        self.images.contains_key(key) || self.missing.contains(key)
    }

    pub fn images(&self) -> impl Iterator<Item = &Image> {
        self.images.values()
    }
}

/// One generation in a chain of ancestors.
#[derive(Debug, Clone, PartialEq)]
pub enum Ancestor {
    /// An image that exists, with the link to its parent if it has one.
    Found { image: Box<Image>, link: Option<Link> },
    /// A parent named by a link that does not exist or is not visible.
    Missing { id: AmiId, region: Region },
}

impl Ancestor {
    pub fn id(&self) -> &AmiId {
        match self {
            Ancestor::Found { image, .. } => &image.id,
            Ancestor::Missing { id, .. } => id,
        }
    }
}

/// Why a chain of ancestors ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEnd {
    /// The last image has no known parent.
    Root,
    /// The last image's parent could not be found; it is the last row.
    Missing,
    /// The last image names an image already in the chain.
    Loop { repeated: AmiId },
    /// --max-depth generations were walked.
    MaxDepth,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub ancestors: Vec<Ancestor>,
    pub end: ChainEnd,
}

/// The result of walking what is in the index so far.
#[derive(Debug, PartialEq)]
pub enum Walk {
    Done(Chain),
    /// The walk reached an image the index does not know yet.
    Need(Key),
}

/// Walk from `start` towards the root over the index. Pure.
/// `max_depth` counts generations above the start image.
pub fn walk_ancestors(index: &Index, start: &Key, max_depth: u32, tags_only: bool) -> Walk {
    let mut ancestors = Vec::new();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut current = start.clone();
    loop {
        if !index.knows(&current) {
            return Walk::Need(current);
        }
        seen.insert(current.clone());
        let Some(image) = index.get(&current) else {
            let (region, id) = current;
            ancestors.push(Ancestor::Missing { id, region });
            return Walk::Done(Chain { ancestors, end: ChainEnd::Missing });
        };
        let link = parent_of(image, tags_only);
        ancestors.push(Ancestor::Found { image: Box::new(image.clone()), link: link.clone() });
        let Some(link) = link else {
            return Walk::Done(Chain { ancestors, end: ChainEnd::Root });
        };
        let next = (link.region, link.parent);
        if seen.contains(&next) {
            return Walk::Done(Chain { ancestors, end: ChainEnd::Loop { repeated: next.1 } });
        }
        if ancestors.len() > max_depth as usize {
            return Walk::Done(Chain { ancestors, end: ChainEnd::MaxDepth });
        }
        current = next;
    }
}

/// Fills an `Index` from EC2: one bulk fetch per region, then look-ups.
pub struct Fetcher<'a> {
    ec2: &'a dyn Ec2,
    tags_only: bool,
    bulk_done: BTreeSet<Region>,
    pub index: Index,
}

impl<'a> Fetcher<'a> {
    pub fn new(ec2: &'a dyn Ec2, tags_only: bool) -> Fetcher<'a> {
        Fetcher { ec2, tags_only, bulk_done: BTreeSet::new(), index: Index::default() }
    }

    /// The account's own images in these regions, in one concurrent round.
    /// With `tags_only` only lineage-tagged ones are needed; otherwise every
    /// own image, since an untagged one may be linked through SourceImageId.
    pub fn bulk(&mut self, regions: &[Region]) -> Result<(), Ec2Error> {
        let todo: Vec<Region> = regions.iter().filter(|r| !self.bulk_done.contains(*r)).cloned().collect();
        if todo.is_empty() {
            return Ok(());
        }
        let tag_key = self.tags_only.then_some(SOURCE_IMAGE);
        for image in self.ec2.own_images(&todo, tag_key)? {
            self.index.insert(image);
        }
        self.bulk_done.extend(todo);
        Ok(())
    }

    /// Make the index know `keys`: found, or marked missing. A region not yet
    /// fetched in bulk is fetched first: a chain that crossed into it
    /// probably continues there.
    pub fn resolve(&mut self, keys: &[Key]) -> Result<(), Ec2Error> {
        let regions: Vec<Region> = keys.iter().map(|(r, _)| r.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        self.bulk(&regions)?;
        for region in regions {
            let ids: Vec<AmiId> = keys
                .iter()
                .filter(|(r, id)| r == &region && !self.index.knows(&(r.clone(), id.clone())))
                .map(|(_, id)| id.clone())
                .collect();
            if ids.is_empty() {
                continue;
            }
            for image in self.ec2.find_images(&region, &ids)? {
                self.index.insert(image);
            }
            for id in ids {
                self.index.mark_missing((region.clone(), id));
            }
        }
        Ok(())
    }
}

/// The chain of ancestors of `start`, fetched in a bounded number of calls.
pub fn ancestors(ec2: &dyn Ec2, start: &Key, max_depth: u32, tags_only: bool) -> Result<Chain, Ec2Error> {
    let mut fetcher = Fetcher::new(ec2, tags_only);
    fetcher.bulk(std::slice::from_ref(&start.0))?;
    loop {
        match walk_ancestors(&fetcher.index, start, max_depth, tags_only) {
            Walk::Done(chain) => return Ok(chain),
            Walk::Need(key) => fetcher.resolve(&[key])?,
        }
    }
}

/// A node of the descendants tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// None when the root itself could not be found (its children still can).
    pub image: Option<Image>,
    pub key: Key,
    /// How this node is linked to its parent (None for the root).
    pub origin: Option<Origin>,
    pub children: Vec<Node>,
}

impl Node {
    /// Nodes in pre-order with their depth (root 0).
    pub fn flatten(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::new();
        let mut stack = vec![(0usize, self)];
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|c| (depth + 1, c)));
        }
        out
    }

    pub fn count(&self) -> usize {
        1 + self.children.iter().map(Node::count).sum::<usize>()
    }
}

/// Build the tree of descendants of `root` over the index. Pure.
/// Children are ordered by creation time, then id; an image already placed
/// is not placed again, so a loop in the tags cannot make the tree infinite.
pub fn descendants_tree(index: &Index, root: &Key, depth: Option<u32>, tags_only: bool) -> Node {
    let mut children_of: HashMap<Key, Vec<(&Image, Origin)>> = HashMap::new();
    for image in index.images() {
        if let Some(link) = parent_of(image, tags_only) {
            children_of.entry((link.region, link.parent)).or_default().push((image, link.origin));
        }
    }
    for children in children_of.values_mut() {
        children.sort_by_key(|(image, _)| (created_at(image), image.id.clone()));
    }
    let mut placed: HashSet<Key> = HashSet::from([root.clone()]);
    build_node(root.clone(), index.get(root).cloned(), None, 0, depth, &children_of, &mut placed)
}

fn build_node(
    key: Key,
    image: Option<Image>,
    origin: Option<Origin>,
    level: u32,
    depth: Option<u32>,
    children_of: &HashMap<Key, Vec<(&Image, Origin)>>,
    placed: &mut HashSet<Key>,
) -> Node {
    let mut node = Node { image, key: key.clone(), origin, children: Vec::new() };
    if depth.is_some_and(|d| level >= d) {
        return node;
    }
    for (child, origin) in children_of.get(&key).map(Vec::as_slice).unwrap_or_default() {
        let child_key = (child.region.clone(), child.id.clone());
        if placed.insert(child_key.clone()) {
            node.children.push(build_node(
                child_key,
                Some((*child).clone()),
                Some(*origin),
                level + 1,
                depth,
                children_of,
                placed,
            ));
        }
    }
    node
}

/// When an image was made: its lineage tags, else EC2's CreationDate.
pub fn created_at(image: &Image) -> Option<i64> {
    RecordedLineage::from_tags(&image.tags)
        .created
        .map(|t| t.timestamp())
        .or_else(|| image.creation_date.map(|d| d.unix_timestamp()))
}

/// The descendants of `root` in `regions` (the root's region is always searched).
pub fn descendants(
    ec2: &dyn Ec2,
    root: &Key,
    regions: &[Region],
    depth: Option<u32>,
    tags_only: bool,
) -> Result<Node, Ec2Error> {
    let mut fetcher = Fetcher::new(ec2, tags_only);
    let mut all: Vec<Region> = regions.to_vec();
    if !all.contains(&root.0) {
        all.insert(0, root.0.clone());
    }
    fetcher.bulk(&all)?;
    // The root is often not the account's own (a public base image): look it up.
    fetcher.resolve(std::slice::from_ref(root))?;
    Ok(descendants_tree(&fetcher.index, root, depth, tags_only))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::Tags;
    use crate::lineage::{CreateTime, Lineage};
    use crate::testing::FakeEc2;

    fn region(name: &str) -> Region {
        name.parse().unwrap()
    }

    /// ami-00000001, ami-00000002, …
    fn id(n: u32) -> AmiId {
        format!("ami-{n:08x}").parse().unwrap()
    }

    fn key(r: &str, n: u32) -> Key {
        (region(r), id(n))
    }

    /// An own image `n` in `r`, tagged as made from `parent` (region `pr`) at second `n`.
    fn tagged(r: &str, n: u32, parent: Option<(&str, u32)>) -> Image {
        let mut image = Image::new(id(n), region(r));
        image.owner = Some("123456789012".into());
        if let Some((pr, p)) = parent {
            image.tags = Lineage {
                source_image: id(p),
                source_instance: Some("i-12345678".parse().unwrap()),
                source_region: region(pr),
                created: CreateTime::from_timestamp(1_000_000 + n as i64).unwrap(),
            }
            .to_tags();
        }
        image
    }

    fn ids(chain: &Chain) -> Vec<String> {
        chain.ancestors.iter().map(|a| a.id().to_string()).collect()
    }

    #[test]
    fn parent_comes_from_tags_then_ec2() {
        let mut image = tagged("us-east-1", 2, Some(("eu-west-1", 1)));
        image.source_image_id = Some(id(9));
        let link = parent_of(&image, false).unwrap();
        assert_eq!((link.parent, link.region.as_str(), link.origin), (id(1), "eu-west-1", Origin::Tag));

        image.tags = Tags::new();
        let link = parent_of(&image, false).unwrap();
        assert_eq!((link.parent, link.region.as_str(), link.origin), (id(9), "us-east-1", Origin::Ec2));
        assert_eq!(parent_of(&image, true), None);
    }

    #[test]
    fn a_chain_walks_to_the_root() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, None));
        index.insert(tagged("us-east-1", 2, Some(("us-east-1", 1))));
        index.insert(tagged("us-east-1", 3, Some(("us-east-1", 2))));
        let Walk::Done(chain) = walk_ancestors(&index, &key("us-east-1", 3), 1000, false) else { panic!() };
        assert_eq!(ids(&chain), ["ami-00000003", "ami-00000002", "ami-00000001"]);
        assert_eq!(chain.end, ChainEnd::Root);
    }

    #[test]
    fn an_unknown_parent_is_asked_for_then_shown_missing() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 2, Some(("us-west-2", 1))));
        assert_eq!(walk_ancestors(&index, &key("us-east-1", 2), 1000, false), Walk::Need(key("us-west-2", 1)));
        index.mark_missing(key("us-west-2", 1));
        let Walk::Done(chain) = walk_ancestors(&index, &key("us-east-1", 2), 1000, false) else { panic!() };
        assert_eq!(chain.end, ChainEnd::Missing);
        assert_eq!(chain.ancestors[1], Ancestor::Missing { id: id(1), region: region("us-west-2") });
    }

    #[test]
    fn loops_terminate() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, Some(("us-east-1", 2))));
        index.insert(tagged("us-east-1", 2, Some(("us-east-1", 1))));
        let Walk::Done(chain) = walk_ancestors(&index, &key("us-east-1", 1), 1000, false) else { panic!() };
        assert_eq!(ids(&chain), ["ami-00000001", "ami-00000002"]);
        assert_eq!(chain.end, ChainEnd::Loop { repeated: id(1) });

        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, Some(("us-east-1", 1))));
        let Walk::Done(chain) = walk_ancestors(&index, &key("us-east-1", 1), 1000, false) else { panic!() };
        assert_eq!(chain.end, ChainEnd::Loop { repeated: id(1) });
        assert_eq!(chain.ancestors.len(), 1);
    }

    #[test]
    fn max_depth_bounds_the_walk() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, None));
        for n in 2..=10 {
            index.insert(tagged("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        let Walk::Done(chain) = walk_ancestors(&index, &key("us-east-1", 10), 3, false) else { panic!() };
        assert_eq!(chain.ancestors.len(), 4);
        assert_eq!(chain.end, ChainEnd::MaxDepth);
    }

    /// A 50-deep chain whose root is a public (not own) image, crossing into
    /// another region at generation 25: calls follow regions, not depth.
    #[test]
    fn fetch_cost_does_not_grow_with_depth() {
        let mut images = Vec::new();
        let mut root = tagged("us-east-1", 1, None);
        root.owner = Some("amazon".into());
        images.push(root);
        for n in 2..=25 {
            images.push(tagged("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        images.push(tagged("eu-west-1", 26, Some(("us-east-1", 25))));
        for n in 27..=50 {
            images.push(tagged("eu-west-1", n, Some(("eu-west-1", n - 1))));
        }
        let ec2 = FakeEc2::with_images(images);
        let chain = ancestors(&ec2, &key("eu-west-1", 50), 1000, false).unwrap();
        assert_eq!(chain.ancestors.len(), 50);
        assert_eq!(chain.end, ChainEnd::Root);
        // eu-west-1 bulk, us-east-1 bulk, one look-up of the public root.
        assert_eq!(ec2.bulk_calls.get(), 3);
    }

    fn tree_ids(node: &Node) -> Vec<(usize, String)> {
        node.flatten().into_iter().map(|(d, n)| (d, n.key.1.to_string())).collect()
    }

    #[test]
    fn descendants_form_a_tree_across_regions() {
        let ec2 = FakeEc2::with_images(vec![
            tagged("us-east-1", 1, None),
            tagged("us-east-1", 2, Some(("us-east-1", 1))),
            tagged("us-east-1", 3, Some(("us-east-1", 1))),
            tagged("us-east-1", 4, Some(("us-east-1", 2))),
            tagged("eu-west-1", 5, Some(("us-east-1", 3))),
            tagged("eu-west-1", 6, Some(("eu-west-1", 5))),
            tagged("us-east-1", 7, None),
        ]);
        let regions = [region("us-east-1"), region("eu-west-1")];
        let tree = descendants(&ec2, &key("us-east-1", 1), &regions, None, false).unwrap();
        assert_eq!(
            tree_ids(&tree),
            [
                (0, "ami-00000001"),
                (1, "ami-00000002"),
                (2, "ami-00000004"),
                (1, "ami-00000003"),
                (2, "ami-00000005"),
                (3, "ami-00000006")
            ]
            .map(|(d, s)| (d, s.to_string()))
        );
        assert_eq!(ec2.bulk_calls.get(), 2, "one bulk call per region; the root was in the bulk");

        let shallow = descendants(&ec2, &key("us-east-1", 1), &regions, Some(1), false).unwrap();
        assert_eq!(shallow.count(), 3);
        let only_here = descendants(&ec2, &key("us-east-1", 1), &regions[..1], None, false).unwrap();
        assert_eq!(only_here.count(), 4);
    }

    #[test]
    fn ec2_recorded_children_count_unless_tags_only() {
        let mut copy = tagged("us-east-1", 2, None);
        copy.source_image_id = Some(id(1));
        let ec2 = FakeEc2::with_images(vec![tagged("us-east-1", 1, None), copy]);
        let regions = [region("us-east-1")];
        let tree = descendants(&ec2, &key("us-east-1", 1), &regions, None, false).unwrap();
        assert_eq!(tree.children[0].origin, Some(Origin::Ec2));
        assert_eq!(descendants(&ec2, &key("us-east-1", 1), &regions, None, true).unwrap().count(), 1);
    }

    #[test]
    fn a_loop_cannot_make_the_tree_infinite() {
        let ec2 = FakeEc2::with_images(vec![
            tagged("us-east-1", 1, Some(("us-east-1", 2))),
            tagged("us-east-1", 2, Some(("us-east-1", 1))),
        ]);
        let tree = descendants(&ec2, &key("us-east-1", 1), &[region("us-east-1")], None, false).unwrap();
        assert_eq!(tree_ids(&tree), [(0, "ami-00000001".to_string()), (1, "ami-00000002".to_string())]);
    }

    #[test]
    fn a_missing_root_still_shows_its_children() {
        let ec2 = FakeEc2::with_images(vec![tagged("us-east-1", 2, Some(("us-east-1", 1)))]);
        let tree = descendants(&ec2, &key("us-east-1", 1), &[region("us-east-1")], None, false).unwrap();
        assert!(tree.image.is_none());
        assert_eq!(tree.count(), 2);
    }
}
