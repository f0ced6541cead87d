//! `amitools share` and `unshare` against the simulator (issue 23): the
//! launch permission and every snapshot's create-volume permission, read
//! back with `share --show`; what EC2 refuses to share refused with nothing
//! changed; a share that fails midway says what was done.

mod common;

use common::{ami, run, Sim};
use serde_json::{json, Value};

const US: &str = "us-east-1";
const PARTNER: &str = "210987654321";
const OTHER: &str = "333344445555";
const ORG: &str = "arn:aws:organizations::111122223333:organization/o-abcdef1234";

fn amitools(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().args(args))
}

/// One own image (with one snapshot), `extra` merged into its seed; its id and snapshot id.
fn image(sim: &Sim, n: u64, extra: Value) -> (String, String) {
    let mut seed = json!({"ami_id": ami(n), "name": format!("golden-{n}")});
    seed.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let id = sim.register(US, json!([seed])).remove(0);
    let snapshot = sim.image(US, &id)["snapshot_id"].as_str().unwrap().to_string();
    (id, snapshot)
}

fn shown(sim: &Sim, id: &str) -> Value {
    let (code, out, err) = amitools(sim, &["share", "--show", id, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all["images"].as_array().unwrap().len(), 1, "{all}");
    all["images"][0].clone()
}

fn changes_made(sim: &Sim) -> u64 {
    sim.calls("ModifyImageAttribute") + sim.calls("ModifySnapshotAttribute")
}

#[test]
fn share_show_and_unshare_change_exactly_the_permissions_named() {
    let sim = Sim::start();
    let (id, snapshot) = image(&sim, 0x700, json!({}));
    sim.reset_stats();
    let (code, out, err) = amitools(&sim, &["share", &id, "--with", PARTNER, "--with", ORG]);
    assert_eq!(code, 0, "{err}");
    let row = |result: &str, permission: &str, resource: &str, with: &str| {
        format!("{result:<9}{permission:<16}{resource:<25}{with}\n")
    };
    let expected = [
        row("RESULT", "PERMISSION", "RESOURCE", "WITH"),
        row("added", "create-volume", &snapshot, PARTNER),
        row("added", "launch", &id, PARTNER),
        row("added", "launch", &id, ORG),
    ]
    .concat();
    assert_eq!(out, expected);
    assert_eq!(
        err,
        format!(
            "amitools: the accounts of organization o-abcdef1234 can launch {id} but not copy it: EC2 grants \
             snapshot (create-volume) permission to accounts only; name the accounts that must copy it with --with ACCOUNT\n"
        )
    );
    // One call per resource, every grantee of it at once.
    assert_eq!((sim.calls("ModifySnapshotAttribute"), sim.calls("ModifyImageAttribute")), (1, 1));

    let held = shown(&sim, &id);
    assert_eq!(held["launch_permissions"], json!([PARTNER, ORG]));
    assert_eq!(held["public"], false);
    assert_eq!(
        held["snapshots"],
        json!([{"snapshot_id": snapshot, "encrypted": false, "kms_key_id": null, "create_volume_permissions": [PARTNER]}])
    );

    // Again: already granted, said, nothing sent.
    sim.reset_stats();
    let (code, out, err) = amitools(&sim, &["share", &id, "--with", &format!("{PARTNER},{ORG}"), "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<&str> =
        report["images"][0]["changes"].as_array().unwrap().iter().map(|c| c["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["already", "already", "already"]);
    assert_eq!(changes_made(&sim), 0);

    // Unshare the account: its launch permission first, then its create-volume permission.
    let (code, out, err) = amitools(&sim, &["unshare", &id, "--with", PARTNER]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Vec<&str>> = out.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        lines,
        [vec!["removed", "launch", id.as_str(), PARTNER], vec!["removed", "create-volume", &snapshot, PARTNER]]
    );
    let held = shown(&sim, &id);
    assert_eq!(held["launch_permissions"], json!([ORG]), "the organization stays");
    assert_eq!(held["snapshots"][0]["create_volume_permissions"], json!([]));
}

#[test]
fn the_aws_managed_key_is_refused_with_the_way_out_and_nothing_changes() {
    let sim = Sim::start();
    let (id, snapshot) = image(&sim, 0x710, json!({"encrypted": "aws-managed"}));
    sim.reset_stats();
    for with in [PARTNER, ORG] {
        let (code, out, err) = amitools(&sim, &["share", &id, "--with", with, "--dry-run"]);
        assert_eq!(code, 1, "{with}: {out}{err}");
        assert_eq!(
            err,
            format!(
                "amitools: error: {id} cannot be shared: its snapshot {snapshot} is encrypted with the AWS managed key \
                 (aws/ebs), which EC2 cannot share; copy the image with a customer managed key (amitools copy \
                 --encrypted --kms-key-id KEY) and share the copy\n"
            )
        );
    }
    assert_eq!(changes_made(&sim), 0, "told by KMS before any change, --dry-run or not");
    assert_eq!(sim.calls("DescribeKey"), 2);
    // Without KMS's word (DescribeKey denied) EC2's own refusal stops it, nothing changed.
    sim.configure(json!({"deny_actions": ["DescribeKey"]}));
    let (code, _, err) = amitools(&sim, &["share", &id, "--with", PARTNER]);
    assert_eq!(code, 1);
    assert!(err.contains("could not be told"), "{err}");
    assert!(err.contains("encrypted with the AWS managed key aws/ebs, which cannot be shared"), "{err}");
    assert!(err.contains("0 change(s) made"), "{err}");
    let held = shown(&sim, &id);
    assert_eq!(held["launch_permissions"], json!([]));
    assert_eq!(held["snapshots"][0]["create_volume_permissions"], json!([]));
    assert_eq!(held["snapshots"][0]["encrypted"], true);
}

#[test]
fn a_customer_key_is_named_with_what_the_other_account_needs() {
    let sim = Sim::start();
    let (id, snapshot) = image(&sim, 0x720, json!({"encrypted": "customer"}));
    let key = shown(&sim, &id)["snapshots"][0]["kms_key_id"].as_str().unwrap().to_string();
    assert!(key.starts_with("arn:aws:kms:us-east-1:123456789012:key/"), "{key}");
    let (code, _, err) = amitools(&sim, &["share", &id, "--with", PARTNER]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("encrypted with KMS key {key}: the other accounts also need kms:DescribeKey")),
        "{err}"
    );
    assert!(!err.contains("could not be told"), "KMS says it is a customer managed key: {err}");
    let held = shown(&sim, &id);
    assert_eq!(held["snapshots"][0]["create_volume_permissions"], json!([PARTNER]));
    // Never public.
    sim.reset_stats();
    let (code, _, err) = amitools(&sim, &["share", &id, "--public"]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("amitools: error: {id} cannot be made public: its snapshot {snapshot} is encrypted, and EC2 makes neither encrypted snapshots nor images with them public (share it with accounts instead)\n"));
    assert_eq!(changes_made(&sim), 0);
}

#[test]
fn public_is_refused_under_block_public_access_and_granted_without() {
    let sim = Sim::start_with(json!({"image_block_public_access": "block-new-sharing"}));
    let (id, snapshot) = image(&sim, 0x730, json!({}));
    sim.reset_stats();
    let (code, _, err) = amitools(&sim, &["share", &id, "--public"]);
    assert_eq!(code, 1);
    assert!(err.contains("image block public access is on in this region"), "{err}");
    assert!(err.contains("block-new-sharing"), "{err}");
    assert_eq!(changes_made(&sim), 0);
    assert_eq!(sim.calls("GetImageBlockPublicAccessState"), 1);

    sim.configure(json!({"image_block_public_access": "unblocked"}));
    let (code, out, err) = amitools(&sim, &["share", &id, "--public"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Vec<&str>> = out.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines, [vec!["added", "create-volume", snapshot.as_str(), "all"], vec!["added", "launch", &id, "all"]]);
    assert_eq!(shown(&sim, &id)["public"], true);
    let (code, _, err) = amitools(&sim, &["unshare", &id, "--public"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(shown(&sim, &id)["public"], false);
}

#[test]
fn a_throttled_share_that_fails_midway_says_what_was_done() {
    let sim = Sim::start_with(json!({
        "deny_actions": ["ModifyImageAttribute"],
        "throttle_rate": 0.5, "fault_actions": ["ModifySnapshotAttribute"], "seed": 11,
    }));
    let (id, snapshot) = image(&sim, 0x740, json!({}));
    let (code, out, err) = amitools(&sim, &["share", &id, "--with", &format!("{PARTNER},{OTHER}"), "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<(&str, &str, &str)> = report["images"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["permission"].as_str().unwrap(), c["with"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("create-volume", PARTNER, "added"),
            ("create-volume", OTHER, "added"),
            ("launch", PARTNER, "failed"),
            ("launch", OTHER, "failed"),
        ]
    );
    assert!(report["images"][0]["changes"][2]["error"].as_str().unwrap().contains("UnauthorizedOperation"));
    assert!(err.contains(&format!("share of {id} stopped: ModifyImageAttribute: UnauthorizedOperation")), "{err}");
    assert!(err.contains("2 change(s) made, 0 not made"), "{err}");
    // Throttled (answers of half the calls), sent again until they went through.
    assert!(sim.calls("ModifySnapshotAttribute") > 1, "throttled, and sent again");
    sim.configure(json!({"deny_actions": [], "throttle_rate": 0.0}));
    let held = shown(&sim, &id);
    assert_eq!(held["launch_permissions"], json!([]));
    assert_eq!(held["snapshots"][0]["create_volume_permissions"], json!([PARTNER, OTHER]));
    assert_eq!(held["snapshots"][0]["snapshot_id"], snapshot);
}

#[test]
fn bad_input_and_other_accounts_images_change_nothing() {
    let sim = Sim::start();
    let (id, _) = image(&sim, 0x750, json!({}));
    let too_many: Vec<String> = (0..1001).map(|n| format!("{:012}", 100_000_000_000u64 + n)).collect();
    let too_many = too_many.join(",");
    let theirs =
        sim.register(US, json!([{"ami_id": ami(0x751), "name": "theirs", "owner_id": PARTNER, "public": true}]));
    sim.reset_stats();
    for (args, says) in [
        (vec!["share", id.as_str()], "share needs --with WHO or --public"),
        (vec!["unshare", id.as_str()], "unshare needs --with WHO or --public"),
        (vec!["share", id.as_str(), "--with", "12345"], "'12345' is not an account id (12 digits)"),
        (vec!["share", id.as_str(), "--with", ","], "expected an account id"),
        (
            vec!["share", id.as_str(), "--with", "arn:aws:organizations::111122223333:organization/o-x"],
            "names no valid organization id",
        ),
        (vec!["share", "--show", id.as_str(), "--with", PARTNER], "cannot be used with"),
        (vec!["share", id.as_str(), "--with", PARTNER, "--regions", "eu-west-1"], "--copies"),
        (vec!["share", id.as_str(), "--with", too_many.as_str()], "1001 accounts, organizations and OUs named"),
    ] {
        let (code, _, err) = amitools(&sim, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(sim.total_calls(), 0, "nothing sent for bad input");
    let (code, _, err) = amitools(&sim, &["share", &theirs[0], "--with", OTHER]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{} belongs to account {PARTNER}", theirs[0])), "{err}");
    assert_eq!(changes_made(&sim), 0);
    // --dry-run shows the changes and sends none.
    sim.reset_stats();
    let (code, out, err) = amitools(&sim, &["share", &id, "--with", PARTNER, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().skip(1).all(|l| l.starts_with("would add")), "{out}");
    assert_eq!(out.lines().count(), 3);
    assert_eq!(changes_made(&sim), 0);
}

/// --copies: the image's copies in other regions (and a copy's copy) are
/// shared too; an image made from a copy by CreateImage is not a copy.
#[test]
fn copies_are_shared_with_the_image() {
    let sim = Sim::start();
    let (root, _) = image(&sim, 0x760, json!({}));
    let copy = |region: &str, n: u64, parent: &str, parent_region: &str| {
        sim.register(
            region,
            json!([{"ami_id": ami(n), "name": format!("copy-{n}"), "source_image_id": parent, "source_image_region": parent_region}]),
        )
        .remove(0)
    };
    let eu = copy("eu-west-1", 0x761, &root, US);
    let ap = copy("ap-southeast-2", 0x762, &eu, "eu-west-1");
    let made = sim.register(
        "eu-west-1",
        json!([{"ami_id": ami(0x763), "name": "built-on-copy", "source_image_id": eu, "source_image_region": "eu-west-1",
                "source_instance_id": "i-0123456789abcdef0"}]),
    );
    let (code, out, err) = amitools(
        &sim,
        &["share", &root, "--with", PARTNER, "--copies", "--regions", "eu-west-1,ap-southeast-2", "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let images: Vec<(&str, &str, bool)> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["image_id"].as_str().unwrap(), i["region"].as_str().unwrap(), i["copy"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        images,
        [(root.as_str(), US, false), (eu.as_str(), "eu-west-1", true), (ap.as_str(), "ap-southeast-2", true)]
    );
    for image in report["images"].as_array().unwrap() {
        let results: Vec<&str> =
            image["changes"].as_array().unwrap().iter().map(|c| c["result"].as_str().unwrap()).collect();
        assert_eq!(results, ["added", "added"], "{image}");
    }
    let (code, out, _) =
        amitools(&sim, &["share", "--show", &root, "--copies", "--regions", "eu-west-1,ap-southeast-2"]);
    assert_eq!(code, 0);
    let launch: Vec<Vec<&str>> =
        out.lines().filter(|l| l.starts_with("launch")).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        launch,
        [
            vec!["launch", root.as_str(), US, PARTNER],
            vec!["launch", &eu, "eu-west-1", PARTNER],
            vec!["launch", &ap, "ap-southeast-2", PARTNER]
        ]
    );
    // The image built from the copy is untouched.
    let (code, out, _) = run(sim.amitools().args(["share", "--show", &made[0], "-r", "eu-west-1", "-o", "json"]));
    assert_eq!(code, 0);
    let held: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(held["images"][0]["launch_permissions"], json!([]));
}

/// Ctrl-C while share sends its changes: the call in flight finishes, the
/// report says what was added and what was not (and EC2 holds exactly
/// that), and the process dies by SIGINT.
#[test]
fn an_interrupted_share_reports_what_it_changed() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let sim = Sim::start();
    let (root, _) = image(&sim, 0x780, json!({}));
    // A chain of eight copies in eu-west-1: 18 resources to change, one call each.
    let mut copies = Vec::new();
    let mut parent = (root.clone(), US);
    for n in 0..8 {
        let id = sim
            .register(
                "eu-west-1",
                json!([{"ami_id": ami(0x781 + n), "name": format!("copy-{n}"), "source_image_id": parent.0,
                        "source_image_region": parent.1}]),
            )
            .remove(0);
        copies.push(id.clone());
        parent = (id, "eu-west-1");
    }
    sim.configure(json!({"latency_ms": 100}));
    sim.reset_stats();
    let child = sim
        .process()
        .args(["share", &root, "--with", PARTNER, "--copies", "--regions", "eu-west-1", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, stdout, stderr) = common::interrupt_when(&sim, child, changes_made, 3, libc::SIGINT);
    assert_eq!(status.signal(), Some(libc::SIGINT), "{stderr}");
    sim.configure(json!({"latency_ms": 0}));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut added = 0;
    let mut not_done = 0;
    for image in report["images"].as_array().unwrap() {
        let id = image["image_id"].as_str().unwrap();
        let region = image["region"].as_str().unwrap();
        let (code, out, err) = amitools(&sim, &["share", "--show", id, "-r", region, "-o", "json"]);
        assert_eq!(code, 0, "{err}");
        let held: Value = serde_json::from_str(&out).unwrap();
        for change in image["changes"].as_array().unwrap() {
            let granted = match change["permission"].as_str().unwrap() {
                "launch" => held["images"][0]["launch_permissions"] == json!([PARTNER]),
                _ => held["images"][0]["snapshots"][0]["create_volume_permissions"] == json!([PARTNER]),
            };
            match change["result"].as_str().unwrap() {
                "added" => {
                    assert!(granted, "{id}: reported added, not held");
                    added += 1;
                }
                "not-done" => {
                    assert!(!granted, "{id}: reported not done, yet held");
                    not_done += 1;
                }
                other => panic!("{other} in {image}"),
            }
        }
    }
    assert_eq!(added + not_done, 18, "{report}");
    assert!(added >= 3 && not_done > 0, "{added} added, {not_done} not done");
    assert_eq!(changes_made(&sim), added);
    assert!(stderr.contains("SIGINT: finishing the permission change in flight, then stopping"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "interrupted by SIGINT: share of {root}: {added} change(s) made, {not_done} not made (see RESULT)"
        )),
        "{stderr}"
    );
}

/// A lost answer to a permission change: the SDK sends it again, and EC2
/// (adding a permission held, removing one absent) accepts the repeat, so
/// the change is reported made, once.
#[test]
fn a_lost_answer_to_a_permission_change_is_sent_again() {
    let sim = Sim::start();
    let (id, snapshot) = image(&sim, 0x790, json!({}));
    for action in ["ModifySnapshotAttribute", "ModifyImageAttribute"] {
        for (command, result) in [("share", "added"), ("unshare", "removed")] {
            sim.configure(json!({"lose_next_responses": 1, "fault_actions": [action]}));
            sim.reset_stats();
            let (code, out, err) = amitools(&sim, &[command, &id, "--with", PARTNER, "-o", "json"]);
            assert_eq!(code, 0, "{action} {command}: {err}");
            let report: Value = serde_json::from_str(&out).unwrap();
            let results: Vec<&str> = report["images"][0]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["result"].as_str().unwrap())
                .collect();
            assert_eq!(results, [result, result], "{action} {command}");
            // The lost one twice, the other once.
            assert_eq!(sim.calls(action), 2, "{action} {command}");
            assert_eq!(changes_made(&sim), 3, "{action} {command}");
            let held = shown(&sim, &id);
            let expected = if command == "share" { json!([PARTNER]) } else { json!([]) };
            assert_eq!(held["launch_permissions"], expected);
            assert_eq!(held["snapshots"][0]["snapshot_id"], snapshot.as_str());
            assert_eq!(held["snapshots"][0]["create_volume_permissions"], expected);
        }
    }
}

/// A cut-short answer while reading what EC2 holds: nothing is changed.
#[test]
fn a_cut_short_answer_changes_nothing() {
    let sim = Sim::start();
    let (id, _) = image(&sim, 0x7a0, json!({}));
    for action in ["DescribeImageAttribute", "DescribeSnapshotAttribute", "DescribeSnapshots", "DescribeImages"] {
        sim.configure(json!({"endpoint_fault": "truncated", "fault_actions": [action]}));
        sim.reset_stats();
        let (code, out, err) = amitools(&sim, &["share", &id, "--with", PARTNER]);
        assert_eq!((code, out.as_str()), (1, ""), "{action}: {err}");
        assert_eq!(err.lines().count(), 1, "{action}: {err}");
        assert_eq!(changes_made(&sim), 0, "{action}");
    }
    sim.configure(json!({"endpoint_fault": null, "fault_actions": []}));
    let held = shown(&sim, &id);
    assert_eq!(held["launch_permissions"], json!([]));
    assert_eq!(held["snapshots"][0]["create_volume_permissions"], json!([]));
}
