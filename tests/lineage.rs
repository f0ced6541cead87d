//! `amitools ancestors` and `amitools children` against the simulator:
//! exact outputs, and DescribeImages counts that do not grow with the graph.

mod common;

use common::{ami, run, tagged, Sim, REGION};
use serde_json::{json, Value};

/// Wed Apr 17 18:18:25 UTC 2013, and a second later per generation.
const T0: i64 = 1_366_222_705;

/// Seed a chain root ← 1 ← 2 … ← depth in `region`; returns the ids, root first.
/// The root is a public image owned by someone else, as base images are.
fn seed_chain(sim: &Sim, region: &str, depth: u64) -> Vec<String> {
    let root = ami(0xa000);
    let mut images = vec![json!({"ami_id": root, "name": "base", "owner_id": "137112412989", "public": true,
                                 "creation_date": "2013-01-01T00:00:00Z"})];
    for n in 1..=depth {
        images.push(tagged(&ami(0xa000 + n), &ami(0xa000 + n - 1), region, T0 + n as i64));
    }
    sim.register(region, json!(images))
}

fn ancestors(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("ancestors").args(args))
}

#[test]
fn depth_one_and_two_exact_table() {
    let sim = Sim::start();
    let ids = seed_chain(&sim, REGION, 2);
    let (code, out, err) = ancestors(&sim, &[&ids[1]]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "IMAGE_ID                CREATE_DATE                    CREATE_TS    SOURCE_INSTANCE\n\
             {}   Wed Apr 17 18:18:26 UTC 2013   1366222706   i-0123456789abcdef0\n\
             {}   Tue Jan  1 00:00:00 UTC 2013   1356998400   -\n",
            ids[1], ids[0]
        )
    );
    let (code, out, _) = ancestors(&sim, &["--ids", &ids[2]]);
    assert_eq!(code, 0);
    assert_eq!(out, format!("{}\n{}\n{}\n", ids[2], ids[1], ids[0]));
}

#[test]
fn columns_header_and_json() {
    let sim = Sim::start();
    let ids = seed_chain(&sim, REGION, 2);
    let (code, out, _) =
        ancestors(&sim, &["-C", "name,image_id,state,origin,source_region,owner", "--no-header", &ids[2]]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "image-{}   {}   available   tag   us-east-1   123456789012\n\
             image-{}   {}   available   tag   us-east-1   123456789012\n\
             {:<27}   {}   available   -     -           137112412989\n",
            ids[2], ids[2], ids[1], ids[1], "base", ids[0]
        )
    );
    let (code, out, _) = ancestors(&sim, &["-o", "json", &ids[1]]);
    assert_eq!(code, 0);
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["image_id"], ids[1].as_str());
    assert_eq!(rows[0]["source_image"], ids[0].as_str());
    assert_eq!(rows[0]["create_date"], "20130417T181826Z");
    assert_eq!(rows[0]["create_timestamp"], 1366222706);
    assert_eq!(rows[0]["origin"], "tag");
    assert_eq!(rows[0]["found"], true);
    assert_eq!(rows[1]["origin"], Value::Null);
    for field in ["name", "state", "owner", "region", "description", "source_instance", "source_region", "tags"] {
        assert!(rows[0].get(field).is_some(), "{field}");
    }
}

#[test]
fn a_fifty_deep_chain_takes_at_most_three_calls() {
    let sim = Sim::start();
    let ids = seed_chain(&sim, REGION, 50);
    let (code, out, err) = ancestors(&sim, &["--ids", &ids[50]]);
    assert_eq!(code, 0, "{err}");
    let expected: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    // EC2's ancestry in two calls (50 entries, then the rest), the details in one.
    assert_eq!(sim.calls("GetImageAncestry"), 2);
    assert_eq!(sim.calls("DescribeImages"), 1);
    assert_eq!(sim.images_returned("DescribeImages"), 51);
    assert_eq!(sim.total_calls(), 3);
}

#[test]
fn a_chain_that_crosses_regions_is_followed() {
    let sim = Sim::start();
    let east = seed_chain(&sim, "us-east-1", 3);
    // A copy in eu-west-1 of the newest east image, then a child of the copy there.
    let copy = ami(0xb001);
    let child = ami(0xb002);
    sim.register(
        "eu-west-1",
        json!([tagged(&copy, &east[3], "us-east-1", T0 + 10), tagged(&child, &copy, "eu-west-1", T0 + 11)]),
    );
    let (code, out, err) =
        run(sim.amitools().args(["-r", "eu-west-1", "ancestors", "-C", "image_id,source_region", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>(),
        vec![
            "IMAGE_ID SOURCE_REGION".to_string(),
            format!("{child} eu-west-1"),
            format!("{copy} us-east-1"),
            format!("{} us-east-1", east[3]),
            format!("{} us-east-1", east[2]),
            format!("{} us-east-1", east[1]),
            format!("{} -", east[0]),
        ]
    );
    // One ancestry call crosses regions; one DescribeImages per region fetches the details.
    assert_eq!(sim.calls("GetImageAncestry"), 1);
    assert_eq!(sim.calls_in("eu-west-1", "DescribeImages"), 1);
    assert_eq!(sim.calls_in("us-east-1", "DescribeImages"), 1);
}

#[test]
fn ec2_recorded_links_are_followed_unless_tags_only() {
    let sim = Sim::start();
    let ids = seed_chain(&sim, REGION, 1);
    let untagged = sim
        .register(REGION, json!([{"ami_id": ami(0xc001), "source_image_id": ids[1], "source_image_region": REGION}]))
        .remove(0);
    let (code, out, _) = ancestors(&sim, &["-C", "image_id,origin", "--no-header", &untagged]);
    assert_eq!(code, 0);
    assert_eq!(out, format!("{untagged}   ec2\n{}   tag\n{}   -\n", ids[1], ids[0]));
    let (code, out, err) = ancestors(&sim, &["--tags-only", "--ids", &untagged]);
    assert_eq!((code, out), (0, format!("{untagged}\n")));
    assert!(err.contains("has no known parent"), "{err}");
}

/// root ─┬─ a ─┬─ a1 ── a1x
///       │     └─ a2
///       └─ b ──── b1 (in eu-west-1, a copy)
fn seed_tree(sim: &Sim) -> [String; 7] {
    let [root, a, b, a1, a2, a1x, b1] = [0x1u64, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7].map(|n| ami(0x7000 + n));
    sim.register(
        REGION,
        json!([
            {"ami_id": root, "name": "root", "creation_date": "2013-04-17T18:18:25Z"},
            tagged(&a, &root, REGION, T0 + 1),
            tagged(&b, &root, REGION, T0 + 2),
            tagged(&a1, &a, REGION, T0 + 3),
            tagged(&a2, &a, REGION, T0 + 4),
            tagged(&a1x, &a1, REGION, T0 + 5),
        ]),
    );
    sim.register("eu-west-1", json!([tagged(&b1, &b, REGION, T0 + 6)]));
    [root, a, b, a1, a2, a1x, b1]
}

#[test]
fn children_tree_across_regions() {
    let sim = Sim::start();
    let [root, a, b, a1, a2, a1x, b1] = seed_tree(&sim);
    let (code, out, err) = run(sim.amitools().args(["children", "--regions", "us-east-1,eu-west-1", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "{root}  Wed Apr 17 18:18:25 UTC 2013  root\n\
             ├── {a}  Wed Apr 17 18:18:26 UTC 2013  image-{a}\n\
             │   ├── {a1}  Wed Apr 17 18:18:28 UTC 2013  image-{a1}\n\
             │   │   └── {a1x}  Wed Apr 17 18:18:30 UTC 2013  image-{a1x}\n\
             │   └── {a2}  Wed Apr 17 18:18:29 UTC 2013  image-{a2}\n\
             └── {b}  Wed Apr 17 18:18:27 UTC 2013  image-{b}\n\
             \x20   └── {b1}  Wed Apr 17 18:18:31 UTC 2013  image-{b1}  [eu-west-1]\n"
        )
    );
    assert_eq!(sim.calls_in("us-east-1", "DescribeImages"), 1);
    assert_eq!(sim.calls_in("eu-west-1", "DescribeImages"), 1);

    // Only the current region: the copy is not found.
    let (_, out, _) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(out, format!("{root}\n{a}\n{a1}\n{a1x}\n{a2}\n{b}\n"));
}

#[test]
fn children_depth_flat_json_and_all_regions() {
    let sim = Sim::start();
    let [root, a, b, a1, a2, _, b1] = seed_tree(&sim);
    let (code, out, _) = run(sim.amitools().args([
        "children",
        "--depth",
        "2",
        "--flat",
        "-C",
        "image_id,source_region",
        "--all-regions",
        &root,
    ]));
    assert_eq!(code, 0);
    let rows: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(
        rows,
        [
            "DEPTH IMAGE_ID SOURCE_REGION".to_string(),
            format!("0 {root} -"),
            format!("1 {a} us-east-1"),
            format!("2 {a1} us-east-1"),
            format!("2 {a2} us-east-1"),
            format!("1 {b} us-east-1"),
            format!("2 {b1} us-east-1"),
        ]
    );

    let (code, out, _) =
        run(sim.amitools().args(["children", "-o", "json", "--regions", "us-east-1,eu-west-1", &root]));
    assert_eq!(code, 0);
    let tree: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tree["image_id"], root.as_str());
    assert_eq!(tree["children"][0]["image_id"], a.as_str());
    assert_eq!(tree["children"][0]["children"][0]["children"][0]["depth"], 3);
    assert_eq!(tree["children"][1]["children"][0]["region"], "eu-west-1");
}

#[test]
fn several_hundred_descendants_in_a_few_calls_per_region() {
    let sim = Sim::start();
    let root = ami(0x9000_0000);
    let mut east = vec![json!({"ami_id": root, "name": "root"})];
    let mut west = Vec::new();
    // 4 generations: 6 + 36 + 216 in us-east-1, and a copy of each generation-2 image in eu-west-1.
    let mut generation = vec![root.clone()];
    let mut next_id = 0x9000_0001u64;
    let mut total = 0;
    for _ in 0..3 {
        let mut children = Vec::new();
        for parent in &generation {
            for _ in 0..6 {
                let id = ami(next_id);
                next_id += 1;
                east.push(tagged(&id, parent, REGION, T0 + next_id as i64 % 1000));
                children.push(id);
            }
        }
        total += children.len();
        generation = children;
    }
    for parent in generation.iter().take(50) {
        west.push(tagged(&ami(next_id), parent, REGION, T0));
        next_id += 1;
        total += 1;
    }
    sim.register(REGION, json!(east));
    sim.register("eu-west-1", json!(west));
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", "--regions", "us-east-1,eu-west-1", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), total + 1);
    assert!(total > 300);
    // us-east-1 holds more than one small page: one look at it, the root's
    // look-up, then a round per generation, each by tag and by
    // SourceImageId: the root's, the 6's, the 36's — whose 216 children
    // outnumber the first page, so one full page reads the region's 259
    // images instead of rounds for the 216 (two chunks of 200 ids) and the
    // 50. eu-west-1 fits in its first page.
    assert_eq!(sim.calls_in("us-east-1", "DescribeImages"), 1 + 1 + 2 * 3 + 1);
    assert_eq!(sim.calls_in("eu-west-1", "DescribeImages"), 1);
    let returned = sim.images_returned("DescribeImages");
    assert!(returned <= 3 * (total as u64 + 1), "{returned} images returned for {total} descendants");
}

/// `children --uses`: the tree with what uses each image in this account,
/// counted by kind — the blast radius, nothing changed; uses asked 10
/// images a call per region (7 images: one call in each region).
#[test]
fn children_with_uses_counts_each_images_uses() {
    let sim = Sim::start();
    let [root, a, b, a1, a2, a1x, b1] = seed_tree(&sim);
    let run_from = |region: &str, image: &str| {
        sim.control("run-instance", Some(json!({"region": region, "image_id": image})));
    };
    run_from(REGION, &a);
    run_from(REGION, &a);
    sim.control("run-instance", Some(json!({"region": REGION, "image_id": a1, "state": "stopped"})));
    sim.control("launch-template", Some(json!({"region": REGION, "image_ids": [a2, a1]})));
    sim.control("ssm-parameter", Some(json!({"region": REGION, "name": "/golden/web", "image_id": a2})));
    sim.control("launch-configuration", Some(json!({"region": REGION, "name": "web-v3", "image_id": a1x})));
    sim.control("launch-template", Some(json!({"region": "eu-west-1", "image_ids": [b1]})));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["children", "--uses", "--regions", "us-east-1,eu-west-1", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "{root}  Wed Apr 17 18:18:25 UTC 2013  root  (uses: unused)\n\
             ├── {a}  Wed Apr 17 18:18:26 UTC 2013  image-{a}  (uses: 2 instances (2 running))\n\
             │   ├── {a1}  Wed Apr 17 18:18:28 UTC 2013  image-{a1}  (uses: 1 instance (not running), 1 launch template)\n\
             │   │   └── {a1x}  Wed Apr 17 18:18:30 UTC 2013  image-{a1x}  (uses: 1 launch configuration)\n\
             │   └── {a2}  Wed Apr 17 18:18:29 UTC 2013  image-{a2}  (uses: 1 launch template, 1 SSM parameter)\n\
             └── {b}  Wed Apr 17 18:18:27 UTC 2013  image-{b}  (uses: unused)\n\
             \x20   └── {b1}  Wed Apr 17 18:18:31 UTC 2013  image-{b1}  [eu-west-1]  (uses: 1 launch template)\n"
        )
    );
    assert_eq!(sim.calls_in("us-east-1", "DescribeImageReferences"), 1);
    assert_eq!(sim.calls_in("eu-west-1", "DescribeImageReferences"), 1);
    assert_eq!(sim.calls("DescribeLaunchConfigurations"), 2);
    // Whether the instances run: one DescribeInstances, in the one region with instances.
    assert_eq!(
        (sim.calls_in("us-east-1", "DescribeInstances"), sim.calls_in("eu-west-1", "DescribeInstances")),
        (1, 0)
    );

    // --flat: a USES column; JSON: counts by kind.
    let (code, out, _) = run(sim.amitools().args([
        "children",
        "--uses",
        "--flat",
        "-C",
        "image_id",
        "--regions",
        "us-east-1,eu-west-1",
        &root,
    ]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["DEPTH", "IMAGE_ID", "USES"]);
    assert!(lines[2].ends_with(&format!("{a}   2 instances (2 running)")), "{out}");
    let (code, out, _) =
        run(sim.amitools().args(["children", "--uses", "-o", "json", "--regions", "us-east-1,eu-west-1", &root]));
    assert_eq!(code, 0);
    let tree: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        tree["children"][0]["children"][0]["uses"],
        json!({"instances": 1, "running_instances": 0, "launch_templates": 1, "launch_configurations": 0, "ssm_parameters": 0,
               "image_builder_recipes": 0, "other": 0})
    );
    assert_eq!(tree["children"][0]["children"][0]["uses_error"], Value::Null);
    assert_eq!(tree["uses"]["instances"], 0);

    // Uses that cannot be read: said per image, exit 1 naming them.
    sim.configure(json!({"deny_actions": ["DescribeImageReferences"]}));
    let (code, out, err) = run(sim.amitools().args(["children", "--uses", "--ids", &root]));
    assert_eq!((code, out.as_str()), (2, ""), "--uses and --ids: {err}");
    let (code, out, err) = run(sim.amitools().args(["children", "--uses", &root]));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.lines().next().unwrap().contains("(uses: unknown (DescribeImageReferences: UnauthorizedOperation"),
        "{out}"
    );
    assert!(err.contains("what uses 6 image(s) could not be checked (see uses): "), "{err}");
}
