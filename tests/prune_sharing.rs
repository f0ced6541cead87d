//! `prune` and images other accounts may launch (issue 23): from the build
//! account nothing says a shared image is unused — the workload accounts'
//! launch templates and instances are invisible from it — so a shared or
//! public image is kept, with who it is shared with, at the plan and at the
//! re-check before each deletion.

mod common;

use common::{ami, generated_image, run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";
const PARTNER: &str = "210987654321";
const ORG: &str = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
const OU: &str = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdefgh34";

fn prune(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("prune").args(args))
}

/// The build account of the issue: a family of seven images 10 to 70 days
/// old, ten days apart, the 30- to 60-day-old ones shared with an account,
/// public, shared with an organization and with an OU, the oldest with
/// nobody. Returns their ids, newest first.
fn build_account(sim: &Sim) -> Vec<String> {
    let sharing = [
        None,
        None,
        Some(json!({"launch_permissions": [{"UserId": PARTNER}]})),
        Some(json!({"public": true})),
        Some(json!({"launch_permissions": [{"OrganizationArn": ORG}]})),
        Some(json!({"launch_permissions": [{"OrganizationalUnitArn": OU}]})),
        None,
    ];
    let images: Vec<Value> = sharing
        .iter()
        .enumerate()
        .map(|(n, extra)| {
            let mut image = generated_image(&ami(0x500 + n as u64), "golden", 0x500 + n as u64, 10 * (n as i64 + 1));
            if let Some(extra) = extra {
                image.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            }
            image
        })
        .collect();
    sim.register(US, json!(images))
}

fn row<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id).unwrap()
}

#[test]
fn shared_and_public_images_are_kept_with_who_may_launch_them() {
    let sim = Sim::start();
    let ids = build_account(&sim);
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--keep", "2", "--older-than", "14d", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let expected = [
        ("keep", "newest", "newest 1 of 2 in family golden"),
        ("keep", "newest", "newest 2 of 2 in family golden"),
        ("keep", "shared", "shared with 210987654321 (uses there are not visible from this account)"),
        ("keep", "public", "public (uses in other accounts are not visible from this account)"),
        ("keep", "shared", "shared with organization o-abcdef1234 (uses there are not visible from this account)"),
        (
            "keep",
            "shared",
            "shared with organizational unit ou-ab12-cdefgh34 (uses there are not visible from this account)",
        ),
        ("delete", "unused", "unused: 70 days old, never launched"),
    ];
    for (id, (action, rule, reason)) in ids.iter().zip(expected) {
        let image = row(&plan, id);
        assert_eq!((image["action"].as_str(), image["rules"][0].as_str()), (Some(action), Some(rule)), "{image}");
        assert_eq!(image["reason"], reason, "{image}");
    }
    // Who may launch each, where it was asked: only of the images every
    // other rule would delete (the public one is told by DescribeImages).
    let shared_with: Vec<Value> = ids.iter().map(|id| row(&plan, id)["shared_with"].clone()).collect();
    assert_eq!(
        shared_with,
        [json!(null), json!(null), json!([PARTNER]), json!(null), json!([ORG]), json!([OU]), json!([])]
    );
    let public: Vec<Value> = ids.iter().map(|id| row(&plan, id)["public"].clone()).collect();
    assert_eq!(public, [false, false, false, true, false, false, false].map(Value::from));
    assert_eq!(sim.calls("DescribeImageAttribute"), 4);
    assert_eq!(sim.calls("DescribeImageReferences"), 1, "five images, one call");

    // The table says it too.
    let (code, out, err) = prune(&sim, &["--keep", "2", "--older-than", "14d"]);
    assert_eq!(code, 0, "{err}");
    let shared_cell = |id: &str| {
        let line = out.lines().find(|l| l.contains(id)).unwrap();
        let header = out.lines().next().unwrap();
        let at = header.find("SHARED").unwrap();
        line[at..].split("  ").next().unwrap().trim().to_string()
    };
    let cells: Vec<String> = ids.iter().map(|id| shared_cell(id)).collect();
    assert_eq!(cells, ["-", "-", "1 account", "public", "1 organization", "1 organizational unit", "no"]);

    let (code, out, err) = prune(&sim, &["--keep", "2", "--older-than", "14d", "--apply", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<(&str, &str)> = applied["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["image_id"].as_str().unwrap(), r["result"].as_str().unwrap()))
        .collect();
    assert_eq!(results, [(ids[6].as_str(), "deleted")]);
    for id in &ids[..6] {
        assert_eq!(sim.image(US, id)["found"], true, "{id}");
    }
    assert_eq!(sim.image(US, &ids[6])["found"], false);
}

/// A plan made while an image was shared with nobody; shared before the
/// plan is applied: the re-check reads its launch permissions again and keeps it.
#[test]
fn the_recheck_keeps_an_image_shared_after_the_plan() {
    let sim = Sim::start();
    let ids = build_account(&sim);
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let plan_path = plan.to_str().unwrap();
    let (code, _, err) = prune(&sim, &["--keep", "2", "--older-than", "14d", "--plan-out", plan_path, "-q"]);
    assert_eq!(code, 0, "{err}");
    sim.control(
        "launch-permissions",
        Some(json!({"region": US, "image_id": ids[6], "add": [{"UserId": "333344445555"}]})),
    );
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--apply-plan", plan_path, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let result = &applied["results"][0];
    assert_eq!(result["image_id"], ids[6].as_str());
    assert_eq!(result["result"], "kept");
    assert_eq!(result["reason"], "shared with 333344445555 (uses there are not visible from this account)");
    assert_eq!(sim.image(US, &ids[6])["found"], true);
    assert_eq!(sim.calls("DeregisterImage"), 0);
    assert_eq!(sim.calls("DescribeImageAttribute"), 1);
}

/// Launch permissions that cannot be read (denied, or EC2 failing) keep the
/// image as unknown, exit 1 naming it, and nothing is deleted; throttling
/// is waited out and decides nothing.
#[test]
fn unreadable_launch_permissions_keep_the_image_and_throttling_only_waits() {
    let sim = Sim::start();
    let ids = build_account(&sim);
    // Denied, then cut short (an answer cut short is no answer): kept, unknown, nothing deleted.
    for (fault, why) in [
        (json!({"deny_actions": ["DescribeImageAttribute"]}), "DescribeImageAttribute: UnauthorizedOperation"),
        (
            json!({"deny_actions": [], "endpoint_fault": "truncated", "fault_actions": ["DescribeImageAttribute"]}),
            "DescribeImageAttribute",
        ),
    ] {
        sim.configure(fault);
        let (code, out, err) = prune(&sim, &["--keep", "2", "--older-than", "14d", "--apply", "-o", "json"]);
        assert_eq!(code, 1, "{err}");
        let applied: Value = serde_json::from_str(&out).unwrap();
        let image = row(&applied["plan"], &ids[6]);
        assert_eq!(image["action"], "keep");
        let reason = image["reason"].as_str().unwrap();
        assert!(reason.starts_with(&format!("use unknown, kept: who may launch it is unknown: {why}")), "{image}");
        assert_eq!(image["shared_with"], Value::Null);
        assert_eq!(applied["plan"]["summary"]["delete"], 0);
        assert!(err.contains(&ids[6]), "{err}");
        assert_eq!(sim.calls("DeregisterImage"), 0);
    }

    sim.configure(
        json!({"endpoint_fault": null, "throttle_rate": 0.5, "fault_actions": ["DescribeImageAttribute"], "seed": 7}),
    );
    sim.reset_stats();
    let (code, out, err) = prune(&sim, &["--keep", "2", "--older-than", "14d", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["summary"]["delete"], 1);
    assert_eq!(row(&plan, &ids[6])["action"], "delete");
    assert_eq!(row(&plan, &ids[2])["rules"][0], "shared");
    assert!(sim.calls("DescribeImageAttribute") > 4, "throttled answers were sent again");
}

/// --include-shared: EC2's AMI usage reports decide. No use in the accounts
/// shared with: deleted (the plan says which accounts were checked); a launch
/// template in another account: kept; a report that fails or is late: kept,
/// use unknown (exit 1); public images only with --include-public.
#[test]
fn include_shared_lets_the_usage_reports_decide() {
    let sim = Sim::start();
    let ids = build_account(&sim);
    sim.configure(json!({"usage_report_errors": [ids[5]]}));
    sim.control(
        "other-account-use",
        Some(json!({"region": US, "image_id": ids[4], "account_id": "444455556666", "resource_type": "ec2:LaunchTemplate"})),
    );
    sim.reset_stats();
    let (code, out, err) =
        prune(&sim, &["--keep", "2", "--older-than", "14d", "--include-shared", "--apply", "-o", "json"]);
    assert_eq!(code, 1, "the failed report leaves one image's use unknown: {err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let plan = &applied["plan"];
    let reason = |id: &str| row(plan, id)["reason"].as_str().unwrap().to_string();
    assert_eq!(row(plan, &ids[2])["action"], "delete");
    assert_eq!(row(plan, &ids[2])["usage_report"]["accounts_checked"], json!([PARTNER]));
    assert_eq!(reason(&ids[3]), "public (uses in other accounts are not visible from this account)");
    assert_eq!(reason(&ids[4]), "in use in account 444455556666 (1 launch template)");
    assert!(
        reason(&ids[5]).starts_with("use unknown, kept: use in other accounts unknown: usage report amiur-"),
        "{}",
        reason(&ids[5])
    );
    assert!(reason(&ids[5]).ends_with("failed: The report could not be created."), "{}", reason(&ids[5]));
    let deleted: Vec<&str> = applied["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["result"] == "deleted")
        .map(|r| r["image_id"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, [ids[2].as_str(), ids[6].as_str()]);
    for id in &ids[3..6] {
        assert_eq!(sim.image(US, id)["found"], true, "{id}");
    }
    // Reports: org and OU over every account, the account share over its account; made again at the re-check.
    assert_eq!(sim.calls("CreateImageUsageReport"), 3 + 1);
    assert_eq!(sim.calls("DeleteImageUsageReport"), sim.calls("CreateImageUsageReport"), "none left behind");
    assert!(err.contains(&ids[5]), "{err}");

    // A report not ready in time: unknown, kept. --include-public lets the public one's report decide.
    sim.configure(json!({"usage_report_errors": [], "usage_report_seconds": 3600}));
    let (code, out, _) = prune(
        &sim,
        &["--keep", "2", "--older-than", "14d", "--include-shared", "--usage-report-timeout", "1s", "-o", "json"],
    );
    assert_eq!(code, 1);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert!(
        row(&plan, &ids[5])["reason"].as_str().unwrap().ends_with("was not ready within 1s"),
        "{}",
        row(&plan, &ids[5])
    );
    sim.configure(json!({"usage_report_seconds": 0}));
    let (code, out, err) =
        prune(&sim, &["--keep", "2", "--older-than", "14d", "--include-shared", "--include-public", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(row(&plan, &ids[3])["action"], "delete");
    assert_eq!(row(&plan, &ids[3])["usage_report"]["accounts_checked"], json!(["all"]));
    assert_eq!(row(&plan, &ids[4])["rules"][0], "in-use-elsewhere");
    assert_eq!(row(&plan, &ids[5])["action"], "delete");
}
