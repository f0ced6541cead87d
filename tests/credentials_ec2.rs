//! Credentials and region as real EC2 and the AWS SDK behave (issue 13):
//! missing and expired credentials, EC2 build hosts (instance metadata),
//! and `--profile` against keys left in the environment.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ami, run, tagged, Sim, REGION};
use serde_json::{json, Value};

fn stats(sim: &Sim) -> Value {
    sim.control("stats", None)
}

#[test]
fn no_credentials_anywhere_is_one_line_not_a_network_failure() {
    let sim = Sim::start();
    let started = Instant::now();
    let (code, out, err) = run(sim
        .amitools()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["ancestors", "ami-12345678"]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("amitools: error: no usable AWS credentials (none found; looked in the environment"),
        "{err}"
    );
    assert!(err.contains("profile 'default'") && !err.contains("cannot reach"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "not retried: {:?}", started.elapsed());
    assert_eq!(sim.total_calls(), 0);
}

#[test]
fn credentials_that_expire_during_a_wait_end_it_at_once() {
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let (instance, _) = sim.run_instance(REGION);
    let (code, out, err) = run(sim.amitools().args(["create", &instance]));
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let child = sim.process().args(["waiton", &id]).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sim.configure(json!({"expired_access_keys": ["AKIDEXAMPLEFAKE"]}));
    let expired = Instant::now();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(expired.elapsed() < Duration::from_secs(3), "not retried until the timeout: {:?}", expired.elapsed());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("EC2 refused the AWS credentials in use as expired or invalid (RequestExpired"), "{err}");
}

#[test]
fn an_ec2_build_host_gets_region_and_credentials_from_instance_metadata() {
    let sim = Sim::start_with(json!({"imds_region": "eu-west-1", "imds_role": "image-builder"}));
    let child = ami(0x2001);
    sim.register(
        "eu-west-1",
        json!([{"ami_id": ami(0x2000), "name": "base"}, tagged(&child, &ami(0x2000), "eu-west-1", 1)]),
    );
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(common::bare_amitools(home.path())
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &sim.url)
        .env("AWS_ENDPOINT_URL", &sim.url)
        .args(["-v", "ancestors", "--ids", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{child}\n{}\n", ami(0x2000)));
    assert!(err.contains("region eu-west-1 (from instance metadata)"), "{err}");
    let stats = stats(&sim);
    assert_eq!(stats["regions"]["eu-west-1"]["GetImageAncestry"], 1, "{stats}");
    assert_eq!(stats["access_keys"], json!({"ASIAIMDSROLEKEY00001": stats["total"]}), "{stats}");
    assert!(stats["imds"]["/latest/meta-data/placement/region"].as_u64().unwrap() >= 1, "{stats}");
}

#[test]
fn profile_flag_beats_keys_left_in_the_environment() {
    let sim = Sim::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[prod]\naws_access_key_id = AKIAPRODPROFILEKEY01\naws_secret_access_key = prod-secret-not-real\n",
    )
    .unwrap();
    let ancestors = |extra: &[&str]| {
        sim.reset_stats();
        let (code, _, err) =
            run(sim.amitools().env("HOME", home.path()).args(extra).args(["ancestors", "ami-12345678"]));
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("does not exist"), "{err}");
        stats(&sim)["access_keys"].clone()
    };
    // The harness sets AWS_ACCESS_KEY_ID=AKIDEXAMPLEFAKE.
    assert_eq!(ancestors(&["--profile", "prod"]), json!({"AKIAPRODPROFILEKEY01": 2}));
    assert_eq!(ancestors(&[]), json!({"AKIDEXAMPLEFAKE": 2}));
}

#[test]
fn the_ec2_specific_endpoint_variable_beats_the_general_one() {
    let sim = Sim::start();
    let (code, _, err) = run(sim
        .amitools()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_EC2", &sim.url)
        .args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not exist"), "reached the simulator: {err}");
    let (code, _, err) =
        run(sim.amitools().env("AWS_ENDPOINT_URL_EC2", "http://[").args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL_EC2: 'http://['"), "{err}");
}

#[test]
fn a_request_signed_with_the_wrong_secret_is_refused() {
    let sim = Sim::start_with(json!({"signing_secrets": {"AKIDEXAMPLEFAKE": common::SECRET_KEY}}));
    // The right secret: signatures verify, the request is answered.
    let (code, _, err) = run(sim.amitools().args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    // The wrong one: refused, once, as expired or invalid credentials.
    sim.reset_stats();
    let (code, _, err) =
        run(sim.amitools().env("AWS_SECRET_ACCESS_KEY", "not-the-right-secret").args(["ancestors", "ami-12345678"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("EC2 refused the AWS credentials in use as expired or invalid (SignatureDoesNotMatch"),
        "{err}"
    );
    assert_eq!(sim.total_calls(), 1, "not retried");
}
