//! Commands run in-process against the in-memory fake: what they print on
//! stdout, the notes and warnings on stderr, and the exit code — without a
//! simulator or a process per case. The integration tests cover the same
//! commands end to end (SDK, signing, the simulator's EC2 rules).

use std::cell::RefCell;

use clap::Parser;

use super::{prepare, Context};
use crate::cli::Cli;
use crate::error::ExitCode;
use crate::image::ImageReference;
use crate::testing::{id, made, region, FakeAws};

/// What a run printed and how it ended.
struct Ran {
    code: ExitCode,
    out: String,
    err: String,
}

fn run(fake: &FakeAws, args: &[&str]) -> Ran {
    let cli = Cli::try_parse_from(std::iter::once("amitools").chain(args.iter().copied())).expect("valid arguments");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = prepare(cli.command).and_then(|plan| {
        let mut ctx = Context {
            aws: fake,
            account: None,
            members: Vec::new(),
            region: region("us-east-1"),
            output: cli.global.output,
            out: &mut out,
            err: RefCell::new(&mut err),
            quiet: cli.global.quiet,
        };
        plan.execute(&mut ctx)
    });
    let code = match &result {
        Ok(()) => ExitCode::Success,
        Err(error) => {
            // As lib::run renders it.
            err.extend_from_slice(format!("amitools: error: {error}\n").as_bytes());
            error.exit_code()
        }
    };
    Ran { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

/// 1 <- 2 <- 3 in us-east-1, as `create` leaves them; 1 has no parent.
fn chain() -> FakeAws<'static> {
    FakeAws::with_images([
        made("us-east-1", 1, None),
        made("us-east-1", 2, Some(("us-east-1", 1))),
        made("us-east-1", 3, Some(("us-east-1", 2))),
    ])
}

#[test]
fn ancestors_print_the_chain_and_say_where_it_ends() {
    let ran = run(&chain(), &["ancestors", "--ids", "ami-00000003"]);
    assert_eq!(ran.code, ExitCode::Success);
    assert_eq!(ran.out, "ami-00000003\nami-00000002\nami-00000001\n");
    assert_eq!(ran.err, "");
    let ran =
        run(&chain(), &["ancestors", "-C", "image_id,source_instance,origin", "--max-depth", "1", "ami-00000003"]);
    assert_eq!(
        ran.out,
        "IMAGE_ID       SOURCE_INSTANCE   ORIGIN\nami-00000003   i-12345678        tag\nami-00000002   i-12345678        tag\n"
    );
    assert_eq!(ran.err, "amitools: stopped after --max-depth 1 generations\n");
    let quiet = run(&chain(), &["ancestors", "-q", "--max-depth", "1", "ami-00000003"]);
    assert_eq!(quiet.err, "", "-q silences notes");
}

#[test]
fn an_image_that_is_not_there_is_exit_1_naming_it() {
    let ran = run(&chain(), &["ancestors", "ami-0000000f"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert_eq!(ran.out, "");
    assert_eq!(ran.err, "amitools: error: image ami-0000000f does not exist in us-east-1 (or is not visible to you)\n");
}

#[test]
fn children_print_a_tree_and_notes() {
    let fake = chain();
    let ran = run(&fake, &["children", "ami-00000001"]);
    assert_eq!(ran.code, ExitCode::Success);
    assert_eq!(
        ran.out,
        "ami-00000001  -  -\n└── ami-00000002  Mon Jan 12 13:46:42 UTC 1970  -\n    └── ami-00000003  Mon Jan 12 13:46:43 UTC 1970  -\n"
    );
    let leaf = run(&fake, &["children", "ami-00000003"]);
    assert_eq!(leaf.err, "amitools: no image in us-east-1 names ami-00000003 as its source\n");
}

#[test]
fn a_region_that_refuses_is_a_warning_even_with_q_and_exit_1() {
    let mut fake = chain();
    fake.refuse_regions = vec![region("eu-west-1")];
    let ran = run(&fake, &["children", "-q", "--regions", "us-east-1,eu-west-1", "ami-00000001"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert_eq!(ran.out.lines().count(), 3, "the tree is still printed");
    assert!(ran.err.starts_with("amitools: eu-west-1 skipped: DescribeImages: "), "{}", ran.err);
    assert!(ran
        .err
        .ends_with("amitools: error: 1 region(s) could not be searched, the tree may be incomplete: eu-west-1\n"));
}

/// Old images of family web, one of them in a launch template.
fn old_web_images() -> FakeAws<'static> {
    let now = time::OffsetDateTime::now_utc();
    let images = (1..=4).map(|n| {
        let mut image = made("us-east-1", n, None);
        image.name = Some(format!("web-{}-12345678901234{n}", 1_700_000_000 + n));
        image.creation_date = Some(now - time::Duration::days(100 - n as i64));
        image.usage.snapshots = vec![format!("snap-{n}")];
        image.usage.protection = Some("disabled".into());
        image
    });
    let mut fake = FakeAws::with_images(images);
    fake.references = vec![ImageReference {
        image_id: id(1),
        resource_type: "ec2:Instance".into(),
        resource: "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc".into(),
    }];
    fake
}

#[test]
fn prune_plans_and_changes_nothing() {
    let fake = old_web_images();
    let ran = run(&fake, &["prune", "--keep", "1"]);
    assert_eq!(ran.code, ExitCode::Success, "{}", ran.err);
    let rows: Vec<Vec<&str>> =
        ran.out.lines().map(|l| l.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect()).collect();
    let decisions: Vec<(&str, &str, &str)> = rows.iter().skip(1).map(|r| (r[0], r[1], r[2])).collect();
    assert_eq!(
        decisions,
        vec![
            ("keep", "newest 1 of 1 in family web", "ami-00000004"),
            ("delete", "unused: 97 days old, never launched", "ami-00000003"),
            ("delete", "unused: 98 days old, never launched", "ami-00000002"),
            ("keep", "in use by instance i-0abc", "ami-00000001"),
        ]
    );
    assert_eq!(rows[2][7..], ["no", "snap-3", "permanent"]);
    assert_eq!(ran.err, "amitools: 4 image(s): keep 2, delete 2; nothing was deleted (--apply deletes)\n");
    assert!(fake.deregistered.borrow().is_empty());
    assert_eq!(fake.reference_calls.get(), 1, "the three candidates, in one call");
    assert_eq!(fake.sharing_calls.get(), 2, "who may launch the two unused ones");
}

#[test]
fn prune_deletes_nowhere_when_a_region_cannot_be_read() {
    let mut fake = old_web_images();
    fake.refuse_regions = vec![region("eu-west-1")];
    let ran = run(&fake, &["prune", "--keep", "1", "--regions", "us-east-1,eu-west-1", "--apply", "-q"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert!(fake.deregistered.borrow().is_empty());
    assert_eq!(fake.reference_calls.get(), 0, "no use is worth asking about then");
    assert!(
        ran.out.contains("keep     use unknown, kept: eu-west-1 could not be read, pending copies there are unknown:"),
        "{}",
        ran.out
    );
    assert!(ran.err.starts_with("amitools: eu-west-1 skipped: DescribeImages: "), "{}", ran.err);
    assert!(ran.err.ends_with("amitools: error: nothing deleted: 1 region(s) could not be read\n"), "{}", ran.err);
}

#[test]
fn prune_apply_reports_each_deletion() {
    let fake = old_web_images();
    let ran = run(&fake, &["prune", "--keep", "1", "--apply", "-o", "json"]);
    assert_eq!(ran.code, ExitCode::Success, "{}", ran.err);
    let applied: serde_json::Value = serde_json::from_str(&ran.out).unwrap();
    assert_eq!(applied["plan"]["summary"], serde_json::json!({"keep": 2, "deprecate": 0, "disable": 0, "delete": 2}));
    assert_eq!(
        applied["results"],
        serde_json::json!([
            {"region": "us-east-1", "image_id": "ami-00000003", "name": "web-1700000003-123456789012343",
             "failed": false, "result": "deleted", "snapshots": [{"snapshot_id": "snap-3", "result": "success"}]},
            {"region": "us-east-1", "image_id": "ami-00000002", "name": "web-1700000002-123456789012342",
             "failed": false, "result": "deleted", "snapshots": [{"snapshot_id": "snap-2", "result": "success"}]},
        ])
    );
    assert_eq!(*fake.deregistered.borrow(), vec![id(3), id(2)]);
    assert_eq!(
        ran.err,
        "amitools: deleted 2 image(s) and 2 snapshot(s); kept 0 found in use at the re-check; 0 already gone; 0 failed\n"
    );
}

#[test]
fn prune_keeps_what_it_cannot_check_and_exits_1() {
    let mut fake = old_web_images();
    fake.references_error = Some(crate::aws::AwsErrorKind::Denied);
    let ran = run(&fake, &["prune", "--keep", "1", "--apply"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert!(fake.deregistered.borrow().is_empty());
    assert!(ran.out.contains("keep     use unknown, kept: DescribeImages: Denied"), "{}", ran.out);
    assert!(
        ran.err.ends_with(
            "amitools: error: 3 image(s) kept because what uses them, or who may launch them, could not be checked (see REASON): ami-00000003 ami-00000002 ami-00000001\n"
        ),
        "{}",
        ran.err
    );
}

// These replace integration tests that only repeated, process by process,
// what the simulator-backed tests already cover end to end.

#[test]
fn a_start_without_a_source_is_its_own_root() {
    let ran = run(&chain(), &["ancestors", "--ids", "ami-00000001"]);
    assert_eq!((ran.code, ran.out.as_str()), (ExitCode::Success, "ami-00000001\n"));
    assert_eq!(ran.err, "amitools: image ami-00000001 has no known parent\n");
}

#[test]
fn a_missing_parent_is_the_last_row() {
    let fake = FakeAws::with_images([made("us-east-1", 2, Some(("us-east-1", 1)))]);
    let ran = run(&fake, &["ancestors", "-C", "image_id,name", "ami-00000002"]);
    assert_eq!(ran.code, ExitCode::Success);
    assert_eq!(ran.out, "IMAGE_ID       NAME\nami-00000002   -\nami-00000001   (not found)\n");
    assert_eq!(ran.err, "amitools: parent ami-00000001 no longer exists or is not visible to you\n");
}

#[test]
fn a_lineage_loop_ends_with_exit_1() {
    let fake = FakeAws::with_images([
        made("us-east-1", 1, Some(("us-east-1", 2))),
        made("us-east-1", 2, Some(("us-east-1", 1))),
    ]);
    let ran = run(&fake, &["ancestors", "--ids", "ami-00000001"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert_eq!(ran.out, "ami-00000001\nami-00000002\n");
    assert!(ran.err.contains("lineage loop") && ran.err.contains("ami-00000001"), "{}", ran.err);
}

#[test]
fn children_of_an_image_that_is_not_there_is_exit_1() {
    let ran = run(&chain(), &["children", "ami-0000000f"]);
    assert_eq!(ran.code, ExitCode::Failure);
    assert_eq!(
        ran.err,
        "amitools: error: image ami-0000000f does not exist in us-east-1 (or is not visible to you), and no image names it as its source\n"
    );
}

#[test]
fn prune_descendants_of_considers_that_subtree_only() {
    let now = time::OffsetDateTime::now_utc();
    // 1 <- 2 <- 3, and 4 beside them; all old, each a family of its own.
    let images = [(1, None), (2, Some(1)), (3, Some(2)), (4, None)].map(|(n, parent)| {
        let mut image = made("us-east-1", n, parent.map(|p| ("us-east-1", p)));
        image.creation_date = Some(now - time::Duration::days(100));
        image
    });
    let fake = FakeAws::with_images(images);
    let ran = run(&fake, &["prune", "--descendants-of", "ami-00000002", "-o", "json"]);
    assert_eq!(ran.code, ExitCode::Success, "{}", ran.err);
    let plan: serde_json::Value = serde_json::from_str(&ran.out).unwrap();
    let ids: Vec<&str> = plan["images"].as_array().unwrap().iter().map(|i| i["image_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ami-00000002", "ami-00000003"]);
}

/// An own image with two snapshots, one encrypted with a customer key.
fn shareable() -> FakeAws<'static> {
    use crate::image::SnapshotSharing;
    let mut image = made("us-east-1", 1, None);
    image.usage.snapshots = vec!["snap-plain".into(), "snap-enc".into()];
    let fake = FakeAws::with_images([image]);
    for (id, encrypted) in [("snap-plain", false), ("snap-enc", true)] {
        fake.snapshots.borrow_mut().insert(
            id.into(),
            SnapshotSharing {
                snapshot_id: id.into(),
                encrypted,
                kms_key_id: encrypted.then(|| "arn:aws:kms:us-east-1:123456789012:key/k1".into()),
                volume_permissions: Vec::new(),
            },
        );
    }
    fake
}

#[test]
fn share_sends_the_encrypted_snapshot_first_and_the_image_last() {
    let fake = shareable();
    let ran = run(&fake, &["share", "ami-00000001", "--with", "210987654321"]);
    assert_eq!(ran.code, ExitCode::Success, "{}", ran.err);
    assert_eq!(
        *fake.sharing_changes.borrow(),
        [
            "add create-volume snap-enc 210987654321",
            "add create-volume snap-plain 210987654321",
            "add launch ami-00000001 210987654321",
        ]
    );
    assert!(ran.err.contains("encrypted with KMS key arn:aws:kms:us-east-1:123456789012:key/k1"), "{}", ran.err);
}

#[test]
fn a_failed_snapshot_stops_the_share_before_the_image() {
    let mut fake = shareable();
    fake.refuse_snapshot_change = Some("snap-plain".into());
    let ran = run(&fake, &["share", "ami-00000001", "--with", "210987654321"]);
    assert_eq!(ran.code, ExitCode::Failure);
    let results: Vec<&str> = ran.out.lines().skip(1).map(|l| l.split("   ").next().unwrap().trim()).collect();
    assert_eq!(results, ["added", "failed", "not done"]);
    assert_eq!(*fake.sharing_changes.borrow(), ["add create-volume snap-enc 210987654321"]);
    assert!(ran.err.contains("1 change(s) made, 1 not made"), "{}", ran.err);
}
