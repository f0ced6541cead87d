//! `amitools copy -R a,b,c`: one copy per destination region, made and
//! waited on together; a region that fails does not stop the others.

mod common;

use common::{run, Sim, REGION};
use serde_json::{json, Value};

const DESTINATIONS: [&str; 3] = ["us-west-2", "eu-west-1", "ap-southeast-2"];

fn source(sim: &Sim) -> String {
    sim.register(REGION, json!([{"name": "release", "tags": {"team": "web"}}])).remove(0)
}

fn count(sim: &Sim, region: &str, name: &str) -> u64 {
    sim.control("count-images", Some(json!({"region": region, "name": name})))["count"].as_u64().unwrap()
}

/// `REGION ID` lines: the ids by region.
fn lines(out: &str) -> Vec<(String, String)> {
    out.lines()
        .map(|l| {
            let (region, id) = l.split_once(' ').unwrap_or_else(|| panic!("not REGION ID: {l:?}"));
            (region.to_string(), id.to_string())
        })
        .collect()
}

#[test]
fn three_regions_one_denied_two_copies_made_and_waited_on() {
    let sim = Sim::start_with(json!({"pending_seconds": 1.5, "deny_regions": ["ap-southeast-2"]}));
    let source = source(&sim);
    sim.reset_stats();
    let (code, out, err) =
        run(sim.amitools().args(["copy", "-n", "release-1", "-R", &DESTINATIONS.join(","), "--wait", &source]));
    assert_eq!(code, 1, "{err}");
    let made = lines(&out);
    assert_eq!(made.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["us-west-2", "eu-west-1"]);
    for (region, id) in &made {
        let copy = sim.image(region, id);
        assert_eq!((copy["state"].as_str(), copy["name"].as_str()), (Some("available"), Some("release-1")));
        assert_eq!(copy["tags"]["source_image"], source.as_str());
        assert_eq!(copy["tags"]["team"], "web");
        assert_eq!(count(&sim, region, "release-1"), 1);
    }
    assert_eq!(count(&sim, "ap-southeast-2", "release-1"), 0);
    let warnings: Vec<&str> = err.lines().collect();
    assert!(
        warnings[0].starts_with("amitools: ap-southeast-2: ") && warnings[0].contains("UnauthorizedOperation"),
        "{err}"
    );
    assert_eq!(*warnings.last().unwrap(), "amitools: error: 1 of 3 copies failed: ap-southeast-2");
    // One CopyImage per destination; the source read once.
    for region in DESTINATIONS {
        assert_eq!(sim.calls_in(region, "CopyImage"), 1, "{region}");
    }
    assert_eq!(sim.calls_in(REGION, "DescribeImages"), 1);
}

#[test]
fn json_reports_each_region_with_its_state_or_its_error() {
    let sim = Sim::start_with(json!({"pending_seconds": 0.5, "deny_regions": ["eu-west-1"]}));
    let source = source(&sim);
    let (code, out, err) =
        run(sim.amitools().args(["-o", "json", "copy", "-R", "us-west-2", "-R", "eu-west-1", "--wait", &source]));
    assert_eq!(code, 1, "{err}");
    let report: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!((report[0]["region"].as_str(), report[0]["state"].as_str()), (Some("us-west-2"), Some("available")));
    assert!(report[0]["image_id"].as_str().unwrap().starts_with("ami-"));
    assert_eq!(report[0]["error"], Value::Null);
    assert_eq!((report[1]["region"].as_str(), &report[1]["image_id"]), (Some("eu-west-1"), &Value::Null));
    assert!(report[1]["error"].as_str().unwrap().contains("UnauthorizedOperation"), "{}", report[1]);
}

#[test]
fn a_lost_copyimage_answer_in_one_region_still_makes_exactly_one_copy_there() {
    let sim = Sim::start_with(json!({"fault_actions": ["CopyImage"], "lose_next_responses": 1}));
    let source = source(&sim);
    sim.reset_stats();
    let (code, out, err) =
        run(sim.amitools().args(["copy", "-n", "release-2", "-R", &DESTINATIONS.join(","), &source]));
    assert_eq!(code, 0, "{err}");
    let made = lines(&out);
    assert_eq!(made.len(), 3);
    for (region, id) in &made {
        assert_eq!(count(&sim, region, "release-2"), 1, "{region}");
        assert_eq!(sim.image(region, id)["found"], true);
    }
    // The first destination's answer was lost and its request sent again (the same token).
    assert_eq!(sim.calls_in("us-west-2", "CopyImage"), 2);
    assert_eq!(sim.calls_in("eu-west-1", "CopyImage"), 1);
}

#[test]
fn a_region_at_its_copy_limit_is_reported_and_the_others_are_copied() {
    let sim = Sim::start_with(json!({"pending_seconds": 60, "copies_in_flight_max": 1}));
    let source = source(&sim);
    let (code, _, err) = run(sim.amitools().args(["copy", "-R", "us-west-2", &source]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(sim.amitools().args(["copy", "-R", "us-west-2,eu-west-1", &source]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(lines(&out).iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["eu-west-1"]);
    assert!(err.contains("us-west-2: ") && err.contains("ResourceLimitExceeded"), "{err}");
}

#[test]
fn a_dry_run_asks_every_region_and_makes_nothing() {
    let sim = Sim::start_with(json!({"deny_regions": ["eu-west-1"]}));
    let source = source(&sim);
    let (code, out, err) = run(sim.amitools().args(["copy", "--dry-run", "-R", "us-west-2,eu-west-1", &source]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("dry run: CopyImage to us-west-2 would succeed"), "{err}");
    assert!(err.contains("eu-west-1: ") && err.contains("UnauthorizedOperation"), "{err}");
    assert_eq!(sim.calls("CopyImage"), 2);
}

#[test]
fn share_with_shares_each_copy_once_it_is_available() {
    let sim = Sim::start_with(json!({"pending_seconds": 0.5}));
    let source = source(&sim);
    let (code, out, err) = run(sim.amitools().args([
        "copy",
        "-R",
        "us-west-2,eu-west-1",
        "--wait",
        "--share-with",
        "222222222222",
        &source,
    ]));
    assert_eq!(code, 0, "{err}");
    let made = lines(&out);
    assert_eq!(made.len(), 2);
    for (region, id) in &made {
        assert_eq!(sim.image(region, id)["launch_permissions"], json!([{"UserId": "222222222222"}]), "{region}");
        assert!(err.contains(&format!("{region} {id} shared with 222222222222")), "{err}");
    }
    // One destination: the same, after the id is printed.
    let (code, out, err) =
        run(sim.amitools().args(["copy", "-R", "ap-south-1", "--wait", "--share-with", "222222222222", &source]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.image("ap-south-1", out.trim())["launch_permissions"], json!([{"UserId": "222222222222"}]));
    // Without --wait: refused before any call (a copy is shared once it is available).
    sim.reset_stats();
    let (code, _, err) =
        run(sim.amitools().args(["copy", "-R", "ap-south-1", "--share-with", "222222222222", &source]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--wait"), "{err}");
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn on_a_terminal_the_wait_shows_every_region_with_its_copy_progress() {
    let sim = Sim::start_with(json!({"pending_seconds": 3}));
    let source = source(&sim);
    let (ok, screen) = sim.on_terminal(&format!("copy -R us-west-2,eu-west-1 --wait {source}"));
    assert!(ok, "{screen}");
    let line = screen
        .split(['\r', '\n'])
        .find(|l| l.contains("us-west-2 pending ") && l.contains(" · eu-west-1 pending "))
        .unwrap_or_else(|| panic!("no status line with both regions: {screen:?}"));
    let percent = line.split("us-west-2 pending ").nth(1).unwrap().split('%').next().unwrap();
    assert!(percent.parse::<u8>().is_ok(), "{line:?}");
    assert!(screen.contains("us-west-2 ami-") && screen.contains("is available"), "{screen}");
    // Off a terminal, no DescribeSnapshots at all: the percentages are for a person.
    sim.reset_stats();
    let (code, _, err) = run(sim.amitools().args(["copy", "-R", "us-west-2,eu-west-1", "--wait", &source]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.calls("DescribeSnapshots"), 0);
}

#[test]
fn throttled_copyimage_calls_still_make_exactly_one_copy_per_region() {
    let sim = Sim::start_with(json!({"fault_actions": ["CopyImage"], "throttle_rate": 0.5, "seed": 7}));
    let source = source(&sim);
    sim.reset_stats();
    let (code, out, err) =
        run(sim.amitools().args(["copy", "-n", "release-3", "-R", &DESTINATIONS.join(","), &source]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines(&out).len(), 3);
    for region in DESTINATIONS {
        assert_eq!(count(&sim, region, "release-3"), 1, "{region}");
    }
    assert!(sim.calls("CopyImage") > 3, "some were throttled and sent again: {}", sim.calls("CopyImage"));
}

/// Ctrl-C while the second region's CopyImage is on its way: the first
/// region's id is on stdout, the message names the region whose copy may
/// exist, and the third region gets nothing.
#[test]
fn an_interrupt_reports_the_copies_made_and_the_one_in_flight() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let sim = Sim::start_with(json!({"latency_ms": 400}));
    let source = source(&sim);
    sim.reset_stats();
    let child = sim
        .process()
        .args(["copy", "-n", "release-4", "-R", &DESTINATIONS.join(","), &source])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, stdout, stderr) = common::interrupt_when(&sim, child, |sim| sim.calls("CopyImage"), 2, libc::SIGINT);
    assert_eq!(status.signal(), Some(libc::SIGINT), "{stderr}");
    let made = lines(&stdout);
    assert_eq!(made.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["us-west-2"], "{stdout}");
    assert!(
        stderr.contains(
            "interrupted after CopyImage was sent: an image named 'release-4' may have been created in eu-west-1"
        ),
        "{stderr}"
    );
    std::thread::sleep(std::time::Duration::from_millis(800));
    sim.configure(json!({"latency_ms": 0}));
    assert_eq!(count(&sim, "us-west-2", "release-4"), 1);
    assert!(count(&sim, "eu-west-1", "release-4") <= 1);
    assert_eq!(count(&sim, "ap-southeast-2", "release-4"), 0);
}
