//! `amitools revoke` and `restore` (issue 24) against the simulator: a base
//! image with descendants in two regions, instances and launch templates
//! using some of them. The plan lists every descendant and every use; the
//! apply deprecates (or disables) each, tags it, and restore undoes exactly
//! what revoke did — an image deprecated before revoke stays deprecated.

mod common;

use common::{ami, days_ago, run, tagged, Sim, REGION};
use serde_json::{json, Value};

const EU: &str = "eu-west-1";
const T0: i64 = 1_366_222_705;

struct Lineage {
    base: String,
    web: String,
    web2: String,
    old: String,
    copy: String,
}

/// base → web → web2; base → old (deprecated a week ago); web → copy in eu-west-1.
fn seed(sim: &Sim) -> Lineage {
    let [base, web, web2, old, copy] = [1u64, 2, 3, 4, 5].map(|n| ami(0xa000 + n));
    let mut deprecated = tagged(&old, &base, REGION, T0 + 3);
    deprecated.as_object_mut().unwrap().insert("deprecation_time".into(), json!(days_ago(7)));
    sim.register(
        REGION,
        json!([
            {"ami_id": base, "name": "base", "creation_date": "2013-04-17T18:18:25Z"},
            tagged(&web, &base, REGION, T0 + 1),
            tagged(&web2, &web, REGION, T0 + 2),
            deprecated,
        ]),
    );
    sim.register(EU, json!([tagged(&copy, &web, REGION, T0 + 4)]));
    sim.control("run-instance", Some(json!({"region": REGION, "image_id": web})));
    sim.control("run-instance", Some(json!({"region": REGION, "image_id": web, "state": "stopped"})));
    sim.control("launch-template", Some(json!({"region": REGION, "image_ids": [web2]})));
    sim.control("launch-template", Some(json!({"region": EU, "image_ids": [copy]})));
    Lineage { base, web, web2, old, copy }
}

fn amitools(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().args(args))
}

/// (image, region, action, uses in words) of each image of a JSON report.
fn rows(report: &Value) -> Vec<(String, String, String, Value)> {
    report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["image_id"].as_str().unwrap().to_string(),
                i["region"].as_str().unwrap().to_string(),
                i["action"].as_str().unwrap().to_string(),
                i["uses"].clone(),
            )
        })
        .collect()
}

/// Each image's result, in the report's order.
fn results(report: &Value) -> Vec<String> {
    common::results_in(report, "images").into_iter().map(|(_, result)| result).collect()
}

fn uses(instances: u64, running: u64, launch_templates: u64) -> Value {
    json!({"instances": instances, "running_instances": running, "launch_templates": launch_templates, "launch_configurations": 0,
           "ssm_parameters": 0, "image_builder_recipes": 0, "other": 0})
}

fn changes(sim: &Sim) -> u64 {
    ["EnableImageDeprecation", "DisableImageDeprecation", "DisableImage", "EnableImage", "CreateTags", "DeleteTags"]
        .iter()
        .map(|a| sim.calls(a))
        .sum()
}

#[test]
fn revoke_plans_deprecates_and_restore_undoes_exactly_that() {
    let sim = Sim::start();
    let l = seed(&sim);
    let selection = ["--descendants", "--regions", "us-east-1,eu-west-1"];
    sim.reset_stats();
    let (code, out, err) = amitools(&sim, &[&["revoke", "-o", "json"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let s = |v: &str| v.to_string();
    assert_eq!(
        rows(&plan),
        [
            (l.base.clone(), s(REGION), s("deprecate"), uses(0, 0, 0)),
            (l.web.clone(), s(REGION), s("deprecate"), uses(2, 1, 0)),
            (l.web2.clone(), s(REGION), s("deprecate"), uses(0, 0, 1)),
            (l.copy.clone(), s(EU), s("deprecate"), uses(0, 0, 1)),
            (l.old.clone(), s(REGION), s("already deprecated"), uses(0, 0, 0)),
        ]
    );
    assert_eq!(plan["summary"], json!({"images": 5, "instances": 2, "running_instances": 1, "launch_templates": 2}));
    assert_eq!((plan["action"].as_str(), plan["applied"].as_bool()), (Some("revoke"), Some(false)));
    assert_eq!(
        err,
        "amitools: 5 image(s); 1 instance(s) running from them (2 in any state) and 2 launch template(s) naming \
         them in this account; nothing was changed (--apply carries the plan out)\n"
    );
    assert_eq!(changes(&sim), 0);
    // Uses asked 10 images a call: one call per region.
    assert_eq!((sim.calls_in(REGION, "DescribeImageReferences"), sim.calls_in(EU, "DescribeImageReferences")), (1, 1));

    // The table.
    let (code, out, _) = amitools(&sim, &[&["revoke", "--no-header"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0);
    let first: Vec<Vec<&str>> = out.lines().map(|l| l.split_whitespace().take(3).collect()).collect();
    assert_eq!(first[1], ["deprecate", l.web.as_str(), REGION]);
    assert!(out.lines().nth(1).unwrap().contains("2 instances (1 running)"), "{out}");

    // --apply: every one deprecated and tagged; the one deprecated before only tagged.
    sim.reset_stats();
    let (code, out, err) = amitools(
        &sim,
        &[&["revoke", "--apply", "--reason", "CVE-2026-1234", "-o", "json"], &selection[..], &[l.base.as_str()]]
            .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(results(&applied), ["deprecated", "deprecated", "deprecated", "deprecated", "tagged"]);
    assert_eq!((sim.calls("EnableImageDeprecation"), sim.calls("CreateTags")), (4, 5));
    for (id, region) in [(&l.base, REGION), (&l.web, REGION), (&l.web2, REGION), (&l.copy, EU)] {
        let held = sim.image(region, id);
        assert!(held["deprecation_time"].is_string(), "{id}");
        let tag = held["tags"]["amitools:revoked"].as_str().unwrap();
        assert!(tag.ends_with(" deprecated: CVE-2026-1234"), "{tag}");
    }
    assert!(sim.image(REGION, &l.old)["tags"]["amitools:revoked"]
        .as_str()
        .unwrap()
        .ends_with(" nothing: CVE-2026-1234"));

    // ancestors and children show it: a REVOKED column, the tree marked.
    let (code, out, _) = amitools(&sim, &["ancestors", "-C", "image_id,revoked", "--no-header", &l.web2]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&l.web2) && lines[0].ends_with(" deprecated: CVE-2026-1234"), "{out}");
    let (code, out, _) = amitools(&sim, &["children", &l.base]);
    assert_eq!(code, 0);
    assert!(out.lines().all(|line| line.ends_with("  [revoked]")), "{out}");

    // Again: already revoked, nothing sent.
    sim.reset_stats();
    let (code, out, _) =
        amitools(&sim, &[&["revoke", "--apply", "-o", "json"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(&out).unwrap();
    assert!(rows(&again).iter().all(|r| r.2 == "already revoked"), "{again}");
    assert_eq!(changes(&sim), 0);

    // restore: the deprecations cancelled, the tags removed; the image
    // deprecated before revoke stays deprecated.
    sim.reset_stats();
    let (code, out, err) =
        amitools(&sim, &[&["restore", "--apply", "-o", "json"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    let restored: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(results(&restored), ["undeprecated", "undeprecated", "undeprecated", "undeprecated", "untagged"]);
    for (id, region) in [(&l.base, REGION), (&l.web, REGION), (&l.web2, REGION), (&l.copy, EU)] {
        let held = sim.image(region, id);
        assert_eq!(held["deprecation_time"], Value::Null, "{id}");
        assert_eq!(held["tags"].get("amitools:revoked"), None, "{id}");
    }
    let old = sim.image(REGION, &l.old);
    assert!(old["deprecation_time"].is_string(), "deprecated before revoke: left so");
    assert_eq!(old["tags"].get("amitools:revoked"), None);
    assert_eq!((sim.calls("DisableImageDeprecation"), sim.calls("DeleteTags")), (4, 5));
}

#[test]
fn revoke_disable_disables_and_restore_enables() {
    let sim = Sim::start();
    let l = seed(&sim);
    sim.control("launch-permissions", Some(json!({"image_id": l.web, "add": [{"UserId": "210987654321"}]})));
    let selection = ["--descendants", "--all-regions"];
    let (code, out, err) =
        amitools(&sim, &[&["revoke", "--disable", "--no-header"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().all(|l| l.starts_with("disable ")), "{out}");
    assert!(out.lines().nth(1).unwrap().contains("210987654321"), "the SHARED column: {out}");
    assert!(
        err.contains(&format!("--disable: these uses will stop launching: {} (2 instances (1 running)), {} (1 launch template), {} (1 launch template)", l.web, l.web2, l.copy)),
        "{err}"
    );
    let (code, _, err) = amitools(
        &sim,
        &[&["revoke", "--disable", "--apply", "--reason", "broken"], &selection[..], &[l.base.as_str()]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    for (id, region) in [(&l.base, REGION), (&l.web, REGION), (&l.web2, REGION), (&l.copy, EU), (&l.old, REGION)] {
        assert_eq!(sim.image(region, id)["state"], "disabled", "{id}");
    }
    // EC2 took the sharing away.
    assert_eq!(sim.image(REGION, &l.web)["launch_permissions"], json!([]));

    let (code, out, err) =
        amitools(&sim, &[&["restore", "--apply", "--no-header"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("enabled ")).count(), 5, "{out}");
    for (id, region) in [(&l.base, REGION), (&l.web, REGION), (&l.web2, REGION), (&l.copy, EU), (&l.old, REGION)] {
        let held = sim.image(region, id);
        assert_eq!(held["state"], "available", "{id}");
        assert_eq!(held["tags"].get("amitools:revoked"), None, "{id}");
    }
    assert!(sim.image(REGION, &l.old)["deprecation_time"].is_string(), "its deprecation was never revoke's");
}

/// One image failing does not stop the others: each result printed, exit 1
/// with the failed id; images revoke did not tag are left alone by restore;
/// bad input is refused before any call.
#[test]
fn failures_are_per_image_and_bad_input_changes_nothing() {
    let sim = Sim::start();
    let l = seed(&sim);
    sim.configure(json!({"deny_actions": ["EnableImageDeprecation"], "fault_actions": []}));
    let (code, out, err) = amitools(&sim, &["revoke", "--apply", "--no-header", &l.web, &l.web2]);
    assert_eq!(code, 1, "{err}");
    assert!(out.lines().all(|l| l.starts_with("failed ")), "{out}");
    assert!(err.ends_with(&format!("amitools: error: 2 image(s) failed: {} {}\n", l.web, l.web2)), "{err}");
    assert_eq!(sim.calls("CreateTags"), 0, "nothing tagged that was not changed");
    // The same failure drawn as a picture: each box says so, with EC2's refusal.
    let (code, dot, err) = amitools(&sim, &["-o", "dot", "revoke", "--apply", &l.web]);
    assert_eq!(code, 1, "{err}");
    assert!(dot.contains("\\nplan: deprecate\\nresult: failed\\n") && dot.contains("UnauthorizedOperation"), "{dot}");
    assert!(err.ends_with(&format!("amitools: error: 1 image(s) failed: {}\n", l.web)), "{err}");
    assert_eq!(sim.calls("CreateTags"), 0);
    assert!(sim.image(REGION, &l.web)["deprecation_time"].is_null(), "{}", sim.image(REGION, &l.web));
    sim.configure(json!({"deny_actions": []}));

    let (code, out, _) = amitools(&sim, &["restore", "--no-header", &l.web]);
    assert_eq!(code, 0);
    assert!(out.starts_with("leave "), "{out}");
    assert!(out.contains("no amitools:revoked tag written by amitools"), "{out}");

    sim.reset_stats();
    for (args, needle) in [
        (vec!["revoke", "--reason", "a\u{7}b", &l.web], "control characters"),
        (vec!["revoke", "--regions", "eu-west-1", &l.web], "--descendants"),
        (vec!["revoke"], "AMI_ID"),
    ] {
        let (code, out, err) = amitools(&sim, &args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let long = "x".repeat(224);
    let (code, _, err) = amitools(&sim, &["revoke", "--reason", &long, &l.web]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "amitools: error: --reason is 224 characters: at most 223 fit in the amitools:revoked tag beside its date\n"
    );
    assert_eq!(sim.total_calls(), 0);
    let (code, _, err) = amitools(&sim, &["revoke", &ami(0xbad)]);
    assert_eq!(code, 1, "{err}");
}

/// Lost answers (the change made, the answer gone) and throttling: the SDK
/// sends again, and since each call only sets what it set before, every
/// image is reported once, done, and restore still finds what to undo.
#[test]
fn lost_and_throttled_answers_are_sent_again_and_reported_once() {
    let sim = Sim::start();
    let l = seed(&sim);
    let selection = ["--descendants", "--regions", "us-east-1,eu-west-1"];
    sim.configure(json!({"lose_next_responses": 3, "fault_actions": ["EnableImageDeprecation", "CreateTags"]}));
    let (code, out, err) =
        amitools(&sim, &[&["revoke", "--apply", "-o", "json"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(results(&applied), ["deprecated", "deprecated", "deprecated", "deprecated", "tagged"]);
    assert!(sim.calls("EnableImageDeprecation") + sim.calls("CreateTags") > 9, "the lost ones were sent again");

    sim.configure(json!({"lose_next_responses": 0, "throttle_rate": 0.5, "seed": 3,
                         "fault_actions": ["DisableImageDeprecation", "DeleteTags"]}));
    let (code, out, err) =
        amitools(&sim, &[&["restore", "--apply", "-o", "json"], &selection[..], &[l.base.as_str()]].concat());
    assert_eq!(code, 0, "{err}");
    let restored: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(results(&restored), ["undeprecated", "undeprecated", "undeprecated", "undeprecated", "untagged"]);
    for (id, region) in [(&l.base, REGION), (&l.web, REGION), (&l.web2, REGION), (&l.copy, EU)] {
        assert_eq!(sim.image(region, id)["deprecation_time"], Value::Null, "{id}");
    }
}

/// Ctrl-C during --apply: the image in flight is finished (changed and
/// tagged), no other is started, the report says which were not, and the
/// process dies by SIGINT.
#[test]
fn an_interrupted_revoke_reports_what_it_did() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let sim = Sim::start();
    let base = ami(0xb000);
    let mut images = vec![json!({"ami_id": base, "name": "base", "creation_date": "2013-04-17T18:18:25Z"})];
    let mut parent = base.clone();
    for n in 1..=12u64 {
        let id = ami(0xb000 + n);
        images.push(tagged(&id, &parent, REGION, T0 + n as i64));
        parent = id;
    }
    sim.register(REGION, json!(images));
    sim.configure(json!({"latency_ms": 100}));
    let child = sim
        .process()
        .args(["revoke", "--descendants", "--apply", "-o", "json", &base])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, stdout, stderr) =
        common::interrupt_when(&sim, child, |sim| sim.calls("EnableImageDeprecation"), 3, libc::SIGINT);
    assert_eq!(status.signal(), Some(libc::SIGINT), "{stderr}");
    sim.configure(json!({"latency_ms": 0}));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut done = 0;
    let mut not_done = 0;
    for image in report["images"].as_array().unwrap() {
        let held = sim.image(REGION, image["image_id"].as_str().unwrap());
        match image["result"].as_str().unwrap() {
            "deprecated" => {
                assert!(held["deprecation_time"].is_string() && held["tags"]["amitools:revoked"].is_string());
                done += 1;
            }
            "not-done" => {
                assert!(held["deprecation_time"].is_null() && held["tags"].get("amitools:revoked").is_none());
                not_done += 1;
            }
            other => panic!("{other}: {image}"),
        }
    }
    assert_eq!(done + not_done, 13);
    assert!(done >= 3 && not_done > 0, "{done} done, {not_done} not");
    assert_eq!(sim.calls("EnableImageDeprecation"), done);
    assert!(stderr.contains(&format!("interrupted by SIGINT: {not_done} image(s) not started")), "{stderr}");
}
