//! `ancestors` and `children` under real EC2's rules, against the simulator
//! made as strict as EC2: pagination, deprecated and disabled images, other
//! accounts' images and tags, GetImageAncestry, refusing regions, and cost
//! (calls and images returned) in an account of thousands of images.

mod common;

use common::{ami, retro_tagged, run, tagged, Sim, REGION};
use serde_json::{json, Value};

/// Wed Apr 17 18:18:25 UTC 2013, and a second later per generation.
const T0: i64 = 1_366_222_705;
const AMAZON: &str = "137112412989";
const OTHER_ACCOUNT: &str = "111122223333";

fn cells(out: &str) -> Vec<String> {
    out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// An old Amazon image: public, deprecated two years after creation, as EC2 does.
fn deprecated_base(id: &str) -> Value {
    json!({"ami_id": id, "name": "amzn2-ami-hvm-2019.03", "owner_id": AMAZON, "owner_alias": "amazon",
           "public": true, "creation_date": "2019-03-01T00:00:00Z", "deprecation_time": "2021-03-01T00:00:00Z"})
}

#[test]
fn a_deprecated_amazon_parent_is_found_with_its_name() {
    let sim = Sim::start();
    let base = ami(0x1000);
    let child = ami(0x1001);
    sim.register(REGION, json!([deprecated_base(&base), tagged(&child, &base, REGION, T0)]));
    let (code, out, err) = run(sim.amitools().args(["ancestors", "-C", "image_id,name,owner,origin", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        cells(&out),
        [
            "IMAGE_ID NAME OWNER ORIGIN".to_string(),
            format!("{child} image-{child} 123456789012 tag"),
            format!("{base} amzn2-ami-hvm-2019.03 {AMAZON} -"),
        ]
    );
    assert_eq!(err, "");
}

#[test]
fn a_disabled_image_and_its_descendants_are_in_the_tree() {
    // page_size 1: no region fits in one page, so the generation walk runs too.
    for config in [json!({}), json!({"page_size": 1})] {
        let sim = Sim::start_with(config.clone());
        let [root, a, a1, b] = [1u64, 2, 3, 4].map(|n| ami(0x2000 + n));
        sim.register(
            REGION,
            json!([
                {"ami_id": root, "name": "root"},
                tagged(&a, &root, REGION, T0 + 1),
                tagged(&a1, &a, REGION, T0 + 2),
                tagged(&b, &root, REGION, T0 + 3),
            ]),
        );
        sim.set_state(REGION, &a, "disabled");
        let (code, out, err) = run(sim.amitools().args(["children", "--flat", "-C", "image_id,state", &root]));
        assert_eq!(code, 0, "{config}: {err}");
        assert_eq!(
            cells(&out),
            [
                "DEPTH IMAGE_ID STATE".to_string(),
                format!("0 {root} available"),
                format!("1 {a} disabled"),
                format!("2 {a1} available"),
                format!("1 {b} available"),
            ],
            "{config}"
        );
    }
}

#[test]
fn hundreds_of_children_across_pages_of_a_hundred() {
    let sim = Sim::start_with(json!({"page_size": 100}));
    let root = ami(0x3000);
    let mut images = vec![json!({"ami_id": root, "name": "root"})];
    let children: Vec<String> = (1..=260).map(|n| ami(0x3000 + n)).collect();
    images.extend(children.iter().enumerate().map(|(i, id)| tagged(id, &root, REGION, T0 + i as i64)));
    sim.register(REGION, json!(images));
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    let mut expected = vec![root.clone()];
    expected.extend(children.iter().cloned());
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    // A first page (more than 100 own images), the root, then the children
    // in 3 pages by tag and 3 by SourceImageId; 260 children outnumber the
    // first page, so one full page is asked for (this endpoint's pages hold
    // 100: it does not hold the region), then the next generation (260 ids:
    // two chunks of at most 200) finds nothing, by tag and by record.
    assert_eq!(sim.calls("DescribeImages"), 1 + 1 + 3 + 3 + 1 + 2 * 2);
    assert_eq!(sim.images_returned("DescribeImages"), 100 + 1 + 260 * 2 + 100);
}

#[test]
fn a_chain_through_an_image_shared_from_another_account() {
    let sim = Sim::start();
    let base = ami(0x4000);
    let shared = ami(0x4001);
    let mine = ami(0x4002);
    // The other account's tags on its image are its own: EC2 never returns them.
    let mut other = tagged(&shared, &base, REGION, T0);
    other["owner_id"] = json!(OTHER_ACCOUNT);
    other["shared"] = json!(true);
    other["name"] = json!("golden");
    sim.register(REGION, json!([deprecated_base(&base), other, tagged(&mine, &shared, REGION, T0 + 1)]));
    let (code, out, err) = run(sim.amitools().args(["ancestors", "-C", "image_id,name,owner,origin", &mine]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        cells(&out),
        [
            "IMAGE_ID NAME OWNER ORIGIN".to_string(),
            format!("{mine} image-{mine} 123456789012 tag"),
            format!("{shared} golden {OTHER_ACCOUNT} ec2"),
            format!("{base} amzn2-ami-hvm-2019.03 {AMAZON} -"),
        ]
    );
    let (_, out, _) = run(sim.amitools().args(["ancestors", "-o", "json", &mine]));
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[1]["tags"], json!({}), "another account's tags are not visible");
}

#[test]
fn a_deregistered_parent_is_shown_from_ec2s_record() {
    let sim = Sim::start();
    let [root, gone, child] = [1u64, 2, 3].map(|n| ami(0x5000 + n));
    sim.register(
        REGION,
        json!([
            {"ami_id": root, "name": "root", "creation_date": "2013-04-17T18:18:25Z"},
            {"ami_id": gone, "name": "gone", "source_image_id": root, "source_image_region": REGION,
             "creation_date": "2013-04-17T18:18:26Z"},
            tagged(&child, &gone, REGION, T0 + 2),
        ]),
    );
    sim.control("deregister", Some(json!({"region": REGION, "image_id": gone})));
    let (code, out, err) =
        run(sim.amitools().args(["ancestors", "-C", "image_id,create_date,name,state,origin", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "IMAGE_ID                CREATE_DATE                    NAME                          STATE           ORIGIN\n\
             {child}   Wed Apr 17 18:18:27 UTC 2013   image-{child}   available       tag\n\
             {gone}   Wed Apr 17 18:18:26 UTC 2013   (not visible)                 (not visible)   ancestry\n\
             {root}   Wed Apr 17 18:18:25 UTC 2013   root                          available       -\n"
        )
    );
    assert!(err.contains("1 image(s) in the chain are not visible to you"), "{err}");
}

#[test]
fn a_tag_that_disagrees_with_ec2_wins() {
    let sim = Sim::start();
    let [root, recorded, tagged_parent, child] = [1u64, 2, 3, 4].map(|n| ami(0x6000 + n));
    let mut retagged = tagged(&child, &tagged_parent, REGION, T0 + 4);
    retagged["source_image_id"] = json!(recorded);
    sim.register(
        REGION,
        json!([
            {"ami_id": root, "name": "root"},
            tagged(&recorded, &root, REGION, T0 + 2),
            retro_tagged(&tagged_parent, &root, REGION, T0 + 3),
            retagged,
        ]),
    );
    let (code, out, err) = run(sim.amitools().args(["ancestors", "-C", "image_id,origin", "--no-header", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(cells(&out), [format!("{child} tag"), format!("{tagged_parent} tag"), format!("{root} -")]);
}

#[test]
fn without_getimageancestry_the_rows_are_the_same() {
    let sim = Sim::start();
    let root = ami(0x7000);
    let mut images = vec![json!({"ami_id": root, "name": "root", "creation_date": "2013-04-17T18:18:25Z"})];
    let ids: Vec<String> = (1..=10).map(|n| ami(0x7000 + n)).collect();
    let mut parent = root.clone();
    for (n, id) in ids.iter().enumerate() {
        images.push(tagged(id, &parent, REGION, T0 + n as i64));
        parent = id.clone();
    }
    sim.register(REGION, json!(images));
    let start = ids.last().unwrap().clone();
    let args = ["ancestors", "-C", "image_id,create_date,origin", start.as_str()];
    let (code, expected, _) = run(sim.amitools().args(args));
    assert_eq!(code, 0);
    assert_eq!(expected.lines().count(), 12);
    for config in [json!({"deny_actions": ["GetImageAncestry"]}), json!({"unsupported_actions": ["GetImageAncestry"]})]
    {
        sim.configure(config.clone());
        sim.reset_stats();
        let (code, out, err) = run(sim.amitools().arg("-v").args(args));
        assert_eq!((code, &out), (0, &expected), "{config}: {err}");
        assert!(err.contains("GetImageAncestry unavailable"), "{config}: {err}");
        // One refused ancestry call, then the chain image by image: never the account.
        assert_eq!(sim.calls("GetImageAncestry"), 1, "{config}");
        assert_eq!(sim.calls("DescribeImages"), 11, "{config}");
        assert_eq!(sim.images_returned("DescribeImages"), 11, "{config}");
        sim.configure(json!({"deny_actions": [], "unsupported_actions": []}));
    }
}

#[test]
fn all_regions_with_a_region_denied_prints_the_rest_and_exits_1() {
    let sim = Sim::start_with(json!({"deny_regions": ["eu-west-1"]}));
    let [root, a, b] = [1u64, 2, 3].map(|n| ami(0x8000 + n));
    sim.register(REGION, json!([{"ami_id": root, "name": "root"}, tagged(&a, &root, REGION, T0 + 1)]));
    sim.register("us-west-2", json!([tagged(&b, &root, REGION, T0 + 2)]));
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", "--all-regions", &root]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, format!("{root}\n{a}\n{b}\n"));
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("amitools: eu-west-1 skipped: DescribeImages: UnauthorizedOperation:"), "{err}");
    assert_eq!(
        lines[1], "amitools: error: 1 region(s) could not be searched, the tree may be incomplete: eu-west-1",
        "{err}"
    );
    assert_eq!(lines.len(), 2, "{err}");
    // The root's own region refusing is an error, not a skipped region.
    let (code, out, err) = run(sim.amitools().args(["-r", "eu-west-1", "children", &root]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
}

/// 10,000 of the account's own lineage-tagged images beside the lineage asked about.
fn seed_background(sim: &Sim, count: u64) {
    let images: Vec<Value> = (0..count)
        .map(|n| {
            let id = ami(0xb000_0000 + n);
            let parent = ami(0xb000_0000 + n.saturating_sub(1));
            tagged(&id, &parent, REGION, T0 + n as i64)
        })
        .collect();
    sim.register(REGION, json!(images));
}

/// A 121-image tree as amitools leaves it: ami(root) and 3 children per
/// image over 4 generations (1 + 3 + 9 + 27 + 81), numbered on from the
/// root's number; each carrying `watermarks` when given.
fn tree_of_121(root: u64, name: &str, watermarks: Option<&Value>) -> Vec<Value> {
    let mut images = vec![json!({"ami_id": ami(root), "name": name})];
    let (mut generation, mut next) = (vec![ami(root)], root + 1);
    for _ in 0..4 {
        let mut children = Vec::new();
        for parent in &generation {
            for _ in 0..3 {
                images.push(tagged(&ami(next), parent, REGION, T0 + (next - root) as i64));
                children.push(ami(next));
                next += 1;
            }
        }
        generation = children;
    }
    if let Some(marks) = watermarks {
        images.iter_mut().for_each(|image| image["watermarks"] = marks.clone());
    }
    images
}

#[test]
fn cost_follows_the_lineage_in_an_account_of_ten_thousand_images() {
    let sim = Sim::start();
    seed_background(&sim, 10_000);
    // A 25-deep chain.
    let root = ami(0xc000);
    let mut images = vec![json!({"ami_id": root, "name": "root"})];
    let mut parent = root.clone();
    for n in 1..=25u64 {
        let id = ami(0xc000 + n);
        images.push(tagged(&id, &parent, REGION, T0 + n as i64));
        parent = id;
    }
    let tree_root = ami(0xd000);
    images.extend(tree_of_121(0xd000, "tree", None));
    sim.register(REGION, json!(images));

    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["ancestors", "--ids", &parent]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 26);
    let returned = sim.images_returned("DescribeImages");
    assert!(returned <= 3 * 26, "ancestors: {returned} images returned");
    assert_eq!((sim.calls("GetImageAncestry"), sim.calls("DescribeImages")), (1, 1));

    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &tree_root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 121);
    let returned = sim.images_returned("DescribeImages");
    assert!(returned <= 3 * 121, "children: {returned} images returned");
    // The first look, the root, then 5 generations (the last with no
    // children) by tag and by record.
    assert_eq!((sim.total_calls(), returned), (1 + 1 + 5 * 2, 100 + 1 + 2 * 120), "{}", sim.stats());
}

/// A chain EC2 records no source for (registered images, retro-tagged with
/// `amitools tag`), 30 deep, in a region of a few hundred own images: one
/// page of the region holds it, so it costs 3 calls, not one a generation.
#[test]
fn a_tag_only_chain_costs_three_calls_where_one_page_holds_the_region() {
    let sim = Sim::start();
    let mut images = vec![json!({"ami_id": ami(0x9000), "name": "registered-root"})];
    for n in 1..30u64 {
        images.push(retro_tagged(&ami(0x9000 + n), &ami(0x9000 + n - 1), REGION, T0 + n as i64));
    }
    images.extend((0..270u64).map(|n| json!({"ami_id": ami(0x9100 + n), "name": format!("other-{n}")})));
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["ancestors", "--ids", &ami(0x9000 + 29)]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 30);
    assert_eq!(out.lines().last(), Some(ami(0x9000).as_str()));
    assert_eq!(sim.total_calls(), 3, "{}", sim.stats());
}

/// 250 children of one root in a region of 255 own images: the first look
/// (100) is too small, the first generation alone outnumbers it, and one full
/// page then holds the region — 5 calls at most, where the generation walk
/// would take 2 queries per 200 ids per generation.
#[test]
fn many_children_in_a_mid_sized_region_cost_no_more_than_reading_it() {
    let sim = Sim::start();
    let root = ami(0xA000);
    let mut images = vec![json!({"ami_id": root, "name": "root"})];
    images.extend((1..=250u64).map(|n| tagged(&ami(0xA000 + n), &root, REGION, T0 + n as i64)));
    images.extend((0..4u64).map(|n| json!({"ami_id": ami(0xA400 + n), "name": format!("other-{n}")})));
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 251);
    assert!(sim.total_calls() <= 5, "{}", sim.stats());
    // The first look, the root, the generation by tag and by record, the region.
    assert_eq!(sim.images_returned("DescribeImages"), 100 + 1 + 2 * 250 + 255);
}

/// A watermarked root (AttachImageWatermark): every image made from it since
/// carries the watermark, so one query a region finds the whole tree, at any
/// depth; the tree's children are asked once more, which finds those made
/// from the root before the watermark was attached (and then theirs).
#[test]
fn a_watermarked_roots_tree_in_one_query_and_the_older_images_still_found() {
    let sim = Sim::start();
    let root = ami(0xB000);
    let mark = json!([{"key": "123456789012:approved-base", "source_image_id": root, "source_image_region": REGION}]);
    let mut images = tree_of_121(0xB000, "root", Some(&mark));
    let tree = images.len();
    // Made from the root before the watermark was attached: no watermark, nor its child.
    let (older, older_child) = (ami(0xB900), ami(0xB901));
    images.push(tagged(&older, &root, REGION, T0 - 10));
    images.push(tagged(&older_child, &older, REGION, T0 - 5));
    images.extend((0..300u64).map(|n| json!({"ami_id": ami(0xC000 + n), "name": format!("other-{n}")})));
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), tree + 2);
    assert!(out.contains(&older) && out.contains(&older_child));
    // The first look, the root, the watermark's query, then the tree's
    // children (finding the older child) and the older child's (by tag and
    // by record), and the older grandchild's, which has none.
    assert_eq!(sim.calls("DescribeImages"), 1 + 1 + 1 + 2 + 2 + 2, "{}", sim.stats());
    let (code, out, _) = run(sim.amitools().args(["-o", "json", "children", "--flat", &root]));
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["watermarks"], json!(["123456789012:approved-base"]));
    assert!(rows.iter().any(|r| r["image_id"] == older.as_str() && r["watermarks"] == json!([])));
}

/// A watermarked root's 121-image, 4-generation tree in a region of 10,000
/// other own images: the watermark's one query holds the whole tree, and one
/// round asks for the children of all of it at once (by tag and by record) —
/// whatever the watermark cannot see (a registered image, one it was removed
/// from) is a child of an image in the tree. 5 calls at any depth, where the
/// generation walk costs 2 a generation; the price is that each image of the
/// tree comes back three times.
#[test]
fn a_watermarked_tree_among_ten_thousand_images_costs_five_calls() {
    let sim = Sim::start();
    seed_background(&sim, 10_000);
    let root = ami(0xD000);
    let mark = json!([{"key": "123456789012:approved-base", "source_image_id": root, "source_image_region": REGION}]);
    let images = tree_of_121(0xD000, "root", Some(&mark));
    assert_eq!(images.len(), 121);
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    let mut shown: Vec<&str> = out.lines().collect();
    shown.sort();
    let mut expected: Vec<String> = (0..121u64).map(|n| ami(0xD000 + n)).collect();
    expected.sort();
    assert_eq!(shown, expected);
    // The first look, the root, the watermark's query, the tree's children by tag and by record.
    assert_eq!(sim.calls("DescribeImages"), 1 + 1 + 1 + 2, "{}", sim.stats());
    assert_eq!(sim.total_calls(), 5, "{}", sim.stats());
    assert_eq!(sim.images_returned("DescribeImages"), 100 + 1 + 121 + 2 * 120);
}

/// A watermark a platform team attached to its base: the team's root was
/// made from the base, so it and everything made from it carry the base's
/// watermark, as do the 60 images other teams made from the base. `children`
/// of the team's root asks for the base's family (one query) and shows the
/// root's subtree only; a registered image deep in it (no watermark: EC2
/// copies none on RegisterImage) and its child are still found.
#[test]
fn an_ancestors_watermark_gives_the_family_and_the_roots_subtree_is_cut_out() {
    let sim = Sim::start();
    seed_background(&sim, 10_000);
    let base = ami(0xE000);
    let mark = json!([{"key": "111122223333:platform-base", "source_image_id": base, "source_image_region": REGION}]);
    let marked = |mut image: Value| {
        image["watermarks"] = mark.clone();
        image
    };
    let mut images = vec![marked(json!({"ami_id": base, "name": "base"}))];
    images.extend((1..=60u64).map(|n| marked(tagged(&ami(0xE100 + n), &base, REGION, T0 + n as i64))));
    // The team's root, two children, and a child of the second.
    let (root, a, b, c) = (ami(0xE001), ami(0xE002), ami(0xE003), ami(0xE004));
    images.push(marked(tagged(&root, &base, REGION, T0 + 100)));
    images.push(marked(tagged(&a, &root, REGION, T0 + 101)));
    images.push(marked(tagged(&b, &root, REGION, T0 + 102)));
    images.push(marked(tagged(&c, &b, REGION, T0 + 103)));
    // Registered from a snapshot of c's volume, retro-tagged; its child made from it.
    let (registered, its_child) = (ami(0xE005), ami(0xE006));
    images.push(retro_tagged(&registered, &c, REGION, T0 + 104));
    images.push(tagged(&its_child, &registered, REGION, T0 + 105));
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, [&root, &a, &b, &c, &registered, &its_child].map(|id| format!("{id}\n")).concat());
    // The first look, the root, the base's family, the subtree's children
    // (finding the registered image), its children, and its child's.
    assert_eq!(sim.calls("DescribeImages"), 1 + 1 + 1 + 2 + 2 + 2, "{}", sim.stats());
    assert_eq!(sim.calls("GetImageAncestry"), 0, "one watermark: nothing to rank");
    // 100, 1, the family of 65, the subtree's 3 children and the registered
    // image by tag (4) and the 3 by record, its child twice, none after.
    assert_eq!(sim.images_returned("DescribeImages"), 100 + 1 + 65 + 4 + 3 + 2);
}

/// An ancestor's family larger than one page (1,100 images made from a
/// watermarked base, hourly builds of many teams) is asked for in one page
/// only: the root's three children are then found by the walk, at the cost
/// of that one page, not of the 2 more pages the family would take.
#[test]
fn an_ancestors_family_larger_than_one_page_costs_one_page_then_the_walk() {
    let sim = Sim::start();
    let base = ami(0xF000);
    let mark = json!([{"key": "123456789012:platform-base", "source_image_id": base, "source_image_region": REGION}]);
    let marked = |mut image: Value| {
        image["watermarks"] = mark.clone();
        image
    };
    let mut images = vec![marked(json!({"ami_id": base, "name": "base"}))];
    images.extend((1..=1100u64).map(|n| marked(tagged(&ami(0xF_0000 + n), &base, REGION, T0 + n as i64))));
    let root = ami(0xF001);
    images.push(marked(tagged(&root, &base, REGION, T0 + 2000)));
    let children: Vec<String> = (2..=4u64).map(|n| ami(0xF000 + n)).collect();
    images.extend(children.iter().enumerate().map(|(n, id)| marked(tagged(id, &root, REGION, T0 + 2001 + n as i64))));
    sim.register(REGION, json!(images));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, [&root, &children[0], &children[1], &children[2]].map(|id| format!("{id}\n")).concat());
    // The first look, the root, the family's one page, the root's children
    // and theirs (by tag and by record).
    assert_eq!(sim.calls("DescribeImages"), 1 + 1 + 1 + 2 + 2, "{}", sim.stats());
    assert_eq!(sim.images_returned("DescribeImages"), 100 + 1 + 1000 + 2 * 3);
}

/// `amitools watermark`: attach (the key printed), images made from the
/// image afterwards carry it and `children` uses it; --remove detaches it
/// from that image only; a bad name is refused before any call.
#[test]
fn the_watermark_command_attaches_and_removes() {
    let sim = Sim::start_with(json!({"pending_seconds": 0}));
    let root = sim.register(REGION, json!([{"name": "base"}])).remove(0);
    let (code, out, err) = run(sim.amitools().args(["watermark", &root, "approved-base"]));
    assert_eq!((code, out.as_str()), (0, "123456789012:approved-base\n"), "{err}");
    // An image made from it now carries it.
    let instance = sim.control("run-instance", Some(json!({"region": REGION, "image_id": root})))["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, child, err) = run(sim.amitools().args(["create", "--wait", "--watermark", "app line", &instance]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("carries watermark 123456789012:app line"), "{err}");
    let (code, out, _) = run(sim.amitools().args(["ancestors", "-C", "image_id,watermarks", child.trim()]));
    assert_eq!(code, 0);
    assert_eq!(cells(&out)[1], format!("{} 123456789012:approved-base,123456789012:app line", child.trim()), "{out}");
    let (code, out, err) = run(sim.amitools().args(["-o", "json", "watermark", "--remove", &root, "approved-base"]));
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["watermark_key"], "123456789012:approved-base");
    assert_eq!(report["removed"], true);
    let (_, out, _) = run(sim.amitools().args(["-o", "json", "children", "--flat", &root]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["watermarks"], json!([]), "removed from the root");
    assert_eq!(
        rows[1]["watermarks"],
        json!(["123456789012:approved-base", "123456789012:app line"]),
        "the child keeps its own"
    );
    sim.reset_stats();
    for bad in ["ab", "semi;colon", "x".repeat(129).as_str()] {
        let (code, _, err) = run(sim.amitools().args(["watermark", &root, bad]));
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("is not a watermark name"), "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

/// A lost AttachImageWatermark answer: the SDK sends it again, EC2 keeps
/// one watermark (the key is the same), and the key is reported.
#[test]
fn a_lost_watermark_answer_leaves_one_watermark() {
    let sim = Sim::start_with(json!({"fault_actions": ["AttachImageWatermark"], "lose_next_responses": 1}));
    let root = sim.register(REGION, json!([{"name": "base"}])).remove(0);
    let (code, out, err) = run(sim.amitools().args(["watermark", &root, "approved-base"]));
    assert_eq!((code, out.as_str()), (0, "123456789012:approved-base\n"), "{err}");
    assert_eq!(sim.calls("AttachImageWatermark"), 2, "the lost answer's request was sent again");
    let (_, out, _) = run(sim.amitools().args(["-o", "json", "children", "--flat", &root]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["watermarks"], json!(["123456789012:approved-base"]));
}
