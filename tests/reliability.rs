//! Reliability: faults, an endpoint that goes away or is slow, bad input,
//! interrupts — with trace logging on, and no secret ever printed.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ami, credential_file, run, tagged, Sim, REGION, SECRET_KEY, SESSION_TOKEN};
use serde_json::json;

/// Fail the test if a secret shows up anywhere.
fn assert_no_secrets(what: &str, out: &str, err: &str) {
    for secret in [SECRET_KEY, SESSION_TOKEN, "filesecretfilesecret"] {
        assert!(!out.contains(secret) && !err.contains(secret), "{what}: a secret was printed");
    }
}

/// Run with trace logging, the session token set, and check for secrets.
fn traced(sim: &Sim, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) =
        run(sim.amitools().env("AWS_SESSION_TOKEN", SESSION_TOKEN).env("RUST_LOG", "trace").arg("-vvv").args(args));
    assert_no_secrets(&format!("{args:?}"), &out, &err);
    assert_ne!(code, 101, "{args:?} panicked: {err}");
    (code, out, err)
}

/// The same workload, run once without faults and once with 30% throttling
/// and 10% server errors: every command succeeds, with the same result.
#[test]
fn faults_do_not_change_results() {
    fn workload(sim: &Sim, traced_run: bool) -> Vec<String> {
        let go = |args: &[&str]| {
            let (code, out, err) = if traced_run { traced(sim, args) } else { run(sim.amitools().args(args)) };
            assert_eq!(
                code,
                0,
                "{args:?}: {}",
                err.lines().filter(|l| l.starts_with("amitools")).collect::<Vec<_>>().join("\n")
            );
            out
        };
        // Seeded lineage: a chain and a tree, the same in both runs.
        let mut images = vec![json!({"ami_id": ami(0x100), "name": "root", "creation_date": "2013-01-01T00:00:00Z"})];
        for n in 1..=12u64 {
            images.push(tagged(&ami(0x100 + n), &ami(0x100 + (n - 1) / 2), REGION, 1_366_222_705 + n as i64));
        }
        sim.register(REGION, json!(images));
        let untagged = ami(0x200);
        sim.register(REGION, json!([{"ami_id": untagged, "name": "legacy", "creation_date": "2013-04-17T18:18:25Z",
            "source_image_id": ami(0x100), "source_image_region": REGION, "source_instance_id": "i-0bbbbbbbbbbbbbbbb"}]));
        let (instance, _) = sim.run_instance(REGION);

        let mut results = vec![
            go(&["ancestors", &ami(0x10c)]),
            go(&["ancestors", "-o", "json", &ami(0x10b)]),
            go(&["children", &ami(0x100)]),
            go(&["children", "--flat", "-C", "image_id,name,origin", &ami(0x100)]),
            go(&["tag", "--from-api", &untagged]),
        ];
        let created = go(&["create", "-t", "team=web", &instance]).trim().to_string();
        go(&["waiton", &created]);
        let copied = go(&["copy", "-R", "eu-west-1", "--wait", &created]).trim().to_string();
        let cloned = go(&["clone", "--wait", &created]).trim().to_string();
        // Results independent of ids and times: the tag keys and the parent links.
        for (region, id, parent) in
            [(REGION, &created, None), ("eu-west-1", &copied, Some(&created)), (REGION, &cloned, Some(&created))]
        {
            let image = sim.image(region, id);
            let tags = image["tags"].as_object().unwrap();
            let keys: Vec<&String> = tags.keys().collect();
            results
                .push(format!("{keys:?} parent_is_created={:?}", parent.map(|p| tags["source_image"] == p.as_str())));
            results.push(format!("state={}", image["state"]));
        }
        results.push(go(&["ancestors", "--ids", &untagged]));
        results
    }

    let clean = Sim::start_with(json!({"pending_seconds": 1}));
    let expected = workload(&clean, false);

    let faulty = Sim::start_with(json!({"pending_seconds": 1, "throttle_rate": 0.3, "error_rate": 0.1, "seed": 11}));
    let got = workload(&faulty, true);
    assert_eq!(got, expected);
    let faults = faulty.control("stats", None)["faults"].as_u64().unwrap();
    assert!(faults >= 5, "only {faults} faults were injected");
}

/// The response to CreateImage/CopyImage is lost after EC2 made the image:
/// the SDK's retry meets InvalidAMIName.Duplicate, and amitools recognises
/// its own image instead of making a second one or losing the id.
#[test]
fn a_lost_response_does_not_lose_or_double_the_image() {
    let sim = Sim::start_with(json!({"lost_response_rate": 1.0, "fault_actions": ["CreateImage", "CopyImage"]}));
    let (instance, base) = sim.run_instance(REGION);
    for args in [vec!["create", instance.as_str()], vec!["create", "-n", "release 7", instance.as_str()]] {
        let (code, out, err) = traced(&sim, &args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.trim().starts_with("ami-"), "{out}");
    }
    let (_, children, _) = run(sim.amitools().args(["children", "--ids", &base]));
    assert_eq!(children.lines().count(), 3, "two images made, not more: {children}");
    assert_eq!(sim.calls("CreateImage"), 4, "each: the lost attempt, then the retry that met the name");

    let source = children.lines().nth(1).unwrap().to_string();
    // CopyImage: the first answer is lost; the retry carries the same
    // ClientToken and gets the same image back (had every answer been lost,
    // nothing could succeed).
    sim.configure(json!({"lost_response_rate": 0.0, "lose_next_responses": 1}));
    let (code, out, err) = traced(&sim, &["copy", "-R", "eu-west-1", &source]);
    assert_eq!(code, 0, "{err}");
    let copy = out.trim();
    assert_eq!(sim.image("eu-west-1", copy)["tags"]["source_image"], source.as_str());
    let (_, copies, _) = run(sim.amitools().args(["children", "--ids", "--regions", "eu-west-1", &source]));
    assert_eq!(copies, format!("{source}\n{copy}\n"));
}

#[test]
fn an_endpoint_that_goes_away_mid_wait_times_out_naming_it() {
    let mut sim = Sim::start_with(json!({"pending_seconds": 600}));
    let (instance, _) = sim.run_instance(REGION);
    let (_, id, _) = run(sim.amitools().args(["create", &instance]));
    let child = sim
        .process()
        .args(["waiton", "--timeout", "8s", id.trim()])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sim.stop();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{err}");
    assert!(err.contains("timed out after 8s") && err.contains("last state seen: pending"), "{err}");
    assert!(err.contains(&sim.url), "the message names the endpoint: {err}");
}

#[test]
fn no_endpoint_at_all_fails_every_command_fast() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let commands: &[&[&str]] = &[
        &["create", "i-12345678"],
        &["tag", "--from-api", "ami-12345678"],
        &["waiton", "ami-12345678"],
        &["ancestors", "ami-12345678"],
        &["children", "ami-12345678"],
        &["copy", "-R", "eu-west-1", "ami-12345678"],
        &["clone", "ami-12345678"],
    ];
    for args in commands {
        let started = Instant::now();
        let (code, out, err) = run(common::bare_amitools(home.path())
            .env("AWS_ACCESS_KEY_ID", "AKID")
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", REGION)
            .env("AWS_ENDPOINT_URL", &url)
            .args(*args));
        assert_eq!((code, out.as_str()), (1, ""), "{args:?}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&url), "{args:?}: {err}");
        assert_no_secrets("no endpoint", &out, &err);
    }
}

#[test]
fn a_slow_endpoint_is_waited_for() {
    let sim = Sim::start_with(json!({"latency_ms": 2000, "pending_seconds": 1}));
    let (instance, base) = sim.run_instance(REGION);
    let (code, id, err) = run(sim.amitools().args(["create", "--wait", &instance]));
    assert_eq!(code, 0, "{err}");
    let id = id.trim().to_string();
    let checks: Vec<Vec<&str>> = vec![
        vec!["ancestors", "--ids", &id],
        vec!["children", "--ids", &base],
        vec!["tag", "--from-api", &id],
        vec!["clone", &id],
    ];
    for args in checks {
        let (code, _, err) = run(sim.amitools().args(&args));
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let (code, _, err) = run(sim.amitools().args(["copy", "-R", "eu-west-1", &id]));
    assert_eq!(code, 0, "{err}");
}

/// Extra environment variables for one invocation.
type Env = Vec<(&'static str, String)>;
/// (environment, arguments, exit code, what the error message must name)
type Case = (Env, Vec<String>, i32, String);

/// At least 60 malformed invocations: each exits 2 (or 1 where only AWS can
/// know), says so in one line naming the bad value, sends nothing to EC2 when
/// the input is locally invalid, never panics, never prints a secret.
#[test]
fn malformed_invocations() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let open_file =
        credential_file(dir.path(), "open", "aws_access_key_id=A\naws_secret_access_key=filesecretfilesecret\n", 0o644);
    let bad_line = credential_file(dir.path(), "badline", "aws_access_key_id=A\nfilesecretfilesecret\n", 0o600);
    let unknown_key =
        credential_file(dir.path(), "unknown", "aws_access_key_id=A\nsecret=filesecretfilesecret\n", 0o600);
    let half = credential_file(dir.path(), "half", "aws_access_key_id=A\n", 0o600);
    let missing = dir.path().join("no-such-file").to_str().unwrap().to_string();
    let long_id = format!("i-{}", "a".repeat(10_000));
    let long_name = "n".repeat(129);
    let long_desc = "d".repeat(256);
    let long_key = format!("{}=v", "k".repeat(129));
    let tag_ok = ["--source-image", "ami-12345678", "--source-instance", "i-12345678", "--source-region", "us-east-1"];
    let with_tag = |extra: &[&str]| -> Vec<String> {
        ["tag", "ami-12345678"].iter().chain(tag_ok.iter()).chain(extra.iter()).map(|s| s.to_string()).collect()
    };

    let mut cases: Vec<Case> = Vec::new();
    let mut add = |args: &[&str], code: i32, named: &str| {
        cases.push((vec![], args.iter().map(|s| s.to_string()).collect(), code, named.to_string()))
    };
    // Ids of every kind.
    add(&["create", "i-123"], 2, "'i-123'");
    add(&["create", "i-0123456789abcdef"], 2, "'i-0123456789abcdef'");
    add(&["create", "I-12345678"], 2, "'I-12345678'");
    add(&["create", "ami-12345678"], 2, "'ami-12345678'");
    add(&["create", ""], 2, "''");
    add(&["create", "i-12345678 "], 2, "'i-12345678 '");
    add(&["create", "i-1234567g"], 2, "'i-1234567g'");
    add(&["create", "i-é2345678"], 2, "'i-é2345678'");
    add(&["create", &long_id], 2, "'i-aaaaaaaa");
    add(&["waiton", "ami-123"], 2, "'ami-123'");
    add(&["waiton", "AMI-12345678"], 2, "'AMI-12345678'");
    add(&["waiton", ""], 2, "''");
    add(&["waiton", "ami-ZZZZZZZZ"], 2, "'ami-ZZZZZZZZ'");
    add(&["ancestors", "ami-0123456789abcdef01"], 2, "'ami-0123456789abcdef01'");
    add(&["children", "ami-"], 2, "'ami-'");
    add(&["copy", "ami-1"], 2, "'ami-1'");
    add(&["clone", "ami-1"], 2, "'ami-1'");
    add(&["tag", "ami-1", "--from-api"], 2, "'ami-1'");
    add(&["tag", "ami-12345678", "--source-image", "ami-bad", "--create-timestamp", "1"], 2, "'ami-bad'");
    add(&["tag", "ami-12345678", "--source-instance", "i-bad", "--create-timestamp", "1"], 2, "'i-bad'");
    add(&["tag", "ami-12345678", "--source-region", "moon", "--create-timestamp", "1"], 2, "'moon'");
    // Dates and timestamps.
    for (flag, value) in [
        ("--create-date", "20131301T000000Z"),
        ("--create-date", "20130229T000000Z"),
        ("--create-date", "20130230T000000Z"),
        ("--create-date", "2013-01-01T00:00:00Z"),
        ("--create-date", "20130101T250000Z"),
        ("--create-date", "19691231T235959Z"),
        ("--create-date", "２0130101T000000Z"),
        ("--create-timestamp", "-1"),
        ("--create-timestamp", "253402300800"),
        ("--create-timestamp", "abc"),
        ("--create-timestamp", "1e9"),
        ("--create-timestamp", "99999999999999999999"),
    ] {
        let args = with_tag(&[flag, value]);
        cases.push((vec![], args, 2, format!("'{value}'")));
    }
    let mut add = |args: &[&str], code: i32, named: &str| {
        cases.push((vec![], args.iter().map(|s| s.to_string()).collect(), code, named.to_string()))
    };
    add(&["tag", "ami-12345678", "--create-date", "", "--from-api"], 2, "''");
    add(&["tag", "ami-12345678", "--create-timestamp", "", "--from-api"], 2, "''");
    // Conflicting or missing flags.
    add(
        &["tag", "ami-12345678", "--from-api", "--create-date", "20130101T000000Z", "--create-timestamp", "1"],
        2,
        "--create-timestamp",
    );
    add(&["tag", "ami-12345678", "--source-image", "ami-12345678"], 2, "--create-date or --create-timestamp");
    add(&["waiton", "--nowait-exist", "ami-12345678", "exists"], 2, "--nowait-exist");
    add(&["create", "-n", "web", "-N", "x", "i-12345678"], 2, "--random-name-prefix");
    add(&["create", "--dry-run", "--wait", "i-12345678"], 2, "--dry-run");
    add(&["children", "--flat", "--ids", "ami-12345678"], 2, "--flat");
    add(&["children", "--regions", "us-east-1", "--all-regions", "ami-12345678"], 2, "--all-regions");
    add(&["ancestors", "--ids", "-C", "name", "ami-12345678"], 2, "--ids");
    add(&["-q", "-v", "ancestors", "ami-12345678"], 2, "--quiet");
    add(&["copy", "--kms-key-id", "alias/k", "ami-12345678"], 2, "--encrypted");
    add(&["copy", "--encrypted", "--kms-key-id", "bad key", "ami-12345678"], 2, "'bad key'");
    add(&["clone", "-R", "eu-west-1", "ami-12345678"], 2, "'-R'");
    // Names and descriptions.
    add(&["create", "-n", "ab", "i-12345678"], 2, "'ab'");
    add(&["create", "-n", "a#b", "i-12345678"], 2, "'a#b'");
    add(&["create", "-n", &long_name, "i-12345678"], 2, "129");
    add(&["create", "-N", "", "i-12345678"], 2, "''");
    add(&["create", "-N", "bad#", "i-12345678"], 2, "'bad#'");
    add(&["create", "-d", &long_desc, "i-12345678"], 2, "256");
    add(&["copy", "-n", "x", "ami-12345678"], 2, "'x'");
    // Tags.
    add(&["create", "-t", "novalue", "i-12345678"], 2, "'novalue'");
    add(&["create", "-t", "=v", "i-12345678"], 2, "'=v'");
    add(&["create", "-t", "aws:x=1", "i-12345678"], 2, "'aws:x=1'");
    add(&["create", "-t", "source_image=x", "i-12345678"], 2, "source_image");
    add(&["create", "-t", "k=1", "-t", "k=2", "i-12345678"], 2, "k");
    add(&["create", "-t", &long_key, "i-12345678"], 2, "kkkk");
    // Columns and states.
    add(&["ancestors", "-C", "colour", "ami-12345678"], 2, "'colour'");
    add(&["ancestors", "-C", "", "ami-12345678"], 2, "--columns");
    add(&["children", "-C", "image_id,,name", "ami-12345678"], 2, "--columns");
    add(&["waiton", "ami-12345678", "availble"], 2, "'availble'");
    add(&["waiton", "ami-12345678", ""], 2, "[STATE]");
    // Durations and counts.
    add(&["waiton", "--timeout", "0", "ami-12345678"], 2, "'0'");
    add(&["waiton", "--timeout", "-5m", "ami-12345678"], 2, "'-5m'");
    add(&["waiton", "--timeout", "1.5h", "ami-12345678"], 2, "'1.5h'");
    add(&["waiton", "--interval", "abc", "ami-12345678"], 2, "'abc'");
    add(&["waiton", "--exist-timeout", "30m1h", "ami-12345678"], 2, "'30m1h'");
    add(&["waiton", "--timeout", "99999999999999999999s", "ami-12345678"], 2, "'99999999999999999999s'");
    add(&["ancestors", "--max-depth", "0", "ami-12345678"], 2, "'0'");
    add(&["ancestors", "--max-depth", "-1", "ami-12345678"], 2, "'-1'");
    add(&["ancestors", "--max-depth", "99999999999", "ami-12345678"], 2, "'99999999999'");
    add(&["children", "--depth", "abc", "ami-12345678"], 2, "'abc'");
    // Regions.
    add(&["-r", "us east 1", "ancestors", "ami-12345678"], 2, "'us east 1'");
    add(&["-r", "", "ancestors", "ami-12345678"], 2, "''");
    add(&["copy", "-R", "mars", "ami-12345678"], 2, "'mars'");
    add(&["children", "--regions", "us-east-1,nowhere", "ami-12345678"], 2, "'nowhere'");
    add(&["--endpoint-url", "ftp://x", "ancestors", "ami-12345678"], 2, "'ftp://x'");
    // Unknown words.
    add(&["frobnicate"], 2, "'frobnicate'");
    add(&["ancestors", "--frobnicate", "ami-12345678"], 2, "'--frobnicate'");
    add(&["create"], 2, "<INSTANCE_ID>");
    // Only AWS can know these are wrong: exit 1 (or waiton's own codes).
    add(&["ancestors", "ami-0fffffffffffffff0"], 1, "ami-0fffffffffffffff0");
    add(&["create", "i-0fffffffffffffff0"], 1, "i-0fffffffffffffff0");
    add(&["copy", "-R", "eu-west-1", "ami-0fffffffffffffff0"], 1, "ami-0fffffffffffffff0");
    add(&["waiton", "--nowait-exist", "ami-0fffffffffffffff0"], 5, "ami-0fffffffffffffff0");
    // The environment and credential files.
    let env_cases: Vec<(Env, i32, String)> = vec![
        (vec![("AWS_CREDENTIAL_FILE", open_file.clone())], 2, "chmod 600".into()),
        (vec![("AWS_CREDENTIAL_FILE", bad_line.clone())], 2, "line 2".into()),
        (vec![("AWS_CREDENTIAL_FILE", unknown_key.clone())], 2, "'secret'".into()),
        (vec![("AWS_CREDENTIAL_FILE", half.clone())], 2, half.clone()),
        (vec![("AWS_CREDENTIAL_FILE", missing.clone())], 2, missing.clone()),
        (vec![("AWS_ENDPOINT_URL", "not a url".into())], 2, "'not a url'".into()),
        (vec![("AWS_REGION", "invalid".into())], 2, "'invalid'".into()),
        (vec![("AWS_SECRET_ACCESS_KEY", String::new())], 2, "AWS_SECRET_ACCESS_KEY".into()),
    ];
    for (env, code, named) in env_cases {
        cases.push((env, vec!["ancestors".into(), "ami-12345678".into()], code, named));
    }
    assert!(cases.len() >= 60, "{} cases", cases.len());

    for (env, args, code, named) in &cases {
        sim.reset_stats();
        let mut cmd = sim.amitools();
        cmd.env("AWS_SESSION_TOKEN", SESSION_TOKEN).env("RUST_LOG", "trace");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let (got, out, err) = run(cmd.args(args));
        let what = format!("{env:?} {args:?}");
        assert_eq!(got, *code, "{what}: {err}");
        assert_ne!(got, 101, "{what} panicked");
        assert_no_secrets(&what, &out, &err);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("amitools: error: ")).collect();
        assert_eq!(errors.len(), 1, "{what}: {err}");
        assert!(errors[0].contains(named.as_str()), "{what}: does not name {named}: {}", errors[0]);
        assert!(errors[0].len() < 600, "{what}: {} characters", errors[0].len());
        if *code == 2 {
            assert_eq!(err.lines().count(), 1, "{what}: {err}");
            assert_eq!(sim.total_calls(), 0, "{what}: a locally invalid input reached EC2");
        }
    }
}

/// Ctrl-C during any command: the process dies by SIGINT (the shell shows 130), promptly.
#[test]
fn ctrl_c_during_any_command_ends_it_by_the_signal() {
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let (instance, _) = sim.run_instance(REGION);
    let (_, id, _) = run(sim.amitools().args(["create", &instance]));
    let id = id.trim().to_string();
    sim.configure(json!({"latency_ms": 5000}));
    let commands: Vec<Vec<&str>> = vec![
        vec!["create", &instance],
        vec!["tag", "--from-api", &id],
        vec!["waiton", &id],
        vec!["ancestors", &id],
        vec!["children", &id],
        vec!["copy", "-R", "eu-west-1", &id],
        vec!["clone", &id],
    ];
    let children: Vec<_> = commands
        .iter()
        .map(|args| (args.clone(), sim.process().args(args).stderr(Stdio::piped()).spawn().unwrap()))
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    let interrupted = Instant::now();
    for (_, child) in &children {
        std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    }
    for (args, child) in children {
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&output.status),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(interrupted.elapsed() < Duration::from_secs(2), "{:?}", interrupted.elapsed());
}

#[test]
fn simulator_counts_what_the_bad_input_test_relies_on() {
    // The zero-request assertions above mean something only if requests are counted.
    let sim = Sim::start();
    let (code, _, _) = run(sim.amitools().args(["ancestors", "ami-0fffffffffffffff0"]));
    assert_eq!(code, 1);
    // GetImageAncestry answers "not found", then one DescribeImages says the same.
    assert_eq!(sim.calls("GetImageAncestry"), 1, "{}", sim.stats());
    assert_eq!(sim.calls("DescribeImages"), 1, "{}", sim.stats());
    assert_eq!(sim.total_calls(), 2, "{}", sim.stats());
}
