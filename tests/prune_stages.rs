//! `prune` in stages (issue 24): `--deprecate-after`, `--disable-after` and
//! `--older-than` move each image to the furthest stage its age allows;
//! deprecation breaks no launch, so only the family rule, protection and
//! the unfinished states stop it; disabling needs everything deletion needs.
//! What the plan says, what `--apply` leaves in EC2 (read back), and the
//! re-check before each change.

mod common;

use common::{ami, days_ago, generated_image, run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";
const PARTNER: &str = "210987654321";
const STAGES: [&str; 8] = ["--deprecate-after", "7d", "--disable-after", "30d", "--older-than", "90d", "--keep", "2"];

fn prune(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("prune").args(STAGES).args(args))
}

/// The family: (days old, what else is seeded, the action expected, the reason expected).
fn family() -> Vec<(i64, Value, &'static str, &'static str)> {
    vec![
        (1, json!({}), "keep", "newest 1 of 2 in family web"),
        (3, json!({}), "keep", "newest 2 of 2 in family web"),
        (5, json!({}), "keep", "too young: 5 days old (--older-than 90d)"),
        (10, json!({}), "deprecate", "10 days old (--deprecate-after 7d)"),
        (20, json!({"deprecation_time": days_ago(4)}), "keep", "deprecated 4 days ago"),
        (40, json!({}), "disable", "unused: 40 days old, never launched"),
        // A launch template names it (seeded below).
        (45, json!({}), "deprecate", "in use by launch template"),
        (50, json!({"launch_permissions": [{"UserId": PARTNER}]}), "deprecate", "shared with 210987654321"),
        (100, json!({}), "delete", "unused: 100 days old, never launched"),
        (120, json!({"state": "disabled"}), "delete", "unused: 120 days old, never launched"),
    ]
}

/// Seed the family; its ids, in `family()`'s order.
fn seed(sim: &Sim) -> Vec<String> {
    let images: Vec<Value> = family()
        .iter()
        .enumerate()
        .map(|(n, (days, extra, _, _))| {
            let mut image = generated_image(&ami(0x900 + n as u64), "web", 0x900 + n as u64, *days);
            image.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            image
        })
        .collect();
    let ids = sim.register(US, json!(images));
    sim.control("launch-template", Some(json!({"region": US, "image_ids": [ids[6]]})));
    ids
}

fn row<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id).unwrap()
}

#[test]
fn each_image_moves_to_the_furthest_stage_its_age_and_uses_allow() {
    let sim = Sim::start();
    let ids = seed(&sim);
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    for (id, (days, _, action, reason)) in ids.iter().zip(family()) {
        let image = row(&plan, id);
        assert_eq!(image["action"], action, "{days} days: {image}");
        assert!(image["reason"].as_str().unwrap().starts_with(reason), "{days} days: {image}");
    }
    let in_use = row(&plan, &ids[6])["reason"].as_str().unwrap();
    assert!(
        in_use.starts_with("in use by launch template lt-") && in_use.ends_with(" (deprecated, not disabled)"),
        "{in_use}"
    );
    assert_eq!(
        row(&plan, &ids[7])["reason"],
        "shared with 210987654321 (uses there are not visible from this account) (deprecated, not disabled)"
    );
    assert_eq!(plan["summary"], json!({"keep": 4, "deprecate": 3, "disable": 1, "delete": 2}));
    assert_eq!(plan["rules"]["deprecate_after"], "7d");
    assert_eq!(plan["rules"]["disable_after"], "30d");
    // Uses asked only for what would be disabled or deleted (5 images: one call
    // of 10), who may launch them only for the 4 nothing here uses.
    assert_eq!(sim.calls("DescribeImageReferences"), 1);
    assert_eq!(sim.calls("DescribeImageAttribute"), 4);
    assert_eq!(sim.calls("EnableImageDeprecation") + sim.calls("DisableImage") + sim.calls("DeregisterImage"), 0);

    // The table: ACTION says which, the note counts each.
    let (code, out, err) = prune(&sim, &["--no-header"]);
    assert_eq!(code, 0, "{err}");
    let actions: Vec<&str> = out.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    let mut sorted = actions.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["delete", "delete", "deprecate", "deprecate", "deprecate", "disable", "keep", "keep", "keep", "keep"]
    );
    assert_eq!(
        err,
        "amitools: 10 image(s): keep 4, deprecate 3, disable 1, delete 2; nothing was changed (--apply carries it out)\n"
    );
}

#[test]
fn apply_leaves_ec2_in_the_planned_state() {
    let sim = Sim::start();
    let ids = seed(&sim);
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results = common::results_in(&applied, "results");
    let mut expected: Vec<(String, String)> = ids
        .iter()
        .zip(family())
        .filter(|(_, (_, _, action, _))| *action != "keep")
        .map(|(id, (_, _, action, _))| {
            let result = match action {
                "deprecate" => "deprecated",
                "disable" => "disabled",
                _ => "deleted",
            };
            (id.clone(), result.to_string())
        })
        .collect();
    let mut got = results.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(
        (sim.calls("EnableImageDeprecation"), sim.calls("DisableImage"), sim.calls("DeregisterImage")),
        (3, 1, 2)
    );
    assert!(
        err.contains(
            "deleted 2 image(s) and 2 snapshot(s); disabled 1; deprecated 3; kept 0 found in use at the re-check"
        ),
        "{err}"
    );
    // What EC2 holds now.
    let now = time::OffsetDateTime::now_utc();
    for (id, (days, _, action, _)) in ids.iter().zip(family()) {
        let held = sim.image(US, id);
        match action {
            "delete" => assert_eq!(held["found"], false, "{days} days"),
            "disable" => {
                assert_eq!(held["state"], "disabled", "{days} days");
                assert_eq!(held["deprecation_time"], Value::Null, "{days} days");
            }
            "deprecate" => {
                assert_eq!(held["state"], "available", "{days} days");
                let at = time::OffsetDateTime::parse(
                    held["deprecation_time"].as_str().unwrap(),
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap();
                assert!((at - now).abs() < time::Duration::minutes(2), "{days} days: deprecated now, {at}");
            }
            _ => {
                assert_eq!(held["state"], "available", "{days} days");
                if days != 20 {
                    assert_eq!(held["deprecation_time"], Value::Null, "{days} days");
                }
            }
        }
    }
    // The shared image was deprecated, never disabled: still shared.
    assert_eq!(sim.image(US, &ids[7])["launch_permissions"], json!([{"UserId": PARTNER}]));

    // Again: everything is where the rules put it; the deprecated images stay
    // (already deprecated), nothing is sent.
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["summary"], json!({"keep": 8, "deprecate": 0, "disable": 0, "delete": 0}), "{plan}");
    // EC2 rounds the time sent to the nearest minute: in the past, or seconds ahead.
    let reason = row(&plan, &ids[3])["reason"].as_str().unwrap();
    assert!(reason == "deprecated 0 minutes ago" || reason.starts_with("deprecated at 20"), "{reason}");
    assert_eq!(row(&plan, &ids[5])["reason"], "disabled");
}

/// A plan saved, then an image it disables comes into use (a launch
/// template names it) and one it deprecates is disabled by hand: at
/// --apply-plan the first is kept (in use), the second kept by the rules
/// re-checked (it is further along already), the rest carried out.
#[test]
fn the_recheck_keeps_what_changed_after_the_plan() {
    let sim = Sim::start();
    let ids = seed(&sim);
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json");
    let (code, _, err) = prune(&sim, &["--plan-out", plan_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    sim.control("launch-template", Some(json!({"region": US, "image_ids": [ids[5]]})));
    sim.set_state(US, &ids[3], "disabled");
    sim.reset_stats();
    let (code, out, err) =
        run(sim.amitools().args(["prune", "--apply-plan", plan_file.to_str().unwrap(), "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let result = |id: &str| -> Value {
        applied["results"].as_array().unwrap().iter().find(|r| r["image_id"] == id).cloned().unwrap()
    };
    assert_eq!(result(&ids[5])["result"], "kept");
    assert!(result(&ids[5])["reason"].as_str().unwrap().starts_with("in use by launch template"), "{applied}");
    assert_eq!(result(&ids[3])["result"], "kept");
    assert_eq!(result(&ids[3])["reason"], "disabled (rules re-checked)");
    assert_eq!(result(&ids[6])["result"], "deprecated");
    assert_eq!(sim.image(US, &ids[5])["state"], "available");
    assert_eq!(sim.image(US, &ids[3])["deprecation_time"], Value::Null);
    assert_eq!(sim.calls("DisableImage"), 0);
    assert_eq!((sim.calls("EnableImageDeprecation"), sim.calls("DeregisterImage")), (2, 2));
}

#[test]
fn stages_out_of_order_are_refused_before_any_call() {
    let sim = Sim::start();
    let (code, out, err) = run(sim.amitools().args(["prune", "--deprecate-after", "7d", "--disable-after", "30d"]));
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "amitools: error: --disable-after 30d is later than --older-than 14d: each stage must come at the age of the one before or later\n"
    );
    assert_eq!(sim.total_calls(), 0);
}

/// Lost answers to EnableImageDeprecation and DisableImage are sent again
/// (both only set what they set before) and reported once; a refused
/// DisableImage fails that image, exit 1 naming it, and the rest goes on.
#[test]
fn lost_and_refused_answers_are_told_truly() {
    let sim = Sim::start();
    let ids = seed(&sim);
    sim.configure(json!({"lose_next_responses": 2, "fault_actions": ["EnableImageDeprecation", "DisableImage"]}));
    let (code, out, err) = prune(&sim, &["--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<&str> =
        applied["results"].as_array().unwrap().iter().map(|r| r["result"].as_str().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| **r == "deprecated").count(), 3, "{applied}");
    assert_eq!(results.iter().filter(|r| **r == "disabled").count(), 1, "{applied}");
    // The two lost ones were sent again: 4 changes, 6 calls.
    assert_eq!(sim.calls("EnableImageDeprecation") + sim.calls("DisableImage"), 6);
    assert_eq!(sim.image(US, &ids[5])["state"], "disabled");
    assert!(sim.image(US, &ids[3])["deprecation_time"].is_string());

    let sim = Sim::start();
    let ids = seed(&sim);
    sim.configure(json!({"deny_actions": ["DisableImage"]}));
    let (code, out, err) = prune(&sim, &["--apply", "--no-header"]);
    assert_eq!(code, 1, "{err}");
    let failed: Vec<&str> = out.lines().filter(|l| l.starts_with("failed")).collect();
    assert_eq!(failed.len(), 1, "{out}");
    assert!(failed[0].contains(&ids[5]) && failed[0].contains("DisableImage"), "{out}");
    assert!(err.ends_with(&format!("amitools: error: 1 change(s) failed: {}\n", ids[5])), "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("deprecated")).count(), 3, "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("deleted")).count(), 2, "{out}");
    assert_eq!(sim.image(US, &ids[5])["state"], "available");
}
