//! `amitools create` and `amitools tag` against the simulator.

mod common;

use common::{run, Sim, REGION};
use serde_json::{json, Value};

/// Create an image and return (exit code, id printed, stderr).
fn create(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run(sim.amitools().arg("create").args(args));
    (code, out.trim().to_string(), err)
}

fn tags_of(sim: &Sim, id: &str) -> Value {
    sim.image(REGION, id)["tags"].clone()
}

/// The five lineage tags, checked exactly; returns the timestamp.
fn assert_lineage(tags: &Value, source_image: &str, source_instance: &str, before: i64, after: i64) -> i64 {
    assert_eq!(tags["source_image"], source_image, "{tags}");
    assert_eq!(tags["source_instance"], source_instance, "{tags}");
    assert_eq!(tags["source_region"], REGION, "{tags}");
    let ts: i64 = tags["create_timestamp"].as_str().unwrap().parse().unwrap();
    assert!((before..=after).contains(&ts), "{ts} not in {before}..={after}");
    let date = time::OffsetDateTime::from_unix_timestamp(ts)
        .unwrap()
        .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
        .unwrap();
    assert_eq!(tags["create_date"], date.as_str(), "date and timestamp disagree");
    ts
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[test]
fn create_names_and_tags_the_image_atomically() {
    let sim = Sim::start();
    let (instance, base) = sim.run_instance(REGION);
    let before = now();
    let (code, id, err) = create(&sim, &[&instance]);
    let after = now();
    assert_eq!(code, 0, "{err}");
    assert!(id.starts_with("ami-") && !id.contains('\n'), "stdout is the id alone: {id:?}");

    let image = sim.image(REGION, &id);
    let ts = assert_lineage(&image["tags"], &base, &instance, before, after);
    assert_eq!(image["tags"].as_object().unwrap().len(), 5);
    assert_eq!(image["snapshot_tags"], image["tags"], "the snapshots carry the lineage too");
    // AMI-<unix seconds>-<15-digit random number>
    let name = image["name"].as_str().unwrap();
    let parts: Vec<&str> = name.split('-').collect();
    assert_eq!(parts.len(), 3, "{name}");
    assert_eq!(parts[0], "AMI");
    assert_eq!(parts[1], ts.to_string());
    assert!(parts[2].len() == 15 && parts[2].bytes().all(|b| b.is_ascii_digit()), "{name}");
    // One look at the instance, one CreateImage with the tags in it, no separate CreateTags.
    assert_eq!(sim.stats(), json!({"DescribeInstances": 1, "CreateImage": 1}));
}

#[test]
fn name_prefix_and_explicit_name() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    let (code, id, _) = create(&sim, &["-N", "web", &instance]);
    assert_eq!(code, 0);
    assert!(sim.image(REGION, &id)["name"].as_str().unwrap().starts_with("web-"));

    let (code, id, _) = create(&sim, &["-n", "web (prod) v1.2", "-d", "nightly build", &instance]);
    assert_eq!(code, 0);
    let image = sim.image(REGION, &id);
    assert_eq!(
        (image["name"].as_str(), image["description"].as_str()),
        (Some("web (prod) v1.2"), Some("nightly build"))
    );
}

#[test]
fn a_clashing_generated_name_is_replaced() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    sim.configure(json!({"duplicate_names": 2}));
    let (code, id, err) = create(&sim, &[&instance]);
    assert_eq!(code, 0, "{err}");
    assert!(id.starts_with("ami-"));
    assert_eq!(sim.calls("CreateImage"), 3, "two clashes, then success");
}

#[test]
fn a_clashing_explicit_name_is_an_error_naming_it() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    assert_eq!(create(&sim, &["-n", "release-42", &instance]).0, 0);
    sim.reset_stats();
    let (code, out, err) = create(&sim, &["-n", "release-42", &instance]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("'release-42'") && err.contains("already in use"), "{err}");
    assert_eq!(sim.calls("CreateImage"), 1, "an explicit name is not retried");
}

#[test]
fn extra_tags_merge_but_cannot_override_lineage() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    let (code, id, err) = create(&sim, &["-t", "team=infra", "--tag", "build=42", &instance]);
    assert_eq!(code, 0, "{err}");
    let tags = tags_of(&sim, &id);
    assert_eq!((tags["team"].as_str(), tags["build"].as_str()), (Some("infra"), Some("42")));
    assert_eq!(tags.as_object().unwrap().len(), 7);

    sim.reset_stats();
    for bad in ["source_image=ami-12345678", "create_date=x", "aws:foo=bar", "novalue", "=v"] {
        let (code, _, err) = create(&sim, &["-t", bad, &instance]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn dry_run_checks_and_creates_nothing() {
    let sim = Sim::start();
    let (instance, base) = sim.run_instance(REGION);
    let (code, out, err) = create(&sim, &["--dry-run", &instance]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("dry run: CreateImage would succeed"), "{err}");
    assert_eq!(sim.stats(), json!({"DescribeInstances": 1, "CreateImage": 1}));
    // Nothing was made: the instance's AMI has no children.
    let (_, out, _) = run(sim.amitools().args(["children", "--ids", &base]));
    assert_eq!(out, format!("{base}\n"));

    sim.configure(json!({"deny_actions": ["CreateImage"]}));
    let (code, _, err) = create(&sim, &["--dry-run", &instance]);
    assert_eq!(code, 1);
    assert!(err.contains("UnauthorizedOperation") && err.contains("ec2:CreateImage"), "{err}");
}

#[test]
fn unknown_instance_and_missing_permission() {
    let sim = Sim::start();
    let (code, out, err) = create(&sim, &["i-0123456789abcdef0"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("i-0123456789abcdef0") && err.contains("InvalidInstanceID.NotFound"), "{err}");
    assert_eq!(sim.calls("CreateImage"), 0);

    let (instance, _) = sim.run_instance(REGION);
    sim.configure(json!({"deny_actions": ["CreateImage"]}));
    let (code, _, err) = create(&sim, &[&instance]);
    assert_eq!(code, 1);
    assert!(err.contains("CreateImage") && err.contains("UnauthorizedOperation"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn json_output() {
    let sim = Sim::start();
    let (instance, base) = sim.run_instance(REGION);
    let (code, out, _) = run(sim.amitools().args(["create", "-o", "json", "-n", "json-test", &instance]));
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let id = report["image_id"].as_str().unwrap();
    assert_eq!(report["name"], "json-test");
    assert_eq!(report["region"], REGION);
    assert_eq!(report["tags"], tags_of(&sim, id));
    assert_eq!(report["tags"]["source_image"], base.as_str());
}

#[test]
fn create_wait_prints_the_id_then_waits() {
    let sim = Sim::start_with(json!({"pending_seconds": 2}));
    let (instance, _) = sim.run_instance(REGION);
    let (code, id, err) = create(&sim, &["--wait", &instance]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.image(REGION, &id)["state"], "available");
}

#[test]
fn create_wait_that_fails_still_prints_the_id_first() {
    use std::io::{BufRead, BufReader};
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let (instance, _) = sim.run_instance(REGION);
    let mut child = sim
        .process()
        .args(["create", "--wait", &instance])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut id = String::new();
    stdout.read_line(&mut id).unwrap();
    let id = id.trim().to_string();
    assert!(id.starts_with("ami-"), "the id comes first: {id:?}");
    sim.set_state(REGION, &id, "failed");
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("image {id} exists, but")) && err.contains("failed"), "{err}");
}

fn tag(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    run(sim.amitools().arg("tag").args(args))
}

/// An image with no lineage tags, as if made by another pipeline.
fn foreign_image(sim: &Sim, recorded: bool) -> String {
    let mut image = json!({"name": "made-elsewhere", "creation_date": "2013-04-17T18:18:25Z"});
    if recorded {
        image["source_image_id"] = json!("ami-0aaaaaaaaaaaaaaaa");
        image["source_image_region"] = json!("us-west-2");
        image["source_instance_id"] = json!("i-0bbbbbbbbbbbbbbbb");
    }
    sim.register(REGION, json!([image])).remove(0)
}

#[test]
fn tag_with_either_date_form() {
    let sim = Sim::start();
    let id = foreign_image(&sim, false);
    let base = ["--source-image", "ami-12345678", "--source-instance", "i-12345678", "--source-region", "us-west-2"];
    let (code, out, err) = tag(&sim, &[&[id.as_str()][..], &base, &["--create-date", "20130417T181825Z"]].concat());
    assert_eq!(code, 0, "{err}");
    let expected = json!({
        "create_date": "20130417T181825Z", "create_timestamp": "1366222705", "source_image": "ami-12345678",
        "source_instance": "i-12345678", "source_region": "us-west-2",
    });
    assert_eq!(tags_of(&sim, &id), expected);
    assert!(out.contains("create_timestamp   1366222705"), "{out}");
    assert_eq!(sim.stats(), json!({"CreateTags": 1, "DescribeRegions": 1}), "one CreateTags, one region check");

    let id2 = foreign_image(&sim, false);
    let (code, _, _) = tag(&sim, &[&[id2.as_str()][..], &base, &["--create-timestamp", "1366222705"]].concat());
    assert_eq!(code, 0);
    assert_eq!(tags_of(&sim, &id2), expected);
}

#[test]
fn tag_keeps_other_tags() {
    let sim = Sim::start();
    let id = sim.register(REGION, json!([{"tags": {"team": "web"}}])).remove(0);
    let (code, _, err) = tag(
        &sim,
        &[
            &id,
            "--source-image",
            "ami-12345678",
            "--source-instance",
            "i-12345678",
            "--source-region",
            "us-east-1",
            "--create-timestamp",
            "0",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let tags = tags_of(&sim, &id);
    assert_eq!(tags["team"], "web");
    assert_eq!(tags["create_date"], "19700101T000000Z");
}

#[test]
fn tag_refuses_invalid_input_before_any_call() {
    let sim = Sim::start();
    let ok = ["--source-image", "ami-12345678", "--source-instance", "i-12345678", "--source-region", "us-east-1"];
    let id = "ami-0123456789abcdef0";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            [&[id][..], &ok, &["--create-date", "20130101T000000Z", "--create-timestamp", "5"]].concat(),
            "--create-timestamp",
        ),
        ([&[id][..], &ok].concat(), "--create-date or --create-timestamp"),
        (vec![id, "--create-timestamp", "5"], "--source-image"),
        ([&["ami-1234"][..], &ok, &["--create-timestamp", "5"]].concat(), "'ami-1234'"),
        (
            [
                &[id][..],
                &[
                    "--source-image",
                    "ami-XYZ12345",
                    "--source-instance",
                    "i-12345678",
                    "--source-region",
                    "us-east-1",
                    "--create-timestamp",
                    "5",
                ],
            ]
            .concat(),
            "'ami-XYZ12345'",
        ),
        (
            [
                &[id][..],
                &[
                    "--source-image",
                    "ami-12345678",
                    "--source-instance",
                    "i-1",
                    "--source-region",
                    "us-east-1",
                    "--create-timestamp",
                    "5",
                ],
            ]
            .concat(),
            "'i-1'",
        ),
        (
            [
                &[id][..],
                &[
                    "--source-image",
                    "ami-12345678",
                    "--source-instance",
                    "i-12345678",
                    "--source-region",
                    "useast1",
                    "--create-timestamp",
                    "5",
                ],
            ]
            .concat(),
            "'useast1'",
        ),
        ([&[id][..], &ok, &["--create-date", "20130230T000000Z"]].concat(), "'20130230T000000Z'"),
        ([&[id][..], &ok, &["--create-date", "20131301T000000Z"]].concat(), "'20131301T000000Z'"),
        ([&[id][..], &ok, &["--create-date", "2013-01-01"]].concat(), "'2013-01-01'"),
        ([&[id][..], &ok, &["--create-timestamp", "-1"]].concat(), "'-1'"),
        ([&[id][..], &ok, &["--create-timestamp", "253402300800"]].concat(), "'253402300800'"),
        ([&[id][..], &ok, &["--create-timestamp", "soon"]].concat(), "'soon'"),
        ([&[id][..], &ok, &["--create-timestamp", ""]].concat(), "''"),
    ];
    for (args, named) in cases {
        let (code, out, err) = tag(&sim, &args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn tag_from_api_fills_what_ec2_recorded() {
    let sim = Sim::start();
    let id = foreign_image(&sim, true);
    let (code, _, err) = tag(&sim, &[&id, "--from-api"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tags_of(&sim, &id),
        json!({
            "create_date": "20130417T181825Z", "create_timestamp": "1366222705", "source_image": "ami-0aaaaaaaaaaaaaaaa",
            "source_instance": "i-0bbbbbbbbbbbbbbbb", "source_region": "us-west-2",
        })
    );
    assert!(err.contains("source_image=ami-0aaaaaaaaaaaaaaaa (from EC2: SourceImageId)"), "{err}");
    assert_eq!(sim.stats(), json!({"DescribeImages": 1, "CreateTags": 1}));

    // Given values win over recorded ones.
    let (code, _, err) = tag(&sim, &[&id, "--from-api", "--source-region", "eu-west-1"]);
    assert_eq!(code, 0);
    assert_eq!(tags_of(&sim, &id)["source_region"], "eu-west-1");
    assert!(err.contains("source_region=eu-west-1 (given)"), "{err}");
}

#[test]
fn tag_from_api_names_what_ec2_did_not_record() {
    let sim = Sim::start();
    let id = foreign_image(&sim, false);
    let (code, _, err) = tag(&sim, &[&id, "--from-api"]);
    assert_eq!(code, 1);
    assert!(err.contains("source_image") && err.contains("SourceImageId") && err.contains("--source-image"), "{err}");
    assert_eq!(sim.calls("CreateTags"), 0);

    let (code, _, err) = tag(&sim, &["ami-0cccccccccccccccc", "--from-api"]);
    assert_eq!(code, 1);
    assert!(err.contains("ami-0cccccccccccccccc") && err.contains("does not exist"), "{err}");
}

#[test]
fn tag_dry_run_sets_nothing() {
    let sim = Sim::start();
    let id = foreign_image(&sim, true);
    let (code, out, err) = tag(&sim, &[&id, "--from-api", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("source_image") && out.contains("ami-0aaaaaaaaaaaaaaaa"), "{out}");
    assert!(err.contains("dry run"), "{err}");
    assert_eq!(tags_of(&sim, &id), json!({}));
}

#[test]
fn tag_without_a_source_instance_leaves_that_tag_off() {
    // An image made by CopyImage or RegisterImage has no source instance.
    let sim = Sim::start();
    let id = sim.register(REGION, json!([{"name": "registered"}])).remove(0);
    let args = [
        id.as_str(),
        "--source-image",
        "ami-12345678",
        "--source-region",
        "us-east-1",
        "--create-timestamp",
        "1366222705",
    ];
    let (code, _, err) = tag(&sim, &args);
    assert_eq!(code, 0, "{err}");
    let tags = tags_of(&sim, &id);
    assert_eq!(
        tags,
        json!({"source_image": "ami-12345678", "source_region": "us-east-1", "create_date": "20130417T181825Z",
               "create_timestamp": "1366222705"})
    );
    let (code, out, err) =
        run(sim.amitools().args(["ancestors", "-C", "image_id,source_instance", "--no-header", &id]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().next().unwrap(), format!("{id}   -"));
    // --from-api on an image EC2 records no instance for: left off, said on stderr.
    let copy = sim
        .register(REGION, json!([{"source_image_id": "ami-12345678", "source_image_region": "us-east-1"}]))
        .remove(0);
    let (code, _, err) = tag(&sim, &[copy.as_str(), "--from-api"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("source_instance: none"), "{err}");
    assert!(tags_of(&sim, &copy).get("source_instance").is_none());
}

#[test]
fn create_wait_takes_a_timeout() {
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let (instance, _) = sim.run_instance(REGION);
    let started = std::time::Instant::now();
    let (code, out, err) = create(&sim, &["--wait", "--timeout", "2s", &instance]);
    assert_eq!(code, 4, "{err}");
    assert!(out.trim().starts_with("ami-"), "the id is printed first: {out}");
    assert!(err.contains("timed out after 2s") && err.contains("exists"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(6), "{:?}", started.elapsed());
    // --timeout without --wait is a usage error.
    let (code, _, err) = create(&sim, &["--timeout", "2s", &instance]);
    assert_eq!(code, 2, "{err}");
}
