//! The lineage graph and its walks.
//!
//! The walks are pure: they run over an `Index` of what has been fetched and
//! either finish or name the image they still need. `lineage::fetch` fills the
//! index from EC2 at a cost that follows the lineage, not the account.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

pub use crate::aws::ImageKey as Key;
use crate::ids::{AmiId, Region};
use crate::image::{AncestryEntry, Image};
use crate::lineage::{CreateTime, RecordedLineage};

/// Where the link from an image to its parent came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The `source_image` tag.
    Tag,
    /// EC2's own SourceImageId, as DescribeImages shows it.
    Ec2,
    /// EC2's ancestry record (GetImageAncestry) only: the image itself is not
    /// visible to you, or shows no source.
    Ancestry,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Tag => "tag",
            Origin::Ec2 => "ec2",
            Origin::Ancestry => "ancestry",
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

/// The parent of an image: from its lineage tags, else (unless `tags_only`)
/// from what EC2 recorded. A `source_region` tag sends the walk to that region.
pub fn parent_of(image: &Image, tags_only: bool) -> Option<Link> {
    link_of(image, &RecordedLineage::from_tags(&image.tags), tags_only)
}

/// `parent_of`, with the image's tags already read.
pub fn link_of(image: &Image, recorded: &RecordedLineage, tags_only: bool) -> Option<Link> {
    if let Some(parent) = recorded.source_image.clone() {
        // No usable source_region tag (absent, or not a region): where EC2
        // recorded this same parent, else the image's own region.
        let recorded_by_ec2 =
            image.source_image_region.clone().filter(|_| image.source_image_id.as_ref() == Some(&parent));
        let region = recorded.source_region.clone().or(recorded_by_ec2).unwrap_or_else(|| image.region.clone());
        return Some(Link { parent, region, origin: Origin::Tag });
    }
    if tags_only {
        return None;
    }
    let parent = image.source_image_id.clone()?;
    let region = image.source_image_region.clone().unwrap_or_else(|| image.region.clone());
    Some(Link { parent, region, origin: Origin::Ec2 })
}

/// What has been fetched: images found (their lineage tags read once, on
/// the way in), EC2's ancestry records, and which keys have been looked up
/// (a key looked up and not found is not visible).
#[derive(Debug, Default)]
pub struct Index {
    images: HashMap<Key, (Image, RecordedLineage)>,
    records: HashMap<Key, AncestryEntry>,
    looked_up: HashSet<Key>,
}

impl Index {
    pub fn insert(&mut self, image: Image) {
        let key = (image.region.clone(), image.id.clone());
        self.looked_up.insert(key.clone());
        let recorded = RecordedLineage::from_tags(&image.tags);
        self.images.insert(key, (image, recorded));
    }

    /// An image's parent, from the tags read when it entered the index.
    pub fn parent(&self, key: &Key, tags_only: bool) -> Option<Link> {
        self.images.get(key).and_then(|(image, recorded)| link_of(image, recorded, tags_only))
    }

    /// When an image was made, from the tags read when it entered the index.
    fn created(&self, key: &Key) -> Option<CreateTime> {
        self.images.get(key).and_then(|(image, recorded)| created_from(image, recorded))
    }

    /// EC2's record of an image's origin (it may name images you cannot see).
    pub fn record(&mut self, entry: AncestryEntry) {
        self.records.insert((entry.region.clone(), entry.id.clone()), entry);
    }

    /// `key` was asked for: if it was not found, it is not visible to you.
    pub fn looked_up(&mut self, key: Key) {
        self.looked_up.insert(key);
    }

    pub fn get(&self, key: &Key) -> Option<&Image> {
        self.images.get(key).map(|(image, _)| image)
    }

    pub fn recorded(&self, key: &Key) -> Option<&AncestryEntry> {
        self.records.get(key)
    }

    pub fn knows(&self, key: &Key) -> bool {
        self.looked_up.contains(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.images.keys()
    }
}

/// The parent EC2's ancestry record names.
fn recorded_link(entry: &AncestryEntry) -> Option<Link> {
    let parent = entry.source_image_id.clone()?;
    let region = entry.source_image_region.clone().unwrap_or_else(|| entry.region.clone());
    Some(Link { parent, region, origin: Origin::Ancestry })
}

/// One generation in a chain of ancestors.
#[derive(Debug, Clone, PartialEq)]
pub enum Ancestor {
    /// An image that exists, with the link to its parent if it has one.
    Found { image: Box<Image>, link: Option<Link> },
    /// An image EC2's ancestry names that DescribeImages does not show you
    /// (deregistered, or another account's and not shared).
    Recorded { entry: AncestryEntry, link: Option<Link> },
    /// A parent named by a link that does not exist or is not visible.
    Missing { id: AmiId, region: Region },
}

impl Ancestor {
    pub fn id(&self) -> &AmiId {
        match self {
            Ancestor::Found { image, .. } => &image.id,
            Ancestor::Recorded { entry, .. } => &entry.id,
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
    /// The walk reached an image the index does not know yet. `recorded` says
    /// whether EC2 has an ancestry record to ask for (the start, or a parent
    /// named by an image that EC2 itself records a source for); a parent named
    /// only by tags on an image EC2 knows no source of is looked up by id.
    Need {
        key: Key,
        recorded: bool,
    },
}

/// Walk from `start` towards the root over the index. Pure.
/// `max_depth` counts generations above the start image.
pub fn walk_ancestors(index: &Index, start: &Key, max_depth: u32, tags_only: bool) -> Walk {
    let mut ancestors = Vec::new();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut current = start.clone();
    let mut recorded = true;
    loop {
        if !index.knows(&current) {
            return Walk::Need { key: current, recorded };
        }
        seen.insert(current.clone());
        let (link, has_record) = if let Some(image) = index.get(&current) {
            let link = index
                .parent(&current, tags_only)
                .or_else(|| (!tags_only).then(|| index.recorded(&current).and_then(recorded_link)).flatten());
            // Whether EC2 records where it came from: then EC2's ancestry of
            // the parent is worth asking; a record of the image alone is not.
            let has_record = image.source_image_id.is_some()
                || index.recorded(&current).is_some_and(|e| e.source_image_id.is_some());
            ancestors.push(Ancestor::Found { image: Box::new(image.clone()), link: link.clone() });
            (link, has_record)
        } else if let Some(entry) = index.recorded(&current) {
            // Not visible: no tags to read, so EC2's record is the only link.
            let link = recorded_link(entry);
            ancestors.push(Ancestor::Recorded { entry: entry.clone(), link: link.clone() });
            (link, true)
        } else {
            let (region, id) = current;
            ancestors.push(Ancestor::Missing { id, region });
            return Walk::Done(Chain { ancestors, end: ChainEnd::Missing });
        };
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
        recorded = has_record;
        current = next;
    }
}

/// A node of the descendants tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// None when the root itself could not be found (its children still can).
    pub image: Option<Image>,
    pub key: Key,
    /// How this node is linked to its parent (None for the root).
    pub origin: Option<Origin>,
    /// Generations below the root (the root is 0).
    pub depth: usize,
    /// Index of the parent in `Tree::nodes` (None for the root).
    pub parent: Option<usize>,
    /// Indexes into `Tree::nodes`, oldest first.
    pub children: Vec<usize>,
}

/// The descendants tree, held flat: a lineage may be tens of thousands of
/// generations deep, and nothing here (building, walking, dropping) may
/// recurse that deep.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// The root first.
    pub nodes: Vec<TreeNode>,
}

impl Tree {
    pub fn root(&self) -> &TreeNode {
        &self.nodes[0]
    }

    /// The nodes in pre-order (each node, then its children's subtrees, oldest first).
    pub fn preorder(&self) -> Vec<&TreeNode> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![0usize];
        while let Some(index) = stack.pop() {
            let node = &self.nodes[index];
            out.push(node);
            stack.extend(node.children.iter().rev());
        }
        out
    }

    pub fn count(&self) -> usize {
        self.nodes.len()
    }

    pub fn children_of<'a>(&'a self, node: &'a TreeNode) -> impl Iterator<Item = &'a TreeNode> + 'a {
        node.children.iter().map(|&i| &self.nodes[i])
    }
}

/// Build the tree of descendants of `root` over the index. Pure.
/// Children are ordered by creation time, then id; an image already placed
/// is not placed again, so a loop in the tags cannot make the tree infinite.
pub fn descendants_tree(index: &Index, root: &Key, depth: Option<u32>, tags_only: bool) -> Tree {
    let mut children_of: HashMap<Key, Vec<(&Image, Origin)>> = HashMap::new();
    for key in index.keys() {
        if let (Some(link), Some(image)) = (index.parent(key, tags_only), index.get(key)) {
            children_of.entry((link.region, link.parent)).or_default().push((image, link.origin));
        }
    }
    for children in children_of.values_mut() {
        children.sort_by_key(|(image, _)| (index.created(&(image.region.clone(), image.id.clone())), image.id.clone()));
    }
    let mut tree = Tree {
        nodes: vec![TreeNode {
            image: index.get(root).cloned(),
            key: root.clone(),
            origin: None,
            depth: 0,
            parent: None,
            children: Vec::new(),
        }],
    };
    let mut placed: HashSet<Key> = HashSet::from([root.clone()]);
    // Breadth-first, so that an image is placed at its shallowest position.
    let mut queue = std::collections::VecDeque::from([0usize]);
    while let Some(parent) = queue.pop_front() {
        let level = tree.nodes[parent].depth;
        if depth.is_some_and(|d| level >= d as usize) {
            continue;
        }
        let key = tree.nodes[parent].key.clone();
        for (child, origin) in children_of.get(&key).map(Vec::as_slice).unwrap_or_default() {
            let child_key = (child.region.clone(), child.id.clone());
            if placed.insert(child_key.clone()) {
                let index = tree.nodes.len();
                tree.nodes.push(TreeNode {
                    image: Some((*child).clone()),
                    key: child_key,
                    origin: Some(*origin),
                    depth: level + 1,
                    parent: Some(parent),
                    children: Vec::new(),
                });
                tree.nodes[parent].children.push(index);
                queue.push_back(index);
            }
        }
    }
    tree
}

/// When an image was made: its lineage tags (already read), else EC2's CreationDate.
pub fn created_from(image: &Image, recorded: &RecordedLineage) -> Option<CreateTime> {
    recorded.created.or_else(|| image.creation_date.and_then(CreateTime::from_datetime))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Tags;
    use crate::testing::{id, key, region, tagged};

    fn ids(chain: &Chain) -> Vec<String> {
        chain.ancestors.iter().map(|a| a.id().to_string()).collect()
    }

    #[test]
    fn a_source_region_tag_that_is_no_region_falls_back_to_ec2s_record_of_the_same_parent() {
        // A copy in eu-west-1 of image 1 in us-east-1, whose source_region tag was mangled.
        let mut copy = tagged("eu-west-1", 2, Some(("us-east-1", 1)));
        copy.tags.insert(crate::lineage::SOURCE_REGION.into(), "Virginia".into());
        copy.source_image_id = Some(id(1));
        copy.source_image_region = Some(region("us-east-1"));
        let link = parent_of(&copy, false).unwrap();
        assert_eq!((link.parent, link.region, link.origin), (id(1), region("us-east-1"), Origin::Tag));
        // EC2 recorded another parent: its region says nothing about the tag's parent.
        copy.source_image_id = Some(id(9));
        assert_eq!(parent_of(&copy, false).unwrap().region, region("eu-west-1"));
    }

    fn done(walk: Walk) -> Chain {
        match walk {
            Walk::Done(chain) => chain,
            Walk::Need { key, .. } => panic!("still needs {key:?}"),
        }
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
        let chain = done(walk_ancestors(&index, &key("us-east-1", 3), 1000, false));
        assert_eq!(ids(&chain), ["ami-00000003", "ami-00000002", "ami-00000001"]);
        assert_eq!(chain.end, ChainEnd::Root);
    }

    #[test]
    fn an_unknown_parent_is_asked_for_then_shown_missing() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 2, Some(("us-west-2", 1))));
        // Named by tags only, on an image EC2 records no source for: looked up by id.
        assert_eq!(
            walk_ancestors(&index, &key("us-east-1", 2), 1000, false),
            Walk::Need { key: key("us-west-2", 1), recorded: false }
        );
        index.looked_up(key("us-west-2", 1));
        let chain = done(walk_ancestors(&index, &key("us-east-1", 2), 1000, false));
        assert_eq!(chain.end, ChainEnd::Missing);
        assert_eq!(chain.ancestors[1], Ancestor::Missing { id: id(1), region: region("us-west-2") });
    }

    #[test]
    fn the_start_and_parents_ec2_records_ask_for_the_ancestry() {
        let index = Index::default();
        assert_eq!(
            walk_ancestors(&index, &key("us-east-1", 3), 1000, false),
            Walk::Need { key: key("us-east-1", 3), recorded: true }
        );
        let mut index = Index::default();
        let mut image = tagged("us-east-1", 3, Some(("us-east-1", 2)));
        image.source_image_id = Some(id(7));
        index.insert(image);
        assert_eq!(
            walk_ancestors(&index, &key("us-east-1", 3), 1000, false),
            Walk::Need { key: key("us-east-1", 2), recorded: true },
            "the tag wins over EC2's record, and the tag's parent may have a record of its own"
        );
    }

    #[test]
    fn images_you_cannot_see_are_walked_through_ec2s_record() {
        let mut index = Index::default();
        let mut child = tagged("us-east-1", 3, None);
        child.source_image_id = Some(id(2));
        index.insert(child);
        index.record(AncestryEntry {
            id: id(2),
            region: region("us-east-1"),
            source_image_id: Some(id(1)),
            source_image_region: Some(region("eu-west-1")),
            creation_date: None,
            owner_alias: None,
        });
        index.looked_up(key("us-east-1", 2));
        index.insert(tagged("eu-west-1", 1, None));
        let chain = done(walk_ancestors(&index, &key("us-east-1", 3), 1000, false));
        assert_eq!(ids(&chain), ["ami-00000003", "ami-00000002", "ami-00000001"]);
        let Ancestor::Recorded { link: Some(link), .. } = &chain.ancestors[1] else { panic!("{chain:?}") };
        assert_eq!((link.origin, link.region.as_str()), (Origin::Ancestry, "eu-west-1"));
        assert_eq!(chain.end, ChainEnd::Root);
    }

    #[test]
    fn loops_terminate() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, Some(("us-east-1", 2))));
        index.insert(tagged("us-east-1", 2, Some(("us-east-1", 1))));
        let chain = done(walk_ancestors(&index, &key("us-east-1", 1), 1000, false));
        assert_eq!(ids(&chain), ["ami-00000001", "ami-00000002"]);
        assert_eq!(chain.end, ChainEnd::Loop { repeated: id(1) });

        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, Some(("us-east-1", 1))));
        let chain = done(walk_ancestors(&index, &key("us-east-1", 1), 1000, false));
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
        let chain = done(walk_ancestors(&index, &key("us-east-1", 10), 3, false));
        assert_eq!(chain.ancestors.len(), 4);
        assert_eq!(chain.end, ChainEnd::MaxDepth);
    }

    fn tree_ids(tree: &Tree) -> Vec<(usize, String)> {
        tree.preorder().into_iter().map(|n| (n.depth, n.key.1.to_string())).collect()
    }

    #[test]
    fn a_fifty_thousand_generation_chain_is_built_and_walked_without_recursion() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, None));
        for n in 2..=50_001 {
            index.insert(tagged("us-east-1", n, Some(("us-east-1", n - 1))));
        }
        let tree = descendants_tree(&index, &key("us-east-1", 1), None, false);
        assert_eq!(tree.count(), 50_001);
        let order = tree.preorder();
        assert_eq!(order.last().map(|n| n.depth), Some(50_000));
        drop(tree);
    }

    #[test]
    fn a_loop_cannot_make_the_tree_infinite() {
        let mut index = Index::default();
        index.insert(tagged("us-east-1", 1, Some(("us-east-1", 2))));
        index.insert(tagged("us-east-1", 2, Some(("us-east-1", 1))));
        let tree = descendants_tree(&index, &key("us-east-1", 1), None, false);
        assert_eq!(tree_ids(&tree), [(0, "ami-00000001".to_string()), (1, "ami-00000002".to_string())]);
    }
}
