//! `amitools prune` against the simulator: a seeded account of three
//! families with references of every kind, plans asserted row by row, and
//! the simulator's state asserted after --apply and --apply-plan.

mod common;

use common::{run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

use common::{days_ago, generated_image as image, named};

/// The account every test here starts from, and the ids of what uses what.
struct Account {
    sim: Sim,
    launch_template: String,
}

/// ids: web W01..W12, api A0..A4 and P (pending), golden G, the eu-west-1 copy C.
fn id(name: &str) -> String {
    let n = match name {
        "G" => 0x900,
        "P" => 0x800,
        "C" => 0x700,
        _ if name.starts_with('W') => 0x100 + name[1..].parse::<u64>().unwrap(),
        _ if name.starts_with('A') => 0x200 + name[1..].parse::<u64>().unwrap(),
        _ => panic!("{name}"),
    };
    common::ami(n)
}

fn seeded(config: Value) -> Account {
    let sim = Sim::start_with(config);
    let web: Vec<(u64, i64)> =
        vec![(1, 100), (2, 95), (3, 90), (4, 85), (5, 80), (6, 75), (7, 70), (9, 60), (10, 30), (11, 20), (12, 10)];
    let mut images: Vec<Value> = web.iter().map(|(n, days)| image(&id(&format!("W{n}")), "web", *n, *days)).collect();
    for image in images.iter_mut() {
        if image["ami_id"] == id("W6") {
            image["deregistration_protection"] = json!("enabled-without-cooldown");
        }
        if image["ami_id"] == id("W9") {
            image["state"] = json!("disabled"); // disabled, and still holding its snapshot
        }
    }
    sim.register(US, json!(images));
    // W8 registered from W7's snapshot: deleting W8 must leave it.
    let mut w8 = image(&id("W8"), "web", 8, 65);
    w8["snapshot_of"] = json!(id("W7"));
    sim.register(US, json!([w8]));
    let api: Vec<(u64, i64)> = vec![(0, 60), (1, 50), (2, 40), (3, 10), (4, 5)];
    let mut api: Vec<Value> = api.iter().map(|(n, days)| image(&id(&format!("A{n}")), "api", *n, *days)).collect();
    api[0]["tags"] = json!({"team": "api"}); // A0: covered by a Recycle Bin rule
    sim.register(US, json!(api));
    let mut pending = image(&id("P"), "api", 9, 0);
    pending["pending_for"] = json!(3600);
    pending["source_image_id"] = json!(id("A1"));
    sim.register(US, json!([pending]));
    sim.register(US, json!([{ "ami_id": id("G"), "name": "golden base", "creation_date": days_ago(200) }]));
    let mut copy = image(&id("C"), "web", 8, 64);
    copy["source_image_id"] = json!(id("W8"));
    copy["source_image_region"] = json!(US);
    sim.register(EU, json!([copy]));
    // Uses of every kind.
    let template = sim.control(
        "launch-template",
        Some(json!({"region": US, "image_ids": [id("W1"), id("W7")], "default_version": 2})),
    );
    for (image, state) in [("W2", "running"), ("W3", "stopped")] {
        sim.control("run-instance", Some(json!({"region": US, "image_id": id(image), "state": state})));
        // Launched long ago: the instance, not the launch time, is what keeps it.
        sim.control("last-launched", Some(json!({"region": US, "image_id": id(image), "time": days_ago(60)})));
    }
    sim.control("launch-configuration", Some(json!({"region": US, "name": "web-lc", "image_id": id("W4")})));
    sim.control("ssm-parameter", Some(json!({"region": US, "name": "/golden/web", "image_id": id("W5")})));
    sim.control(
        "recycle-bin-rule",
        Some(json!({"region": US, "retention_days": 7, "resource_tags": [["team", "api"]]})),
    );
    sim.reset_stats();
    Account { sim, launch_template: template["launch_template_id"].as_str().unwrap().to_string() }
}

/// (image, region, action, reason) per row, in plan order.
fn rows(plan: &Value) -> Vec<(String, String, String, String)> {
    plan["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap().to_string();
            (s("image_id"), s("region"), s("action"), s("reason"))
        })
        .collect()
}

fn row(name: &str, region: &str, action: &str, reason: &str) -> (String, String, String, String) {
    (id(name), region.to_string(), action.to_string(), reason.to_string())
}

fn expected_plan(template: &str) -> Vec<(String, String, String, String)> {
    let lt = format!("in use by launch template {template}");
    vec![
        row("P", US, "keep", "state pending"),
        row("A4", US, "keep", "newest 1 of 3 in family api"),
        row("A3", US, "keep", "newest 2 of 3 in family api"),
        row("A2", US, "keep", "newest 3 of 3 in family api"),
        row("A1", US, "keep", &format!("source of pending {} in us-east-1", id("P"))),
        row("A0", US, "delete", "unused: 60 days old, never launched"),
        row("G", US, "keep", "newest 1 of 3 in family golden base"),
        row("W12", US, "keep", "newest 1 of 3 in family web"),
        row("W11", US, "keep", "newest 2 of 3 in family web"),
        row("W10", US, "keep", "newest 3 of 3 in family web"),
        row("W9", US, "delete", "unused: 60 days old, never launched"),
        row("W8", US, "delete", "unused: 65 days old, never launched"),
        row("C", EU, "keep", "newest 1 of 3 in family web"),
        row("W7", US, "keep", &lt),
        row("W6", US, "keep", "deregistration protection (enabled-without-cooldown)"),
        row("W5", US, "keep", "in use by SSM parameter /golden/web"),
        row("W4", US, "keep", "in use by launch configuration web-lc"),
        row("W3", US, "keep", "in use by instance"),
        row("W2", US, "keep", "in use by instance"),
        row("W1", US, "keep", &lt),
    ]
}

/// Instance ids are the simulator's: compare up to "in use by instance".
fn comparable(rows: Vec<(String, String, String, String)>) -> Vec<(String, String, String, String)> {
    rows.into_iter()
        .map(|(i, r, a, reason)| {
            let reason =
                if reason.starts_with("in use by instance") { "in use by instance".to_string() } else { reason };
            (i, r, a, reason)
        })
        .collect()
}

fn prune(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("prune").args(args))
}

#[test]
fn the_plan_names_every_use_and_changes_nothing() {
    let account = seeded(json!({}));
    let sim = &account.sim;
    let (code, out, err) = prune(sim, &["--regions", "us-east-1,eu-west-1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(comparable(rows(&plan)), expected_plan(&account.launch_template));
    assert_eq!(plan["summary"], json!({"keep": 17, "deprecate": 0, "disable": 0, "delete": 3}));
    assert_eq!(plan["account"], "123456789012");
    let by_id =
        |name: &str| plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id(name)).unwrap().clone();
    assert_eq!(by_id("C")["copy_of"], json!({"region": US, "image_id": id("W8")}));
    assert_eq!(by_id("W8")["ends_ancestry_of"], json!([{"region": EU, "image_id": id("C")}]));
    assert_eq!(by_id("W9")["state"], "disabled");
    assert_eq!(by_id("W9")["snapshots"].as_array().unwrap().len(), 1);
    assert_eq!(by_id("W12")["rules"], json!(["newest", "too-young"]));
    assert!(by_id("W3")["reason"].as_str().unwrap().starts_with("in use by instance i-"));
    // Deletions say whether the Recycle Bin will hold them (a rule for team=api, 7 days).
    let until = (time::OffsetDateTime::now_utc() + time::Duration::days(7)).date();
    let recovery = by_id("A0")["recovery"].as_str().unwrap().to_string();
    assert!(recovery.starts_with(&format!("recoverable until {until} (Recycle Bin rule ")), "{recovery}");
    assert_eq!(by_id("W8")["recovery"], "permanent");
    assert_eq!(by_id("W7")["recovery"], Value::Null, "only deletions have one");
    assert_eq!(sim.calls("ListRules"), 1);
    assert_eq!(sim.calls("GetRule"), 1);
    assert!(err.contains("20 image(s): keep 17, delete 3; nothing was deleted (--apply deletes)"), "{err}");
    // Nothing changed; the uses were asked only about the three candidates.
    assert_eq!(sim.calls("DeregisterImage"), 0);
    assert_eq!(sim.calls("DescribeImageReferences"), 1, "W8 and W9 and A0: one call of at most 10 ids");
    assert_eq!(sim.calls("DescribeImageAttribute"), 3, "who may launch each of the three unused ones");
    assert_eq!(sim.calls_in(US, "DescribeLaunchConfigurations"), 1);
    assert_eq!(sim.calls_in(EU, "DescribeLaunchConfigurations"), 0, "no candidate there");
    assert_eq!(sim.calls("DescribeImages"), 2, "each region's own images, once");
    assert_eq!(sim.calls("GetCallerIdentity"), 1);

    // The table for people: the same decisions, the copy beside its source.
    let (code, out, _) = prune(sim, &["--regions", "us-east-1,eu-west-1", "--no-header"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20);
    let w8 = lines.iter().position(|l| l.contains(&id("W8"))).unwrap();
    assert!(lines[w8].starts_with("delete   unused: 65 days old, never launched"), "{}", lines[w8]);
    assert!(lines[w8].ends_with(&format!("ends the ancestors walk of kept {}", id("C"))), "{}", lines[w8]);
    assert!(lines[w8 + 1].contains(&id("C")) && lines[w8 + 1].ends_with(&format!("copy of {} in us-east-1", id("W8"))));
    let w2 = lines.iter().find(|l| l.contains(&id("W2"))).unwrap();
    let cells: Vec<&str> = w2.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(
        cells[2..],
        [id("W2").as_str(), "us-east-1", &named("web", 2), "web", "95 days", "60 days ago", "-", cells[9], "-"]
    );
    assert!(cells[9].starts_with("snap-"), "{w2}");
}

#[test]
fn apply_deletes_exactly_the_plan_and_the_unshared_snapshots() {
    let account = seeded(json!({}));
    let sim = &account.sim;
    let snapshot = |name: &str, region: &str| sim.image(region, &id(name))["snapshot_id"].as_str().unwrap().to_string();
    let (w9_snap, a0_snap, w8_snap) = (snapshot("W9", US), snapshot("A0", US), snapshot("W8", US));
    assert_eq!(w8_snap, snapshot("W7", US));
    let snapshots_before =
        sim.control("snapshots", Some(json!({"region": US})))["snapshot_ids"].as_array().unwrap().len();

    let (code, out, err) = prune(sim, &["--regions", "us-east-1,eu-west-1", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results = common::results_in(&applied, "results");
    assert_eq!(results, vec![(id("A0"), "deleted".into()), (id("W9"), "deleted".into()), (id("W8"), "deleted".into())]);
    let w8 = &applied["results"][2];
    assert_eq!(w8["snapshots"], json!([{"snapshot_id": w8_snap, "result": "skipped"}]));
    assert_eq!(applied["failed"], json!([]));
    assert!(err.contains("deleted 3 image(s) and 2 snapshot(s)"), "{err}");

    // The simulator's state: those three images and two snapshots gone, nothing else.
    for name in ["A0", "W8", "W9"] {
        assert_eq!(sim.image(US, &id(name))["found"], false, "{name}");
    }
    for name in ["A1", "A2", "A3", "A4", "P", "G", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W10", "W11", "W12"] {
        assert_eq!(sim.image(US, &id(name))["found"], true, "{name}");
    }
    assert_eq!(sim.image(EU, &id("C"))["found"], true);
    let snapshots: Vec<String> = sim.control("snapshots", Some(json!({"region": US})))["snapshot_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(snapshots.len(), snapshots_before - 2);
    assert!(!snapshots.contains(&w9_snap) && !snapshots.contains(&a0_snap) && snapshots.contains(&w8_snap));
    assert_eq!(sim.calls("DeregisterImage"), 3);
}

#[test]
fn apply_plan_rechecks_and_keeps_what_became_used() {
    let account = seeded(json!({}));
    let sim = &account.sim;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let plan_path = plan.to_str().unwrap();
    let (code, _, err) = prune(sim, &["--plan-out", plan_path, "-q"]);
    assert_eq!(code, 0, "{err}");
    // After the plan: W8 goes into a launch template.
    let template = sim.control("launch-template", Some(json!({"region": US, "image_ids": [id("W8")]})));
    sim.reset_stats();
    let (code, out, err) = prune(sim, &["--apply-plan", plan_path]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["RESULT", "IMAGE", "REGION", "NAME", "DETAIL"]);
    assert!(lines[1].starts_with(&format!("deleted   {}", id("A0"))), "{}", lines[1]);
    assert!(lines[2].starts_with(&format!("deleted   {}", id("W9"))), "{}", lines[2]);
    assert!(
        lines[3].starts_with(&format!("kept      {}", id("W8")))
            && lines[3]
                .ends_with(&format!("in use by launch template {}", template["launch_template_id"].as_str().unwrap())),
        "{}",
        lines[3]
    );
    assert_eq!(lines.len(), 4);
    assert_eq!(sim.image(US, &id("W8"))["found"], true);
    assert_eq!(sim.calls("DeregisterImage"), 2);
    assert!(err.contains("deleted 2 image(s) and 2 snapshot(s); kept 1 found in use at the re-check"), "{err}");
}

#[test]
fn without_describe_image_references_nothing_is_deleted() {
    let account = seeded(json!({"deny_actions": ["DescribeImageReferences"]}));
    let sim = &account.sim;
    let (code, out, err) = prune(sim, &["-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["summary"]["delete"], 0);
    // Every image the cheap rules would delete: its use is unknown now.
    let unknown = ["A0", "W9", "W8", "W7", "W5", "W4", "W3", "W2", "W1"];
    for name in unknown {
        let row = plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id(name)).unwrap();
        assert_eq!(row["action"], "keep");
        assert!(
            row["reason"]
                .as_str()
                .unwrap()
                .starts_with("use unknown, kept: DescribeImageReferences: UnauthorizedOperation"),
            "{row}"
        );
    }
    let ids: Vec<String> = unknown.iter().map(|name| id(name)).collect();
    let expected = format!(
        "9 image(s) kept because what uses them, or who may launch them, could not be checked (see REASON): {}",
        ids.join(" ")
    );
    assert!(err.contains(&expected), "{err}");
    let (code, _, _) = prune(sim, &["--apply"]);
    assert_eq!(code, 1);
    assert_eq!(sim.calls("DeregisterImage"), 0);
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let not_a_plan = dir.path().join("notes.json");
    std::fs::write(&not_a_plan, r#"{"hello": "world"}"#).unwrap();
    let not_a_plan = not_a_plan.to_str().unwrap().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--keep", "0"], "--keep"),
        (vec!["--older-than", "soon"], "invalid duration 'soon'"),
        (vec!["--family", "name"], "unknown family 'name': expected prefix, source or tag:KEY"),
        (vec!["--filter", "team=web"], "'team=web': expected tag:KEY=VALUE"),
        (vec!["-N", "bad|prefix"], "invalid name prefix 'bad|prefix'"),
        (vec!["--apply-plan", &not_a_plan], "not an amitools prune plan"),
        (vec!["--apply-plan", "/dev/zero"], "not a regular file"),
        (vec!["--plan-out", "/no/such/dir/plan.json"], "no such directory"),
        (vec!["--apply-plan", &not_a_plan, "--keep", "2"], "cannot be used with"),
        (vec!["--apply-plan", &not_a_plan, "--include-shared"], "cannot be used with"),
        (vec!["--include-public"], "--include-shared"),
        (vec!["--include-shared", "--usage-report-timeout", "soon"], "invalid duration 'soon'"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = prune(&sim, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn a_plan_for_another_account_or_region_is_refused() {
    let account = seeded(json!({}));
    let sim = &account.sim;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let (code, _, err) = prune(sim, &["--plan-out", plan.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&plan).unwrap();
    sim.reset_stats();

    let (code, _, err) = run(sim.amitools().args(["prune", "-r", "eu-west-1", "--apply-plan", plan.to_str().unwrap()]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the plan is for region us-east-1, and amitools is using eu-west-1"), "{err}");
    assert_eq!(sim.total_calls(), 0);

    let other = dir.path().join("other.json");
    std::fs::write(&other, text.replace("\"account\": \"123456789012\"", "\"account\": \"210987654321\"")).unwrap();
    let (code, _, err) = prune(sim, &["--apply-plan", other.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the plan is for account 210987654321, and the credentials in use are for account 123456789012; nothing deleted"), "{err}");
    assert_eq!(sim.calls("GetCallerIdentity"), 1);
    assert_eq!(sim.total_calls(), 1, "only the account was asked");
}

#[test]
fn uses_are_asked_ten_images_a_call_and_every_answer_counts() {
    let sim = Sim::start();
    let images: Vec<Value> = (1..=25).map(|n| image(&common::ami(0x300 + n), "batch", n, 100 - n as i64)).collect();
    sim.register(US, json!(images));
    // In the last group asked: the oldest image, used by a launch template.
    sim.control("launch-template", Some(json!({"region": US, "image_ids": [common::ami(0x301)]})));
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--keep", "1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["summary"], json!({"keep": 2, "deprecate": 0, "disable": 0, "delete": 23}));
    let oldest = plan["images"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(oldest["image_id"], common::ami(0x301));
    assert!(oldest["reason"].as_str().unwrap().starts_with("in use by launch template lt-"), "{oldest}");
    assert_eq!(sim.calls("DescribeImageReferences"), 3, "24 candidates, 10 a call");
}

#[test]
fn deletions_ride_out_throttling_and_report_each_failure() {
    // 30% of requests throttled: the same three deletions, nothing more.
    let account = seeded(json!({"throttle_rate": 0.3, "seed": 7}));
    let sim = &account.sim;
    let (code, out, err) = prune(sim, &["--regions", "us-east-1,eu-west-1", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let deleted: Vec<&str> =
        applied["results"].as_array().unwrap().iter().map(|r| r["result"].as_str().unwrap()).collect();
    assert_eq!(deleted, ["deleted", "deleted", "deleted"]);
    assert!(sim.control("stats", None)["faults"].as_u64().unwrap() > 0, "throttling happened");

    // Snapshots that may not be deleted: each image reported, the rest carried on, exit 1.
    let account = seeded(json!({"deny_actions": ["DeleteSnapshot"]}));
    let sim = &account.sim;
    let (code, out, err) = prune(sim, &["--apply", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(applied["failed"], json!([id("A0"), id("W9")]), "W8's snapshot is W7's: skipped, not failed");
    assert_eq!(applied["results"][0]["snapshots"][0]["result"], "missing-permissions");
    assert!(err.contains(&format!("amitools: error: 2 deletion(s) failed: {} {}", id("A0"), id("W9"))), "{err}");
    assert_eq!(sim.calls("DeregisterImage"), 3, "a failure does not stop the rest");
}
