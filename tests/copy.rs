//! `amitools copy` and `amitools clone` against the simulator.

mod common;

use common::{run, Sim, REGION};
use serde_json::{json, Value};

/// An image made by `amitools create` in `region`, with an extra user tag.
fn source_image(sim: &Sim, region: &str) -> (String, String) {
    let (instance, _) = sim.run_instance(region);
    let (code, out, err) =
        run(sim.amitools().args(["-r", region, "create", "-t", "team=web", "-d", "web base", &instance]));
    assert_eq!(code, 0, "{err}");
    (out.trim().to_string(), instance)
}

fn copy(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run(sim.amitools().arg("copy").args(args));
    (code, out.trim().to_string(), err)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[test]
fn copy_across_regions_keeps_lineage_and_user_tags() {
    let sim = Sim::start();
    let (source, instance) = source_image(&sim, REGION);
    sim.reset_stats();
    let before = now();
    let (code, id, err) = copy(&sim, &["-R", "eu-west-1", &source]);
    let after = now();
    assert_eq!(code, 0, "{err}");
    assert!(id.starts_with("ami-"), "{id}");

    let copied = sim.image("eu-west-1", &id);
    assert_eq!(copied["found"], true, "the copy lives in the destination region");
    let tags = &copied["tags"];
    assert_eq!(tags["source_image"], source.as_str(), "the parent is the image copied, not the source's own parent");
    assert_eq!(tags["source_region"], REGION);
    assert_eq!(tags["source_instance"], instance.as_str(), "the source's source_instance carries over");
    assert_eq!(tags["team"], "web", "the source's user tags come along");
    let ts: i64 = tags["create_timestamp"].as_str().unwrap().parse().unwrap();
    assert!((before..=after).contains(&ts));
    assert_eq!(tags.as_object().unwrap().len(), 6, "{tags}");
    assert_eq!(copied["snapshot_tags"], *tags);
    assert_eq!(copied["description"], "web base", "the source's description by default");
    assert_eq!(
        (copied["source_image_id"].as_str(), copied["source_image_region"].as_str()),
        (Some(source.as_str()), Some(REGION))
    );
    assert!(copied["name"].as_str().unwrap().starts_with("AMI-"));
    // One look at the source (in its region), one CopyImage (in the destination).
    assert_eq!(sim.calls_in(REGION, "DescribeImages"), 1);
    assert_eq!(sim.calls_in("eu-west-1", "CopyImage"), 1);
    assert_eq!(sim.total_calls(), 2);
}

#[test]
fn no_copy_tags_leaves_the_source_tags_behind() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, REGION);
    let (code, id, err) = copy(&sim, &["--no-copy-tags", "-t", "stage=prod", "-R", "us-west-2", &source]);
    assert_eq!(code, 0, "{err}");
    let tags = &sim.image("us-west-2", &id)["tags"];
    assert_eq!(tags.get("team"), None, "{tags}");
    assert_eq!(tags["stage"], "prod");
    assert_eq!(tags.as_object().unwrap().len(), 6);
}

#[test]
fn the_source_region_option_and_json() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, "ap-south-1");
    let (code, out, err) = copy(&sim, &["-o", "json", "-n", "web copy", "--source-region", "ap-south-1", &source]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["region"], REGION, "the destination defaults to the current region");
    assert_eq!(report["name"], "web copy");
    assert_eq!(report["tags"]["source_region"], "ap-south-1");
    let id = report["image_id"].as_str().unwrap();
    assert_eq!(sim.image(REGION, id)["tags"], report["tags"]);
}

#[test]
fn clone_is_a_copy_in_the_same_region() {
    let sim = Sim::start();
    let (source, instance) = source_image(&sim, REGION);
    let (code, out, err) = run(sim.amitools().args(["clone", "-N", "mine", "--wait", &source]));
    assert_eq!(code, 0, "{err}");
    let id = out.trim();
    let image = sim.image(REGION, id);
    assert_eq!(image["state"], "available");
    assert_eq!(image["tags"]["source_image"], source.as_str());
    assert_eq!(image["tags"]["source_region"], REGION);
    assert_eq!(image["tags"]["source_instance"], instance.as_str());
    assert!(image["name"].as_str().unwrap().starts_with("mine-"));
}

#[test]
fn ancestors_and_children_follow_copies_across_regions() {
    let sim = Sim::start();
    let (instance, base) = sim.run_instance(REGION);
    let (_, first, _) = run(sim.amitools().args(["create", &instance]));
    let first = first.trim().to_string();
    let (code, second, err) = copy(&sim, &["-R", "eu-west-1", &first]);
    assert_eq!(code, 0, "{err}");
    let (code, third, err) = run(sim.amitools().args(["-r", "eu-west-1", "copy", "-R", "ap-southeast-2", &second]));
    assert_eq!(code, 0, "{err}");
    let third = third.trim().to_string();

    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args([
        "-r",
        "ap-southeast-2",
        "ancestors",
        "-C",
        "image_id,source_region",
        "--no-header",
        &third,
    ]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(
        rows,
        [
            format!("{third} eu-west-1"),
            format!("{second} us-east-1"),
            format!("{first} us-east-1"),
            format!("{base} -")
        ]
    );

    let (code, out, err) =
        run(sim.amitools().args(["children", "--all-regions", "--flat", "-C", "image_id", "--no-header", &base]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<String> = out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(rows, [format!("0 {base}"), format!("1 {first}"), format!("2 {second}"), format!("3 {third}")]);
}

#[test]
fn a_clashing_generated_name_is_replaced() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, REGION);
    sim.configure(json!({"duplicate_names": 1}));
    sim.reset_stats();
    let (code, id, err) = copy(&sim, &["-R", "eu-west-1", &source]);
    assert_eq!(code, 0, "{err}");
    assert!(id.starts_with("ami-"));
    assert_eq!(sim.calls("CopyImage"), 2);
}

#[test]
fn an_unknown_source_is_an_error_naming_it() {
    let sim = Sim::start();
    let (code, out, err) = copy(&sim, &["-R", "eu-west-1", "ami-0123456789abcdef0"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("ami-0123456789abcdef0") && err.contains("does not exist in us-east-1"), "{err}");
    assert_eq!(sim.calls("CopyImage"), 0);
}

#[test]
fn dry_run_copies_nothing() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, REGION);
    sim.reset_stats();
    let (code, out, err) = copy(&sim, &["--dry-run", "-R", "eu-west-1", &source]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("dry run: CopyImage would succeed"), "{err}");
    assert_eq!(sim.stats(), json!({"DescribeImages": 1, "CopyImage": 1}));
    let (_, out, _) = run(sim.amitools().args(["children", "--ids", "--regions", "us-east-1,eu-west-1", &source]));
    assert_eq!(out, format!("{source}\n"), "no copy exists");
}

#[test]
fn bad_copy_input_is_refused_before_any_call() {
    let sim = Sim::start();
    let cases: &[&[&str]] = &[
        &["copy", "-R", "nowhere", "ami-12345678"],
        &["copy", "--source-region", "x", "ami-12345678"],
        &["copy", "--kms-key-id", "alias/k", "ami-12345678"],
        &["copy", "--encrypted", "--kms-key-id", "has space", "ami-12345678"],
        &["clone", "-R", "eu-west-1", "ami-12345678"],
        &["clone", "-t", "source_region=x", "ami-12345678"],
        &["clone", "--dry-run", "--wait", "ami-12345678"],
        &["clone", "-n", "x", "ami-12345678"],
    ];
    for args in cases {
        let (code, _, err) = run(sim.amitools().args(*args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn a_copy_over_the_tag_limit_is_refused_before_copyimage() {
    let sim = Sim::start();
    let tags: serde_json::Map<String, Value> = (0..48).map(|n| (format!("k{n:02}"), json!("v"))).collect();
    let source = sim.register(REGION, json!([{"name": "heavily tagged", "tags": tags}])).remove(0);
    let (code, out, err) = copy(&sim, &["-R", "eu-west-1", &source]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // 4 lineage (the source has no source_instance) + 48 source + the run
    // marker = 53: the last 3 source tags do not fit.
    assert!(err.contains("would carry 53 tags") && err.contains("k45, k46, k47 would not fit"), "{err}");
    assert!(err.contains("--no-copy-tags"), "{err}");
    assert_eq!(sim.calls("CopyImage"), 0);
    let (code, _, err) = copy(&sim, &["-R", "eu-west-1", "--no-copy-tags", &source]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_lost_copyimage_answer_is_retried_with_its_client_token() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, REGION);
    // The copy is made and its answer lost; the SDK's retry carries the same
    // ClientToken, and EC2 answers with the same image.
    sim.configure(json!({"lose_next_responses": 1, "fault_actions": ["CopyImage"]}));
    let (code, out, err) = copy(&sim, &["-R", "eu-west-1", "-n", "copy of release", &source]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.calls("CopyImage"), 2);
    assert_eq!(
        sim.control("count-images", Some(json!({"region": "eu-west-1", "name": "copy of release"})))["count"],
        1
    );
    assert_eq!(sim.image("eu-west-1", &out)["found"], true);
    assert_eq!(err, "", "answered by the token, not by adopting after a name clash");
}

#[test]
fn a_copy_to_another_region_goes_to_that_regions_endpoint() {
    // us-east-1 at one endpoint, eu-west-1 at another (a VPC endpoint each).
    let east = Sim::start();
    let west = Sim::start();
    let (source, _) = source_image(&east, REGION);
    // The destination endpoint must know the source to copy it, as EC2 does.
    west.register(REGION, json!([{"ami_id": source, "name": "source"}]));
    east.reset_stats();
    let (code, out, err) = run(east.amitools().args([
        "--region-endpoint",
        &format!("eu-west-1={}", west.url),
        "copy",
        "-R",
        "eu-west-1",
        &source,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(east.calls_in(REGION, "DescribeImages"), 1, "the source is read where it is");
    assert_eq!(east.calls("CopyImage"), 0);
    assert_eq!(west.calls_in("eu-west-1", "CopyImage"), 1, "the copy is made at eu-west-1's endpoint");
    assert_eq!(west.image("eu-west-1", out.trim())["found"], true);

    // A failure names the endpoint actually used for that region.
    let (code, _, err) = run(east.amitools().args([
        "--region-endpoint",
        "eu-west-1=http://127.0.0.1:9",
        "copy",
        "-R",
        "eu-west-1",
        &source,
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("CopyImage: cannot reach EC2 at http://127.0.0.1:9"), "{err}");
}

/// `copy --wait` on a terminal shows waiton's line for the copy until it is
/// available, then clears it; the copy's id is printed before the wait.
#[test]
fn copy_wait_shows_the_copy_pending_on_a_terminal() {
    let sim = Sim::start();
    let (source, _) = source_image(&sim, REGION);
    sim.configure(json!({"pending_seconds": 2}));
    let (ok, screen) = sim.on_terminal(&format!("copy -R eu-west-1 --wait {source}"));
    assert!(ok, "{screen:?}");
    let copy = screen.lines().next().unwrap().trim().to_string();
    assert!(copy.starts_with("ami-") && copy != source, "{screen:?}");
    assert!(screen.contains(&format!("\r\x1b[2K{copy}  pending  (waiting for available, ")), "{screen:?}");
    assert!(screen.ends_with("\r\x1b[2K"), "the line is cleared at the end: {screen:?}");
}
