//! The integration-test harness: a simulator per test, on a free loopback
//! port, and the real amitools binary run in a clean environment against it.
#![allow(dead_code)] // each test file uses a different part of the harness

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEXAMPLEsessionTOKENvalue0123456789";
pub const REGION: &str = "us-east-1";

pub fn sim_python() -> PathBuf {
    if let Ok(python) = std::env::var("AMITOOLS_SIM_PYTHON") {
        return python.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/.venv/bin/python");
    assert!(venv.exists(), "the simulator is not installed: run sim/setup (scripts/test does)");
    venv
}

/// A running simulator; stopped when dropped.
pub struct Sim {
    child: Child,
    pub url: String,
    port: u16,
    home: tempfile::TempDir,
}

impl Sim {
    pub fn start() -> Sim {
        Sim::start_with(json!({}))
    }

    /// Start with an initial configuration (see sim/README.md). Requests
    /// signed with the harness's key must carry a valid signature, as on EC2.
    pub fn start_with(mut config: Value) -> Sim {
        if config.get("signing_secrets").is_none() {
            config["signing_secrets"] = json!({ "AKIDEXAMPLEFAKE": SECRET_KEY });
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/amisim.py");
        let mut child = Process::new(sim_python())
            .arg(script)
            .args(["--port", "0", "--config", &config.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the simulator");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
        let url = first_line.split_whitespace().last().expect("the simulator prints its URL").to_string();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Sim { child, url, port, home: tempfile::tempdir().unwrap() }
    }

    /// POST (with a body) or GET (without) to the control API.
    pub fn control(&self, route: &str, body: Option<Value>) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let method = if payload.is_empty() { "GET" } else { "POST" };
        write!(
            stream,
            "{method} /_sim/{route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{route}: {head}\n{body}");
        serde_json::from_str(body).unwrap()
    }

    pub fn configure(&self, config: Value) {
        self.control("config", Some(config));
    }

    /// Requests served per EC2 action, e.g. stats()["DescribeImages"].
    pub fn stats(&self) -> Value {
        self.control("stats", None)["actions"].clone()
    }

    pub fn calls(&self, action: &str) -> u64 {
        self.stats()[action].as_u64().unwrap_or(0)
    }

    pub fn total_calls(&self) -> u64 {
        self.control("stats", None)["total"].as_u64().unwrap()
    }

    pub fn calls_in(&self, region: &str, action: &str) -> u64 {
        self.control("stats", None)["regions"][region][action].as_u64().unwrap_or(0)
    }

    /// Images the simulator's answers to `action` carried (payload, not calls).
    pub fn images_returned(&self, action: &str) -> u64 {
        self.control("stats", None)["images_returned"][action].as_u64().unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.control("stats", Some(json!({"reset": true})));
    }

    /// Launch an instance; returns (instance id, the AMI it runs).
    pub fn run_instance(&self, region: &str) -> (String, String) {
        let out = self.control("run-instance", Some(json!({ "region": region })));
        (out["instance_id"].as_str().unwrap().into(), out["image_id"].as_str().unwrap().into())
    }

    /// Seed images directly (no EC2 request is counted); returns their ids.
    pub fn register(&self, region: &str, images: Value) -> Vec<String> {
        let out = self.control("images", Some(json!({ "region": region, "images": images })));
        out["image_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }

    pub fn set_state(&self, region: &str, image_id: &str, state: &str) {
        self.control("image-state", Some(json!({ "region": region, "image_id": image_id, "state": state })));
    }

    /// The image as the simulator holds it: tags, snapshot tags, state, name.
    /// The `amitools:run` marker is moved from "tags" to "run_marker", so that
    /// "tags" is exactly the lineage and user tags a test expects.
    pub fn image(&self, region: &str, image_id: &str) -> Value {
        let mut image = self.control("image", Some(json!({ "region": region, "image_id": image_id })));
        if let Some(marker) = image["tags"].as_object_mut().and_then(|tags| tags.remove("amitools:run")) {
            image["run_marker"] = marker;
        }
        image
    }

    /// The amitools binary in a clean environment: fake keys, this simulator,
    /// no metadata service, a temporary HOME, no inherited AWS_* variables.
    pub fn amitools(&self) -> Command {
        let mut cmd = Command::from_std(self.process());
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// The same, as a plain process to spawn and talk to while it runs.
    pub fn process(&self) -> Process {
        self.process_of(assert_cmd::cargo::cargo_bin("amitools"))
    }

    /// Another program (an alias of amitools, say) in the same environment.
    pub fn process_of(&self, program: impl AsRef<std::ffi::OsStr>) -> Process {
        let mut cmd = clean_process(program, self.home.path());
        cmd.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEFAKE")
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", REGION)
            .env("AWS_ENDPOINT_URL", &self.url);
        cmd
    }
}

impl Sim {
    /// Run amitools on a pseudo-terminal (util-linux `script`); returns
    /// (success, what the terminal got: stdout and stderr together).
    pub fn on_terminal(&self, args: &str) -> (bool, String) {
        let binary = assert_cmd::cargo::cargo_bin("amitools");
        let command = format!("{} {args}", binary.display());
        let output = self.process_of("script").args(["-qec", &command, "/dev/null"]).output().unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Stop the simulator now (an endpoint that goes away).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// amitools with nothing but PATH, HOME and the metadata service switched off.
pub fn bare_amitools(home: &std::path::Path) -> Command {
    let mut cmd = Command::from_std(bare_process(home));
    cmd.timeout(Duration::from_secs(120));
    cmd
}

fn bare_process(home: &std::path::Path) -> Process {
    clean_process(assert_cmd::cargo::cargo_bin("amitools"), home)
}

fn clean_process(program: impl AsRef<std::ffi::OsStr>, home: &std::path::Path) -> Process {
    let mut cmd = Process::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// Run and return (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An image as `amitools create` leaves it, for `Sim::register`: lineage
/// tags, and the same source recorded by EC2 (SourceImageId, ancestry).
pub fn tagged(id: &str, parent: &str, parent_region: &str, created: i64) -> Value {
    let mut image = retro_tagged(id, parent, parent_region, created);
    image["source_image_id"] = json!(parent);
    image["source_image_region"] = json!(parent_region);
    image
}

/// An image whose lineage only its tags know (made before EC2 recorded
/// sources, or registered, then tagged with `amitools tag`).
pub fn retro_tagged(id: &str, parent: &str, parent_region: &str, created: i64) -> Value {
    let date = time::OffsetDateTime::from_unix_timestamp(created)
        .unwrap()
        .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
        .unwrap();
    json!({
        "ami_id": id,
        "name": format!("image-{id}"),
        "tags": {
            "source_image": parent,
            "source_instance": "i-0123456789abcdef0",
            "source_region": parent_region,
            "create_date": date,
            "create_timestamp": created.to_string(),
        }
    })
}

/// Write a credential file with these permissions; returns its path.
pub fn credential_file(dir: &std::path::Path, name: &str, text: &str, mode: u32) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_str().unwrap().to_string()
}

/// `ami-` and 17 hex digits from a number: distinct, valid, readable ids.
pub fn ami(n: u64) -> String {
    format!("ami-{n:017x}")
}

/// An RFC 3339 date `days` days ago.
pub fn days_ago(days: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A name `create -N family` generates, distinct per `n`.
pub fn named(family: &str, n: u64) -> String {
    format!("{family}-{}-{:015}", 1_700_000_000 + n, 100_000_000_000_000 + n)
}

/// An own image for `Sim::register`: generated name `n` of `family`, `days` old.
pub fn generated_image(id: &str, family: &str, n: u64, days: i64) -> Value {
    json!({ "ami_id": id, "name": named(family, n), "creation_date": days_ago(days) })
}

/// (image id, result) of each entry of an apply's `results` (prune) or `images` (revoke, share).
#[allow(dead_code)]
pub fn results_in(report: &Value, list: &str) -> Vec<(String, String)> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["image_id"].as_str().unwrap().to_string(), r["result"].as_str().unwrap().to_string()))
        .collect()
}

/// Send `signal` to `child` once `count` (of the simulator's calls) reaches
/// `at`; then wait for it: its exit status, stdout and stderr.
#[allow(dead_code)]
pub fn interrupt_when(
    sim: &Sim,
    child: Child,
    count: impl Fn(&Sim) -> u64,
    at: u64,
    signal: i32,
) -> (std::process::ExitStatus, String, String) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while count(sim) < at {
        assert!(std::time::Instant::now() < deadline, "the command never reached {at} calls");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}
