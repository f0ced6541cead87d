//! The binary itself: help, usage errors, credentials and region, secrets,
//! an unreachable endpoint.

mod common;

use std::time::{Duration, Instant};

use common::{bare_amitools, credential_file, run, Sim, SECRET_KEY, SESSION_TOKEN};

#[test]
fn help_lists_subcommands_and_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, _) = run(bare_amitools(home.path()).arg("--help"));
    assert_eq!(code, 0);
    for word in ["create", "tag", "waiton", "ancestors", "children", "Exit codes:", "AWS_CREDENTIAL_FILE"] {
        assert!(out.contains(word), "--help lacks {word}:\n{out}");
    }
    let (code, out, _) = run(bare_amitools(home.path()).arg("--version"));
    assert_eq!((code, out.trim()), (0, format!("amitools {}", env!("CARGO_PKG_VERSION")).as_str()));
}

#[test]
fn no_subcommand_shows_help_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&mut bare_amitools(home.path()));
    assert_eq!(code, 2);
    assert!(err.contains("Usage:"), "{err}");
}

#[test]
fn usage_errors_are_one_line_exit_2_and_send_nothing() {
    let sim = Sim::start();
    let cases: &[(&[&str], &str)] = &[
        (&["waiton", "ami-xyz"], "'ami-xyz'"),
        (&["create", "i-123"], "'i-123'"),
        (&["ancestors", "ami-12345678", "-C", "image_id,colour"], "'colour'"),
        (&["-r", "mars-1", "ancestors", "ami-12345678"], "'mars-1'"),
        (&["waiton", "ami-12345678", "availble"], "'availble'"),
        (&["waiton", "--timeout", "0", "ami-12345678"], "'0'"),
        (&["frobnicate"], "'frobnicate'"),
        (&["create"], "<INSTANCE_ID>"),
        (&["--endpoint-url", "localhost:5000", "ancestors", "ami-12345678"], "'localhost:5000'"),
    ];
    for (args, named) in cases {
        let (code, out, err) = run(sim.amitools().args(*args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line:\n{err}");
        assert!(err.starts_with("amitools: error: "), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: does not name {named}: {err}");
    }
    assert_eq!(sim.total_calls(), 0, "a locally invalid input reached EC2");
}

#[test]
fn no_region_anywhere_is_an_error_naming_the_ways_to_set_one() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = run(bare_amitools(home.path())
        .env("AWS_ACCESS_KEY_ID", "AKID")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 2, "{err}");
    for way in ["--region", "AWS_REGION", "AWS_CREDENTIAL_FILE", "profile"] {
        assert!(err.contains(way), "{err}");
    }
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let sim = Sim::start();
    let (instance, base) = sim.run_instance("eu-west-1");
    let image = sim.amitools().args(["-r", "eu-west-1", "create", &instance]).output().unwrap();
    assert!(image.status.success(), "{}", String::from_utf8_lossy(&image.stderr));
    let id = String::from_utf8(image.stdout).unwrap().trim().to_string();
    let before = run(sim.amitools().args(["-r", "eu-west-1", "ancestors", "--ids", &id]));
    let after = run(sim.amitools().args(["ancestors", "--ids", &id, "--region", "eu-west-1"]));
    assert_eq!(before, after);
    assert_eq!(before.1, format!("{id}\n{base}\n"));
}

#[test]
fn the_original_credential_file_works() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance("ap-south-1");
    let dir = tempfile::tempdir().unwrap();
    let path = credential_file(
        dir.path(),
        "aws-credentials",
        "# legacy keys\nAWSAccessKeyId = AKIDFILE\nAWSSecretKey = filesecretfilesecret\nregion = ap-south-1\n",
        0o600,
    );
    let (code, out, err) = run(bare_amitools(dir.path())
        .env("AWS_CREDENTIAL_FILE", &path)
        .env("AWS_ENDPOINT_URL", &sim.url)
        .args(["create", &instance]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ami-"));
    assert_eq!(sim.calls_in("ap-south-1", "CreateImage"), 1, "the file's region was used");
}

#[test]
fn a_bad_credential_file_is_refused_before_any_call() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("aws_access_key_id=A\naws_secret_access_key=B\n", 0o644, "chmod 600"),
        ("aws_access_key_id=A\nnot a key value line\n", 0o600, "line 2"),
        ("aws_access_key_id=A\nfoo=bar\n", 0o600, "unknown key 'foo'"),
        ("aws_access_key_id=A\n", 0o600, "no secret key"),
    ];
    for (text, mode, expected) in cases {
        let path = credential_file(dir.path(), "aws-credentials", text, mode);
        let (code, _, err) = run(bare_amitools(dir.path())
            .env("AWS_CREDENTIAL_FILE", &path)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &sim.url)
            .args(["ancestors", "ami-12345678"]));
        assert_eq!(code, 2, "{text:?}: {err}");
        assert!(err.contains(expected) && err.contains(&path), "{text:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn secrets_never_appear_even_at_trace_level() {
    let sim = Sim::start();
    let (instance, _) = sim.run_instance("us-east-1");
    let runs: Vec<Vec<&str>> = vec![
        vec!["-vvv", "create", &instance],
        vec!["-vvv", "ancestors", "ami-12345678"],
        vec!["-vvv", "waiton", "--nowait-exist", "ami-12345678"],
    ];
    for args in runs {
        let (_, out, err) =
            run(sim.amitools().env("AWS_SESSION_TOKEN", SESSION_TOKEN).env("RUST_LOG", "trace").args(&args));
        assert!(err.len() > 1000, "{args:?}: expected trace output, got {} bytes", err.len());
        for secret in [SECRET_KEY, SESSION_TOKEN] {
            assert!(!out.contains(secret) && !err.contains(secret), "{args:?} leaked a secret");
        }
    }
}

#[test]
fn an_unreachable_endpoint_fails_fast_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let commands: &[&[&str]] =
        &[&["ancestors", "ami-12345678"], &["create", "i-12345678"], &["children", "ami-12345678"]];
    for args in commands {
        let started = Instant::now();
        let (code, _, err) = run(bare_amitools(home.path())
            .env("AWS_ACCESS_KEY_ID", "AKID")
            .env("AWS_SECRET_ACCESS_KEY", "secretsecret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &url)
            .args(*args));
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&url), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
