//! What breaking amitools on purpose found (issue 16): hostile input, hostile
//! endpoints, secrets, untrusted text. Each test failed before its fix.

mod common;

use std::os::unix::ffi::OsStringExt;
use std::time::{Duration, Instant};

use common::{ami, credential_file, run, tagged, Sim, REGION, SECRET_KEY};
use serde_json::{json, Value};

const T0: i64 = 1_366_222_705;

/// `ancestors` with this text as the AWS_CREDENTIAL_FILE (mode 0600) and no keys in the environment.
fn with_credential_file(sim: &Sim, text: &str) -> ((i32, String, String), String) {
    let dir = tempfile::tempdir().unwrap();
    let file = credential_file(dir.path(), "creds", text, 0o600);
    let result = run(sim
        .amitools()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CREDENTIAL_FILE", &file)
        .args(["ancestors", "ami-12345678"]));
    (result, file)
}

/// Exactly one line on stderr, the error, naming `named`; nothing sent to EC2.
fn assert_bad_input(sim: &Sim, (code, out, err): (i32, String, String), named: &str, secret: &str) {
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("amitools: error: ") && err.contains(named), "does not name {named}: {err}");
    assert!(!err.contains(secret), "the value was echoed: {err}");
    assert_eq!(sim.total_calls(), 0, "bad input reached EC2");
}

#[test]
fn a_control_character_in_a_key_is_bad_input_not_a_panic() {
    let sim = Sim::start();
    for variable in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        let value = format!("AKIAFAKEVALUE{variable}\r");
        for command in [&["ancestors", "ami-12345678"][..], &["children", "ami-12345678"], &["waiton", "ami-12345678"]]
        {
            let result = run(sim.amitools().env(variable, &value).args(command));
            assert_bad_input(&sim, result, variable, &value[..12]);
        }
    }
    let (result, file) =
        with_credential_file(&sim, "aws_access_key_id = AKIAFAKE\naws_secret_access_key = abc\u{1}defsecretsecret\n");
    assert_bad_input(&sim, result, &format!("{file}, line 2"), "defsecretsecret");
}

#[test]
fn a_forgotten_equals_sign_does_not_echo_the_token() {
    let sim = Sim::start();
    let token = "IQoJb3JpZ2luX2VjEJrSECretTokenValue==";
    let (result, _) = with_credential_file(
        &sim,
        &format!("aws_access_key_id=AKIAFAKE\naws_secret_access_key=secretsecret\naws_session_token {token}\n"),
    );
    assert_bad_input(&sim, result, "line 3", "IQoJ");
}

#[test]
fn credential_and_config_files_must_be_small_regular_files() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let sparse = dir.path().join("sparse");
    std::fs::File::create(&sparse).unwrap().set_len(3 << 30).unwrap();
    let zero = dir.path().join("zero");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for path in [&fifo, &sparse, &zero] {
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).ok();
        let path = path.to_str().unwrap();
        for variable in ["AWS_CREDENTIAL_FILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
            let started = Instant::now();
            let result = run(sim.amitools().env(variable, path).args(["ancestors", "ami-12345678"]));
            assert!(started.elapsed() < Duration::from_secs(10), "{variable}={path} took {:?}", started.elapsed());
            assert_bad_input(&sim, result, path, "\0");
        }
    }
    // ~/.aws/config itself, found through HOME.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", home.path().join(".aws/config")).unwrap();
    let result = run(sim.amitools().env("HOME", home.path()).args(["ancestors", "ami-12345678"]));
    assert_bad_input(&sim, result, ".aws/config", "\0");
}

#[test]
fn a_credential_file_path_that_is_not_utf8_is_refused() {
    let sim = Sim::start();
    let path = std::ffi::OsString::from_vec(b"/tmp/creds-\xff".to_vec());
    let result = run(sim.amitools().env("AWS_CREDENTIAL_FILE", path).args(["ancestors", "ami-12345678"]));
    assert_bad_input(&sim, result, "AWS_CREDENTIAL_FILE", "\u{fffd}");
}

#[test]
fn a_malformed_endpoint_url_is_bad_input() {
    let sim = Sim::start();
    for url in ["http://[", "http://"] {
        let result = run(sim.amitools().args(["--endpoint-url", url, "ancestors", "ami-12345678"]));
        assert_bad_input(&sim, result, &format!("'{url}'"), "\0");
    }
    // A password in the URL is never echoed, from the flag or the variable.
    let url = "https://ci:Secret@proxy.example";
    let result = run(sim.amitools().args(["--endpoint-url", url, "ancestors", "ami-12345678"]));
    assert_bad_input(&sim, result, "'https://***@proxy.example' holds a user name or password", "Secret");
    let result = run(sim.amitools().env("AWS_ENDPOINT_URL", url).args(["ancestors", "ami-12345678"]));
    assert_bad_input(&sim, result, "AWS_ENDPOINT_URL: 'https://***@proxy.example' holds a user name", "Secret");
}

/// `export AWS_ENDPOINT_URL=` means "unset" to a shell user; the SDK took
/// it for an endpoint and panicked ("URL was unset").
#[test]
fn an_empty_endpoint_variable_is_no_endpoint_not_a_panic() {
    let sim = Sim::start();
    let id = sim.register("us-east-1", serde_json::json!([{"ami_id": "ami-12345678"}])).remove(0);
    let (code, out, err) = run(sim
        .amitools()
        .env("AWS_ENDPOINT_URL_EC2", &sim.url)
        .env("AWS_ENDPOINT_URL", "")
        .env("AWS_ENDPOINT_URL_STS", "")
        .args(["ancestors", "--ids", &id]));
    assert_eq!((code, out), (0, format!("{id}\n")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn no_dependency_log_line_carries_a_credentials_file() {
    let sim = Sim::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    let secret = "wJalrXUtnFEMIfromTHEfileK7MDENGbPxRfiCY";
    let mut text = b"[default]\n# caf\xe9 comment\naws_access_key_id = AKIAFILEKEY\n".to_vec();
    text.extend(format!("aws_secret_access_key = {secret}\nregion = us-east-1\n").bytes());
    std::fs::write(home.path().join(".aws/credentials"), text).unwrap();
    let as_bytes = format!("{:?}", secret.as_bytes());
    let as_bytes = as_bytes.trim_matches(['[', ']']);
    for (verbosity, rust_log) in [(None, None), (Some("-vvv"), None), (Some("-vvv"), Some("trace"))] {
        let mut cmd = sim.amitools();
        cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY").env("HOME", home.path());
        if let Some(level) = rust_log {
            cmd.env("RUST_LOG", level);
        }
        if let Some(flag) = verbosity {
            cmd.arg(flag);
        }
        let (code, out, err) = run(cmd.args(["ancestors", "ami-12345678"]));
        assert_ne!(code, 101, "{err}");
        for rendering in [secret, &as_bytes[..40], "119, 74, 97, 108, 114, 88"] {
            assert!(!out.contains(rendering) && !err.contains(rendering), "{verbosity:?} {rust_log:?}: {err}");
        }
    }
}

#[test]
fn untrusted_names_are_escaped_in_tables_and_trees() {
    let sim = Sim::start();
    let root = ami(0x1000);
    let child = ami(0x1001);
    let mut image = tagged(&child, &root, REGION, T0);
    image["name"] = json!("web\r\nami-0fake0000000000000   fake row\u{9b}31m\u{202e}evil");
    sim.register(REGION, json!([{"ami_id": root, "name": "root"}, image]));
    let (code, out, _) = run(sim.amitools().args(["ancestors", "-C", "image_id,name", "--no-header", &child]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!("{child}   web\\r\\nami-0fake0000000000000   fake row\\u{{9b}}31m\\u{{202e}}evil\n{root}   root\n")
    );
    let (code, out, _) = run(sim.amitools().args(["children", &root]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("\\r\\nami-0fake") && !out.contains('\u{202e}') && !out.contains('\u{9b}'), "{out}");
    // JSON keeps the text as it is: its escaping is JSON's.
    let (_, out, _) = run(sim.amitools().args(["ancestors", "-o", "json", &child]));
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["name"], "web\r\nami-0fake0000000000000   fake row\u{9b}31m\u{202e}evil");
}

#[test]
fn a_dry_run_reports_no_image_id() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    let (code, out, err) = run(sim.amitools().args(["create", "--dry-run", "-o", "json", &instance]));
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["image_id"], Value::Null);
    assert_eq!(report["dry_run"], true);
}

#[test]
fn a_deep_lineage_neither_overflows_nor_lists_each_generation_forever() {
    let sim = Sim::start();
    let count = 7_500u64;
    let mut images = vec![json!({"ami_id": ami(0x10_0000), "name": "root"})];
    for n in 1..=count {
        images.push(tagged(&ami(0x10_0000 + n), &ami(0x10_0000 + n - 1), REGION, T0 + n as i64));
    }
    sim.register(REGION, json!(images));
    let root = ami(0x10_0000);
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), count as usize + 1);
    // 50 generations asked for one by one, then the region read whole.
    assert!(sim.calls("DescribeImages") <= 1 + 1 + 50 * 2 + 8, "{}", sim.calls("DescribeImages"));
    let (code, out, err) = run(sim.amitools().args(["children", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), count as usize + 1);
    let last = out.lines().last().unwrap();
    assert!(last.starts_with(&format!("{}[{count}] └── ", "    ".repeat(64))), "indentation stops at 64: {last:?}");
    let (code, out, err) = run(sim.amitools().args(["children", "-o", "json", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("\"image_id\"").count(), count as usize + 1);
    let (code, out, err) = run(sim.amitools().args(["children", "--flat", "-o", "json", &root]));
    assert_eq!(code, 0, "{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[count as usize]["depth"], count);
    assert_eq!(rows[count as usize]["parent"], ami(0x10_0000 + count - 1).as_str());
}

#[test]
fn a_parent_in_a_region_that_does_not_exist_is_the_last_row() {
    let sim = Sim::start();
    let child = ami(0x2001);
    sim.register(REGION, json!([tagged(&child, &ami(0x2000), "us-east-7", T0)]));
    let (code, out, err) = run(sim.amitools().args(["ancestors", "--ids", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{child}\n{}\n", ami(0x2000)));
    assert!(err.contains("could not be looked up in us-east-7"), "{err}");
}

#[test]
fn a_region_named_twice_is_asked_once() {
    let sim = Sim::start();
    let root = sim.register(REGION, json!([{"ami_id": ami(0x3000), "name": "root"}])).remove(0);
    let (code, _, err) =
        run(sim.amitools().args(["children", "--regions", "eu-west-1,us-east-1,eu-west-1,us-east-1", &root]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.calls_in("eu-west-1", "DescribeImages"), 1);
    assert!(err.contains("no image in eu-west-1, us-east-1 names"), "{err}");
}

fn hostile(kind: &str) -> Sim {
    Sim::start_with(json!({"endpoint_fault": kind, "fault_actions": ["DescribeImages", "GetImageAncestry"]}))
}

#[test]
fn a_repeated_next_token_is_an_error_not_a_loop() {
    let sim = Sim::start_with(json!({"page_size": 2}));
    let root = ami(0x4000);
    let images: Vec<Value> = std::iter::once(json!({"ami_id": root, "name": "root"}))
        .chain((1..=300).map(|n| tagged(&ami(0x4000 + n), &root, REGION, T0)))
        .collect();
    sim.register(REGION, json!(images));
    sim.configure(json!({"endpoint_fault": "repeat_next_token"}));
    let started = Instant::now();
    let (code, out, err) = run(sim.amitools().args(["children", "--ids", &root]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("NextToken it had returned before"), "{err}");
    assert!(sim.calls("DescribeImages") < 20, "{}", sim.calls("DescribeImages"));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn an_endless_body_is_cut_off() {
    let sim = hostile("endless_body");
    let (code, out, err) = run(sim.amitools().args(["ancestors", "ami-12345678"]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
}

#[test]
fn a_redirect_and_a_huge_error_are_one_short_line() {
    for (kind, expected) in [("redirect", "HTTP 301"), ("huge_error", "InvalidParameterValue: line 0:")] {
        let sim = hostile(kind);
        let (code, out, err) = run(sim.amitools().args(["ancestors", "ami-12345678"]));
        assert_eq!((code, out.as_str()), (1, ""), "{kind}: {err}");
        assert_eq!(err.lines().count(), 1, "{kind}: {err}");
        assert!(err.contains(expected), "{kind}: {err}");
        assert!(err.len() < 600, "{kind}: {} characters", err.len());
        assert!(!err.contains(SECRET_KEY));
    }
}

#[test]
fn waiton_under_constant_server_errors_polls_at_most_once_a_second() {
    let sim = Sim::start_with(json!({"error_rate": 1.0, "fault_actions": ["DescribeImages"]}));
    let started = Instant::now();
    let (code, _, err) = run(sim.amitools().args(["waiton", "--timeout", "5s", "ami-12345678"]));
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(code, 4, "{err}");
    let calls = sim.calls("DescribeImages") as f64;
    assert!(calls <= elapsed.ceil() + 1.0, "{calls} requests in {elapsed:.1} s");
    assert!(err.contains("last error: DescribeImages: InternalError"), "{err}");
}

#[test]
fn a_silent_endpoint_ends_within_the_wait_and_says_nothing_answered() {
    let sim = hostile("silent");
    let started = Instant::now();
    let (code, _, err) = run(sim.amitools().args(["waiton", "--timeout", "4s", "ami-12345678"]));
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("no answer from EC2 at {} in time", sim.url)), "names the endpoint: {err}");
    assert!(!err.contains("last state seen: not found"), "{err}");
}

#[test]
fn ctrl_c_after_createimage_was_sent_says_an_image_may_exist() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    sim.configure(json!({"latency_ms": 2000}));
    let child = sim
        .process()
        .args(["create", "-n", "nightly web 42", &instance])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // DescribeInstances takes 2 s; at 3 s CreateImage is on its way.
    std::thread::sleep(Duration::from_millis(3000));
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&output.status), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "amitools: interrupted after CreateImage was sent: an image named 'nightly web 42' may have been created in us-east-1"
    );
}

#[test]
fn tag_warns_about_a_region_ec2_does_not_list() {
    let sim = Sim::start();
    let id = sim.register(REGION, json!([{"ami_id": ami(0x5000)}])).remove(0);
    let args = [
        "tag",
        &id,
        "--source-image",
        "ami-12345678",
        "--source-instance",
        "i-12345678",
        "--create-timestamp",
        "1366222705",
        "--source-region",
    ];
    let (code, _, err) = run(sim.amitools().args(args).arg("us-east-7"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: us-east-7 is not a region EC2 lists"), "{err}");
    let (code, _, err) = run(sim.amitools().args(args).arg("eu-west-1"));
    assert_eq!((code, err.as_str()), (0, ""));
}

fn images_named(sim: &Sim, name: &str) -> u64 {
    sim.control("count-images", Some(json!({"region": REGION, "name": name})))["count"].as_u64().unwrap()
}

#[test]
fn a_lost_createimage_response_with_the_image_not_yet_visible_makes_one_image() {
    for explicit in [true, false] {
        let sim = Sim::start();
        let (instance, _) = sim.run_instance(REGION);
        // The first CreateImage takes effect, its answer is lost, and the image
        // stays invisible for 3 s; the retry meets the name in use.
        sim.configure(json!({"lost_response_rate": 1.0, "fault_actions": ["CreateImage"], "invisible_seconds": 3}));
        let mut cmd = sim.amitools();
        cmd.args(["create", "-o", "json"]);
        if explicit {
            cmd.args(["-n", "web release 7"]);
        }
        let (code, out, err) = run(cmd.arg(&instance));
        assert_eq!(code, 0, "explicit name {explicit}: {err}");
        let report: Value = serde_json::from_str(&out).unwrap();
        let name = report["name"].as_str().unwrap();
        assert_eq!(images_named(&sim, name), 1, "explicit name {explicit}: one image");
        let image = sim.image(REGION, report["image_id"].as_str().unwrap());
        assert_eq!(image["found"], true);
        assert_eq!(sim.calls("CreateImage"), 2, "explicit name {explicit}: one retry, no second image");
        assert!(image["run_marker"].as_str().is_some_and(|m| m.len() == 32), "{image}");
        assert!(image["snapshot_tags"].get("amitools:run").is_none(), "the marker is on the image only");
    }
}

#[test]
fn two_concurrent_runs_never_claim_the_same_image() {
    let sim = Sim::start_with(json!({"throttle_rate": 0.5, "fault_actions": ["CreateImage"], "seed": 7}));
    let (instance, _) = sim.run_instance(REGION);
    for trial in 0..6 {
        let name = format!("release candidate {trial}");
        let spawn = || {
            sim.process()
                .args(["create", "-n", &name, &instance])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let results: Vec<(i32, String, String)> = [a, b]
            .into_iter()
            .map(|child| {
                let out = child.wait_with_output().unwrap();
                (
                    out.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            })
            .collect();
        let winners: Vec<&(i32, String, String)> = results.iter().filter(|(code, _, _)| *code == 0).collect();
        assert_eq!(winners.len(), 1, "trial {trial}: {results:?}");
        let loser = results.iter().find(|(code, _, _)| *code != 0).unwrap();
        assert_eq!(loser.0, 1, "trial {trial}: {loser:?}");
        assert!(loser.2.contains("is already in use"), "trial {trial}: {loser:?}");
        assert_eq!(images_named(&sim, &name), 1, "trial {trial}");
    }
}

/// A fresh NextToken on every page, forever: the listing stops after 2,000
/// pages with one line, exit 1 (it paged on for as long as it was let).
#[test]
fn fresh_next_tokens_forever_end_the_listing() {
    let sim = Sim::start_with(json!({"page_size": 1}));
    sim.register(REGION, json!([{"ami_id": ami(0x5000), "name": "one"}, {"ami_id": ami(0x5001), "name": "two"}]));
    sim.configure(json!({"endpoint_fault": "fresh_next_token", "fault_actions": ["DescribeImages"]}));
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["prune"]));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() || out.starts_with("ACTION"), "{out}");
    assert!(
        err.contains(
            "us-east-1 skipped: DescribeImages: EC2 handed out 2000 pages and another NextToken; stopped paging"
        ),
        "{err}"
    );
    assert!(err.ends_with("1 region(s) could not be read, the plan is incomplete: us-east-1\n"), "{err}");
    assert_eq!(sim.calls("DescribeImages"), 2000);
}

/// An error code with a newline, U+009B and U+202E (XML) or ESC sequences
/// and BEL (a JSON service) never reaches the terminal or the JSON raw.
#[test]
fn control_characters_in_an_error_code_are_escaped() {
    let sim = Sim::start_with(json!({"endpoint_fault": "control_code", "fault_actions": ["DescribeImages"]}));
    let (code, _, err) = run(sim.amitools().args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    for raw in ['\u{9b}', '\u{202e}'] {
        assert!(!err.contains(raw), "{raw:?} reached the terminal: {err:?}");
    }
    assert!(err.contains("DescribeImages: Evil Code\\u{9b}31m\\u{202e}: the code steers the terminal"), "{err:?}");

    // Recycle Bin's JSON error: the code lands in the plan's recovery text, escaped.
    sim.configure(json!({"endpoint_fault": "control_code", "fault_actions": ["ListRules"]}));
    sim.register(
        REGION,
        json!([
            common::generated_image(&ami(0x6000), "web", 1, 90),
            common::generated_image(&ami(0x6001), "web", 2, 80)
        ]),
    );
    let (code, out, err) = run(sim.amitools().args(["prune", "--keep", "1", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let recovery = plan["images"][1]["recovery"].as_str().unwrap();
    assert!(recovery.contains("ListRules: Evil\\u{1b}[2J\\u{7}Code"), "{recovery:?}");
    assert!(!recovery.contains('\u{1b}') && !recovery.contains('\u{7}'), "{recovery:?}");
}

/// An answer of more list entries than EC2 ever sends (one image with
/// 300,000 tags; EC2 allows 50) is refused as it streams in, before the SDK
/// builds a value per entry (a 58 MiB page of such tags took 350 MB).
#[test]
fn an_answer_of_countless_entries_is_refused_while_read() {
    let sim = Sim::start_with(json!({"endpoint_fault": "crowded_page", "fault_actions": ["DescribeImages"]}));
    let (code, out, err) = run(sim.amitools().args(["children", "ami-12345678"]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("the answer holds more than 250000 entries, which no EC2 answer does"), "{err}");
}
