//! What a script's plumbing and a user's files can do to amitools: closed
//! stdout and stderr, credentials no signature can carry (issue 20, items
//! 10, 11 and 16). Each runs the real binary through `sh` so that the
//! descriptors are really closed.

mod common;

use std::process::{Command as Process, Stdio};

use common::{credential_file, Sim, REGION, SECRET_KEY};

/// `sh -c SCRIPT` in the simulator's environment, with amitools as $AMITOOLS.
fn shell(sim: &Sim, script: &str) -> (i32, String, String) {
    let mut cmd = sim.process_of("sh");
    cmd.arg("-c").arg(script).env("AMITOOLS", assert_cmd::cargo::cargo_bin("amitools"));
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// With stderr a pipe whose reader has gone (EPIPE on every write: a log
/// collector that died), waiton's exit codes (here 5: no such image) and a
/// usage error's 2 survive; no write to stderr panics (eprintln! aborted).
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let sim = Sim::start();
    for (args, expected) in
        [(vec!["waiton", "ami-0123456789abcdef0", "--timeout", "2s"], 5), (vec!["ancestors", "not-an-id"], 2)]
    {
        let mut child = sim.process().args(&args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stderr.take()); // the reader leaves before amitools writes
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(expected), "{args:?}: {status:?}");
    }
    // A descriptor closed outright (2>&-) is reopened on /dev/null by Rust's runtime: the same.
    let (code, _, _) = shell(&sim, "\"$AMITOOLS\" waiton ami-0123456789abcdef0 --timeout 2s 2>&-");
    assert_eq!(code, 5);
}

/// `create >&-`: the image exists and its id cannot be written: an error
/// that says so, not exit 0.
#[test]
fn create_with_stdout_closed_says_the_image_exists() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance(REGION);
    let (code, out, err) = shell(&sim, &format!("\"$AMITOOLS\" create {instance} >&-"));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.starts_with("amitools: error: image ami-"), "{err}");
    assert!(err.contains("exists, but cannot write output"), "{err}");
    assert_eq!(sim.calls("CreateImage"), 1);
    // A command that prints nothing keeps its exit code.
    let (code, _, err) = shell(&sim, "\"$AMITOOLS\" waiton ami-0123456789abcdef0 --timeout 2s >&-");
    assert_eq!(code, 5, "{err}");
}

/// Values no signature can carry, from a profile: refused before the SDK
/// parses or signs, one line naming the file and line (never the value), exit 2.
#[test]
fn unsignable_profile_credentials_are_refused_by_line() {
    let sim = Sim::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    let cases = [
        (
            format!(
                "[default]\naws_access_key_id = AKIDEXAMPLEFAKE\naws_secret_access_key = wJalrXUtnFEMI\n    {}\n",
                &SECRET_KEY[13..]
            ),
            "line 4: continues the value of aws_secret_access_key",
        ),
        (
            format!("[default]\naws_access_key_id = AKID\u{1}EXAMPLEFAKE\naws_secret_access_key = {SECRET_KEY}\n"),
            "line 2: holds a control character",
        ),
        (
            format!(
                "[default]\naws_access_key_id = AKIDEXAMPLEFAKE\naws_secret_access_key = {}\r{}\n",
                &SECRET_KEY[..10],
                &SECRET_KEY[10..]
            ),
            "line 3: holds a control character",
        ),
    ];
    for (text, expected) in cases {
        let path = credential_file(&home.path().join(".aws"), "credentials", &text, 0o600);
        let (code, out, err) = common::run(
            sim.amitools()
                .env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY")
                .env("AWS_SHARED_CREDENTIALS_FILE", &path)
                .args(["-vvv", "ancestors", "ami-12345678"])
                .env("RUST_LOG", "trace"),
        );
        assert_eq!((code, out.as_str()), (2, ""), "{err}");
        let last = err.lines().last().unwrap();
        assert!(last.contains(&path) && last.contains(expected), "{expected}: {err}");
        assert!(!err.contains(&SECRET_KEY[13..]), "the secret was shown: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

/// `ancestors` with no keys in the environment, the default profile's keys
/// coming from `credential_process = COMMAND` (a config file in `aws`).
fn with_credential_process(sim: &Sim, aws: &std::path::Path, command: &str) -> (i32, String, String) {
    let config = credential_file(aws, "config", &format!("[default]\ncredential_process = {command}\n"), 0o600);
    common::run(
        sim.amitools()
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("none"))
            .args(["ancestors", "ami-12345678"]),
    )
}

/// A credential_process that hands out a secret with a control character:
/// refused before signing (the SDK's signer panicked), exit 2, naming where
/// the credentials came from and which part is bad.
#[test]
fn unsignable_process_credentials_are_refused_before_signing() {
    let sim = Sim::start();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    let script = aws.join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"AKIDEXAMPLEFAKE\",\"SecretAccessKey\":\"abc\\\\u0001def\"}'\n",
    )
    .unwrap();
    Process::new("chmod").arg("700").arg(&script).status().unwrap();
    let (code, out, err) = with_credential_process(&sim, &aws, &script.display().to_string());
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unusable AWS credentials from"), "{err}");
    assert!(err.contains("the secret access key they gave holds a control character"), "{err}");
    assert!(!err.contains("abc"), "{err}");
    assert_eq!(sim.total_calls(), 0);
}

/// credential_process runs bounded: endless output is cut at 64 KiB (the
/// SDK read 300 MB into memory), a failure shows the first line of its
/// stderr escaped; the error names the profile and program, exit 1, no call.
#[test]
fn credential_process_output_is_bounded_and_its_errors_escaped() {
    let sim = Sim::start();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    let cases = [
        ("yes", "the credential_process of profile 'default' (yes) failed: printed more than 64 KiB"),
        (
            "printf 'token expired\\033[2J\\nsecond\\n' >&2; exit 3",
            "(printf) failed: failed (exit status: 3): token expired\\u{1b}[2J)",
        ),
    ];
    for (command, expected) in cases {
        let started = std::time::Instant::now();
        let (code, out, err) = with_credential_process(&sim, &aws, command);
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!err.contains('\u{1b}') && !err.contains("second"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    }
    assert_eq!(sim.total_calls(), 0);
}
