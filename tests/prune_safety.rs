//! `prune` tried as an attacker and an unlucky user would (issue 20): each
//! test here makes the simulator (or a file, a signal, a closed pipe) do what
//! broke prune's promises before, and asserts what EC2 holds afterwards.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ami, days_ago, generated_image, run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

fn prune(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("prune").args(args))
}

/// `count` images of the generated family `family`, ids from `first`, the
/// oldest `oldest` days old and one day apart. Returns their ids, oldest first.
fn family(sim: &Sim, region: &str, family: &str, first: u64, count: u64, oldest: i64) -> Vec<String> {
    let images: Vec<Value> =
        (0..count).map(|n| generated_image(&ami(first + n), family, first + n, oldest - n as i64)).collect();
    sim.register(region, json!(images))
}

fn found(sim: &Sim, region: &str, id: &str) -> bool {
    sim.image(region, id)["found"].as_bool().unwrap()
}

fn results(applied: &Value) -> Vec<(String, String)> {
    common::results_in(applied, "results")
}

/// A copy in progress made with `--copy-image-tags`: EC2's record names its
/// source X, the copied `source_image` tag names X's parent W, and a wrong
/// `source_region` tag points elsewhere. Both X and W stay, with their snapshots.
#[test]
fn every_source_of_a_copy_in_progress_is_kept() {
    let sim = Sim::start();
    let ids = family(&sim, US, "web", 0x100, 5, 100);
    let (w, x) = (&ids[0], &ids[1]);
    let copy = json!({
        "ami_id": ami(0x900), "name": "web-copy", "pending_for": 3600,
        "source_image_id": x, "source_image_region": US,
        "tags": {"source_image": w, "source_region": "ap-south-2"},
    });
    sim.register(EU, json!([copy]));
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--regions", "us-east-1,eu-west-1", "--keep", "1", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let plan = &applied["plan"]["images"];
    let reason = |id: &str| {
        plan.as_array().unwrap().iter().find(|i| i["image_id"] == id).unwrap()["reason"].as_str().unwrap().to_string()
    };
    for source in [w, x] {
        assert_eq!(reason(source), format!("source of pending {} in eu-west-1", ami(0x900)), "{source}");
        assert!(found(&sim, US, source), "{source}");
    }
    assert_eq!(results(&applied), vec![(ids[3].clone(), "deleted".into()), (ids[2].clone(), "deleted".into())]);
    assert!(found(&sim, US, &ids[4]), "the newest");
}

/// An answer cut after `<imageReferenceSet>` looked like "nothing uses this
/// image"; now it is an error, and in prune an error keeps the image.
#[test]
fn a_cut_short_answer_is_an_error_and_keeps_the_image() {
    let sim = Sim::start();
    let ids = family(&sim, US, "web", 0x100, 3, 100);
    sim.control("launch-template", Some(json!({"region": US, "image_ids": [ids[0]]})));
    sim.configure(json!({"endpoint_fault": "truncated", "fault_actions": ["DescribeImageReferences"]}));
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--keep", "1", "--apply", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(applied["plan"]["summary"]["delete"], 0);
    let first =
        &applied["plan"]["images"].as_array().unwrap().iter().find(|i| i["image_id"] == ids[0]).unwrap().clone();
    let reason = first["reason"].as_str().unwrap();
    assert!(reason.starts_with("use unknown, kept: DescribeImageReferences: "), "{reason}");
    assert!(reason.contains("cut short"), "{reason}");
    assert_eq!(sim.calls("DeregisterImage"), 0);
    for id in &ids {
        assert!(found(&sim, US, id));
    }

    // waiton and children: a cut DescribeImages is an error too, not "available" or "no children".
    sim.configure(json!({"endpoint_fault": "truncated", "fault_actions": ["DescribeImages"]}));
    let (code, _, err) = run(sim.amitools().args(["waiton", &ids[2], "--timeout", "3s"]));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("cut short"), "{err}");
    let (code, _, err) = run(sim.amitools().args(["children", &ids[0]]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cut short"), "{err}");
}

/// DescribeRegions naming us-east-1 twice: each row once, ranks not inflated.
#[test]
fn a_region_listed_twice_counts_once() {
    let sim = Sim::start_with(json!({"duplicate_regions": true}));
    let ids = family(&sim, US, "web", 0x100, 6, 100);
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--all-regions", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let rows = applied["plan"]["images"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "each image once");
    assert_eq!(applied["plan"]["summary"], json!({"keep": 3, "deprecate": 0, "disable": 0, "delete": 3}));
    let deleted: Vec<String> = results(&applied).into_iter().map(|(id, _)| id).collect();
    assert_eq!(deleted, vec![ids[2].clone(), ids[1].clone(), ids[0].clone()], "newest first, as the plan lists them");
    for id in &ids[3..] {
        assert!(found(&sim, US, id), "{id}");
    }
}

/// A hand-named `golden`, 400 days old, beside a generated `golden-…` family:
/// it is a family of its own, and kept as its newest.
#[test]
fn a_hand_named_image_is_not_in_a_generated_family() {
    let sim = Sim::start();
    let ids = family(&sim, US, "golden", 0x100, 3, 100);
    sim.register(US, json!([{ "ami_id": ami(0x900), "name": "golden", "creation_date": days_ago(400) }]));
    let (code, out, err) = prune(&sim, &["--keep", "3", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(applied["plan"]["summary"], json!({"keep": 4, "deprecate": 0, "disable": 0, "delete": 0}));
    assert_eq!(sim.calls("DeregisterImage"), 0);
    for id in ids.iter().chain([&ami(0x900)]) {
        assert!(found(&sim, US, id), "{id}");
    }
}

/// A saved plan, then the same plan edited to delete every image of a family.
fn edited_plan(dir: &std::path::Path, sim: &Sim, edit: impl Fn(&mut Value)) -> String {
    let path = dir.join("plan.json");
    let (code, _, err) = prune(sim, &["--keep", "1", "--plan-out", path.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{err}");
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut plan);
    let edited = dir.join("edited.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    edited.to_str().unwrap().to_string()
}

#[test]
fn apply_plan_runs_the_plans_rules_again_and_refuses_old_plans() {
    let sim = Sim::start();
    let ids = family(&sim, US, "web", 0x100, 4, 100);
    let dir = tempfile::tempdir().unwrap();
    let everything = edited_plan(dir.path(), &sim, |plan| {
        for image in plan["images"].as_array_mut().unwrap() {
            image["action"] = json!("delete");
            image["name"] = json!("forged\u{1b}[31m label");
        }
    });
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--apply-plan", &everything, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let newest = &ids[3];
    let outcome: Vec<(String, String)> = results(&applied);
    assert_eq!(
        outcome,
        vec![
            (newest.clone(), "kept".into()),
            (ids[2].clone(), "deleted".into()),
            (ids[1].clone(), "deleted".into()),
            (ids[0].clone(), "deleted".into())
        ]
    );
    assert_eq!(applied["results"][0]["reason"], "newest 1 of 1 in family web (rules re-checked)");
    assert_eq!(applied["results"][1]["name"], common::named("web", 0x102), "EC2's name, not the plan's");
    assert!(found(&sim, US, newest));

    // Old plans are refused before any call; --max-plan-age lets one through.
    let sim = Sim::start();
    let ids = family(&sim, US, "web", 0x100, 4, 100);
    let future = edited_plan(dir.path(), &sim, |plan| plan["created"] = json!("2099-01-01T00:00:00Z"));
    let future = std::fs::read_to_string(future).unwrap();
    let stale = edited_plan(dir.path(), &sim, |plan| plan["created"] = json!(days_ago(8)));
    let future_path = dir.path().join("future.json");
    std::fs::write(&future_path, future).unwrap();
    sim.reset_stats();
    let (code, _, err) = prune(&sim, &["--apply-plan", &stale]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("made 8 days ago, more than --max-plan-age 7d; make a new plan"), "{err}");
    let (code, _, err) = prune(&sim, &["--apply-plan", future_path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in the future"), "{err}");
    assert_eq!(sim.total_calls(), 0, "refused before any call");
    let (code, _, err) = prune(&sim, &["--apply-plan", &stale, "--max-plan-age", "30d", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids.iter().filter(|id| found(&sim, US, id)).count(), 1, "three deleted, the newest kept");
    let (code, _, err) = prune(&sim, &["--max-plan-age", "30d"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--apply-plan"), "{err}");
}

/// Spawn `prune ARGS` on `sim`; return once `deletions` DeregisterImage calls were served.
fn spawn_after_deletions(sim: &Sim, args: &[&str], deletions: u64) -> std::process::Child {
    let child = sim.process().arg("prune").args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.calls("DeregisterImage") < deletions {
        assert!(Instant::now() < deadline, "no deletions");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
}

/// SIGINT midway: the deletion in flight finishes, the JSON document says
/// what was done and what was not, and the process dies by SIGINT.
#[test]
fn an_interrupted_apply_reports_what_it_did() {
    let sim = Sim::start_with(json!({"latency_ms": 50}));
    let ids = family(&sim, US, "web", 0x100, 18, 100);
    sim.reset_stats();
    let child = spawn_after_deletions(&sim, &["--keep", "1", "--apply", "-o", "json"], 4);
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.signal(), Some(libc::SIGINT), "{stderr}");
    let applied: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(applied["interrupted"], "SIGINT");
    let done = results(&applied);
    let not_done: Vec<String> =
        applied["not_done"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(done.len() >= 4 && !not_done.is_empty(), "{done:?} {not_done:?}");
    assert_eq!(done.len() + not_done.len(), 17);
    // What EC2 holds is what the report says.
    for (id, result) in &done {
        assert_eq!(result, "deleted");
        assert!(!found(&sim, US, id), "{id}");
    }
    for id in &not_done {
        assert!(found(&sim, US, id), "{id}");
    }
    assert_eq!(sim.calls("DeregisterImage") as usize, done.len());
    assert!(stderr.contains(&format!("deleted {} image(s)", done.len())), "{stderr}");
    assert!(stderr.contains(&format!("interrupted by SIGINT: {} deletion(s) not started", not_done.len())), "{stderr}");
    assert!(found(&sim, US, &ids[17]));

    // SIGTERM in table mode: a RESULT line for each deletion done, the summary, death by SIGTERM.
    let sim = Sim::start_with(json!({"latency_ms": 50}));
    family(&sim, US, "web", 0x100, 18, 100);
    sim.reset_stats();
    let child = spawn_after_deletions(&sim, &["--keep", "1", "--apply", "--no-header"], 4);
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.signal(), Some(libc::SIGTERM), "{stderr}");
    let deleted = stdout.lines().filter(|l| l.starts_with("deleted ")).count() as u64;
    assert_eq!(deleted, sim.calls("DeregisterImage"), "{stdout}");
    assert!(stderr.contains(&format!("deleted {deleted} image(s)")), "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
}

/// `prune --apply | head -1`: the reader leaves, the failures still reach
/// stderr and the exit code.
#[test]
fn a_closed_stdout_does_not_hide_failures() {
    let sim = Sim::start_with(json!({"deny_actions": ["DeleteSnapshot"]}));
    family(&sim, US, "web", 0x100, 6, 100);
    let mut child = sim
        .process()
        .args(["prune", "--keep", "1", "--apply"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader is gone (dropped): every later write meets a broken pipe.
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("5 deletion(s) failed"), "{stderr}");
    assert!(stderr.contains("deleted 5 image(s) and 0 snapshot(s)"), "{stderr}");
    assert_eq!(sim.calls("DeregisterImage"), 5, "the deletions went on");
}

/// EC2 deregistered the image (and its snapshot) but the answer was lost;
/// the SDK's retry meets InvalidAMIID.Unavailable (still remembered) or
/// NotFound (forgotten). Either way this run did it, and says so.
#[test]
fn a_lost_answer_is_reported_as_this_runs_deletion() {
    for remembered in [30, 0] {
        let sim = Sim::start_with(json!({"deregistered_seconds": remembered}));
        let ids = family(&sim, US, "web", 0x100, 2, 100);
        let snapshot = sim.image(US, &ids[0])["snapshot_id"].as_str().unwrap().to_string();
        sim.configure(json!({"lose_next_responses": 1, "fault_actions": ["DeregisterImage"]}));
        let (code, out, err) = prune(&sim, &["--keep", "1", "--apply", "-o", "json"]);
        assert_eq!(code, 0, "{err}");
        let applied: Value = serde_json::from_str(&out).unwrap();
        let result = &applied["results"][0];
        assert_eq!(result["result"], "deleted", "{result}");
        assert_eq!(result["answer_lost"], true);
        assert_eq!(result["snapshots"], json!([{"snapshot_id": snapshot, "result": "unknown"}]));
        assert!(
            err.contains("deleted 1 image(s) and 0 snapshot(s); kept 0 found in use at the re-check; 0 already gone"),
            "{err}"
        );
        assert!(
            err.contains(&format!("whether their snapshots were deleted is unknown: {}: {snapshot}", ids[0])),
            "{err}"
        );
        assert_eq!(sim.calls("DeregisterImage"), 2, "the first call and the SDK's retry");
    }
}

/// The old temporary name was predictable: a link there made amitools
/// overwrite the file it pointed to. Neither that link nor one at the
/// plan's own path is followed now.
#[test]
fn plan_out_never_writes_through_a_link() {
    let sim = Sim::start();
    family(&sim, US, "web", 0x100, 2, 100);
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("plan.amitools-tmp")).unwrap();
    let linked = dir.path().join("linked.json");
    std::os::unix::fs::symlink(&victim, &linked).unwrap();
    for path in [dir.path().join("plan.json"), linked] {
        let (code, _, err) = prune(&sim, &["--plan-out", path.to_str().unwrap(), "-q"]);
        assert_eq!(code, 0, "{err}");
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        assert!(metadata.file_type().is_file(), "{path:?} is the plan itself");
        assert!(std::fs::read_to_string(&path).unwrap().contains("amitools-prune-plan"));
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".amitools-tmp") && n != "plan.amitools-tmp")
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// EC2 reports lastLaunchedTime up to a day late, and a terminated instance
/// is gone from DescribeImageReferences within about an hour. An image whose
/// short-lived instance was launched a moment ago and is already gone still
/// shows its previous launch, 7.5 days ago: with `--unused-for 7d` only the
/// day prune adds keeps it. One whose last launch was 8.5 days ago goes.
#[test]
fn the_day_added_to_unused_for_keeps_an_image_whose_launch_is_not_reported_yet() {
    let sim = Sim::start_with(json!({"last_launched_delay_seconds": 172_800, "terminated_visible_seconds": 0}));
    let (a, b, c) = (ami(0x7001), ami(0x7002), ami(0x7003));
    sim.register(
        US,
        json!([
            generated_image(&a, "web", 1, 20),
            generated_image(&b, "web", 2, 19),
            generated_image(&c, "web", 3, 18),
        ]),
    );
    let hours_ago = |hours: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::hours(hours))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    sim.control("last-launched", Some(json!({"region": US, "image_id": a, "time": hours_ago(180)})));
    sim.control("last-launched", Some(json!({"region": US, "image_id": b, "time": hours_ago(204)})));
    // A CI smoke test: launched from A just now, terminated at once.
    sim.control("run-instance", Some(json!({"region": US, "image_id": a, "state": "terminated"})));
    let (code, out, err) = run(sim.amitools().args(["prune", "--keep", "1", "--unused-for", "7d", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let row = |id: &str| plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id).unwrap().clone();
    assert_eq!(row(&c)["action"], "keep");
    assert_eq!(row(&a)["action"], "keep", "{}", row(&a));
    // Not "launched 0 days ago": the launch a moment ago is not reported yet.
    assert_eq!(row(&a)["reason"], "launched 7 days ago (--unused-for 7d + 1d)");
    assert_eq!(row(&b)["action"], "delete", "{}", row(&b));
}
