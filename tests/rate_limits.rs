//! EC2's request rate limits (issue 21): the simulator throttles with token
//! buckets, here far smaller than EC2's documented ones so that amitools
//! must find the real rate by being throttled, at a size that runs in seconds.

mod common;

use std::time::{Duration, Instant};

use common::{ami, generated_image, run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";

/// `count` images of family "web" in us-east-1, ids from `first`, the
/// oldest `oldest_days` old and each next one a day younger.
fn one_family(sim: &Sim, first: u64, count: u64, oldest_days: i64) {
    let images: Vec<Value> =
        (0..count).map(|n| generated_image(&ami(first + n), "web", n, oldest_days - n as i64)).collect();
    sim.register(US, json!(images));
}

fn throttled(sim: &Sim, action: &str) -> u64 {
    sim.control("stats", None)["throttled"][action].as_u64().unwrap_or(0)
}

/// 1,000 images of one family: 999 candidates, 100 DescribeImageReferences
/// calls, against a bucket of 5 refilled at 10 a second (amitools starts at
/// 90 and 18; the floor is 9.5 s). Every image is decided, none left "use
/// unknown" — before pacing, the SDK's retry quota ran dry and 689 were.
#[test]
fn a_plan_rides_out_a_tight_bucket_and_decides_every_image() {
    let sim = Sim::start();
    one_family(&sim, 0x1000, 1000, 1400);
    sim.configure(json!({"rate_limits": {"actions": {"DescribeImageReferences": [5, 10]}}}));
    sim.reset_stats();
    let started = Instant::now();
    let (code, out, err) = run(sim.amitools().args(["prune", "--keep", "1", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["summary"], json!({"keep": 1, "deprecate": 0, "disable": 0, "delete": 999}));
    let unknown = plan["images"].as_array().unwrap().iter().filter(|i| i["rules"][0] == "unchecked").count();
    assert_eq!(unknown, 0);
    assert!(throttled(&sim, "DescribeImageReferences") > 0, "the limit was met");
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
}

/// Deleting under a DeregisterImage bucket of 3 refilled at 2 a second:
/// every deletion done, none reported failed, the throttling ridden out.
#[test]
fn an_apply_rides_out_a_tight_bucket() {
    let sim = Sim::start();
    one_family(&sim, 0x2000, 21, 400);
    sim.configure(json!({"rate_limits": {"actions": {"DeregisterImage": [3, 2]}}}));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["prune", "--keep", "1", "--apply", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<&str> =
        applied["results"].as_array().unwrap().iter().map(|r| r["result"].as_str().unwrap()).collect();
    assert_eq!(results, vec!["deleted"; 20]);
    assert_eq!(applied["failed"], json!([]));
    assert!(throttled(&sim, "DeregisterImage") > 0, "the limit was met");
    assert!(err.contains("deleted 20 image(s) and 20 snapshot(s)"), "{err}");
}

/// EC2's documented buckets on: the lineage commands keep their call counts
/// (pacing waits, it never adds requests when nothing is throttled).
#[test]
fn documented_buckets_change_no_call_count() {
    let sim = Sim::start_with(json!({"rate_limits": true}));
    let root = ami(0x3000);
    let mut images = vec![json!({"ami_id": root, "name": "root"})];
    images.extend((1..=5).map(|n| common::tagged(&ami(0x3000 + n), &root, US, 1_700_000_000 + n as i64)));
    sim.register(US, json!(images));
    sim.reset_stats();
    let (code, _, err) = run(sim.amitools().args(["ancestors", &ami(0x3005)]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.total_calls(), 2, "{:?}", sim.stats());
    sim.reset_stats();
    let (code, _, err) = run(sim.amitools().args(["children", &root]));
    assert_eq!(code, 0, "{err}");
    let children_calls = sim.total_calls();
    assert!(children_calls <= 3, "{:?}", sim.stats());
    assert_eq!(sim.control("stats", None)["throttled"], json!({}));
}

/// On a terminal, a plan slowed by throttling says where it is: the stage,
/// how far, and that EC2 is throttling; the line is gone before the plan is
/// printed, and -q shows none (not a terminal: none either, as every other
/// test here reads a clean stderr).
#[test]
fn a_long_plan_shows_its_stage_and_the_throttling_on_a_terminal() {
    let sim = Sim::start();
    one_family(&sim, 0x4000, 200, 400);
    sim.configure(json!({"rate_limits": {"actions": {"DescribeImageReferences": [2, 5]}}}));
    let (ok, screen) = sim.on_terminal("prune --keep 1 -o json");
    assert!(ok, "{screen:?}");
    assert!(screen.contains("\r\x1b[2Kchecking uses: "), "{screen:?}");
    assert!(screen.contains(" of 199 images"), "{screen:?}");
    assert!(screen.contains("throttled answer"), "{screen:?}");
    // The line is cleared, then the plan (stdout), then prune's note (stderr).
    let (_, after) = screen.rsplit_once("\r\x1b[2K").unwrap();
    let (json, note) = after.split_once("amitools: ").expect("prune's closing note");
    assert_eq!(note, "200 image(s): keep 1, delete 199; nothing was deleted (--apply deletes)\r\n");
    let plan: Value = serde_json::from_str(json).expect("the plan follows the cleared line");
    assert_eq!(plan["summary"], json!({"keep": 1, "deprecate": 0, "disable": 0, "delete": 199}));

    let (ok, screen) = sim.on_terminal("-q prune --keep 1 -o json");
    assert!(ok);
    assert!(!screen.contains("checking uses"), "-q shows no status line: {screen:?}");
}

/// `children` across regions says which round it is in, about how many images, and
/// how many regions have answered.
#[test]
fn a_search_across_regions_shows_its_round_on_a_terminal() {
    let sim = Sim::start();
    let root = ami(0x5000);
    let mut images = vec![json!({"ami_id": root, "name": "root"})];
    // More than one small page of own images: searched generation by generation.
    images.extend((1..=150).map(|n| common::tagged(&ami(0x5000 + n), &root, US, 1_700_000_000 + n as i64)));
    sim.register(US, json!(images));
    sim.configure(json!({"rate_limits": {"actions": {"DescribeImages": [1, 2]}}}));
    let (ok, screen) = sim.on_terminal(&format!("children --regions us-east-1,eu-west-1 --ids {root}"));
    assert!(ok, "{screen:?}");
    assert!(screen.contains("\r\x1b[2Kround 1: children of 1 image(s), "), "{screen:?}");
    assert!(screen.contains(" of 1 region(s) answered"), "{screen:?}");
    let ids = screen.lines().filter(|l| l.trim().starts_with("ami-") || l.contains("\x1b[2Kami-")).count();
    assert!(ids >= 150, "{screen:?}");
}

/// However much work there is, each region sees a bounded number of requests
/// at once (16 queries, 8 DescribeImageReferences calls), far inside every
/// bucket's burst, and more than one: the bound is what limits them.
#[test]
fn requests_in_flight_per_region_stay_bounded() {
    let sim = Sim::start_with(json!({"latency_ms": 30}));
    one_family(&sim, 0x6000, 300, 400);
    let in_flight = |sim: &Sim| -> Vec<(String, u64)> {
        let stats = sim.control("stats", None)["in_flight_max"].clone();
        stats.as_object().unwrap().iter().map(|(r, n)| (r.clone(), n.as_u64().unwrap())).collect()
    };
    sim.reset_stats();
    let (code, _, err) = run(sim.amitools().args(["prune", "--keep", "1", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let most = in_flight(&sim).into_iter().find(|(r, _)| r == US).unwrap().1;
    assert!((2..=16).contains(&most), "{most} requests at once in {US}");

    sim.reset_stats();
    let (code, _, err) = run(sim.amitools().args(["children", "--all-regions", &ami(0x6000)]));
    assert_eq!(code, 0, "{err}");
    let regions = in_flight(&sim);
    assert!(regions.len() > 10, "{regions:?}");
    assert!(regions.iter().all(|(_, n)| *n <= 16), "{regions:?}");
}

/// `--apply-plan` lists the regions' images again before deleting (the
/// plan's rules re-checked): on a terminal that says so, as planning does.
#[test]
fn applying_a_saved_plan_shows_the_listing_on_a_terminal() {
    let sim = Sim::start();
    one_family(&sim, 0x4800, 3, 400);
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let (code, _, err) = common::run(sim.amitools().args(["prune", "--keep", "1", "-q", "--plan-out"]).arg(&plan));
    assert_eq!(code, 0, "{err}");
    // Slow answers: the listing outlasts the line's first tick (250 ms).
    sim.configure(json!({"latency_ms": 700}));
    let (ok, screen) = sim.on_terminal(&format!("prune --apply-plan {} -o json", plan.display()));
    assert!(ok, "{screen:?}");
    assert!(screen.contains("\r\x1b[2Klisting own images: "), "{screen:?}");
    assert!(screen.contains("of 1 region(s) done"), "{screen:?}");
}
