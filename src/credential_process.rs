//! A profile's `credential_process`, run by amitools rather than the SDK.
//!
//! The SDK's runner reads the process's output without limit (300 MB of
//! output is 300 MB of memory), waits as long as the process likes (a hang
//! showed up 60 s later as "no answer from EC2", and the process outlived
//! amitools) and copies its stderr into the error verbatim. Here the process
//! runs as the SDK runs it (`sh -c COMMAND`), in its own process group, with
//! its output capped at `MAX_OUTPUT` bytes and its time at `TIME_LIMIT`;
//! past either, the whole group is killed. An error names the profile and the
//! program, and shows at most the first line of its stderr, escaped and short.
//!
//! This module finds the command and runs it; `aws::credentials` turns the answer into the
//! SDK's credentials. No SDK types here.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::credentials::StaticCredentials;
use crate::output::shown;

/// Real credential JSON is a few hundred bytes (a session token is ~1 KB).
pub const MAX_OUTPUT: usize = 64 * 1024;
/// A helper that asks a person (an MFA prompt, a browser) may take a while; longer is a hang.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);
/// How much of the process's stderr an error shows.
const STDERR_SHOWN: usize = 200;

/// Keys that make the SDK use something other than the profile's
/// credential_process (a role chain, SSO, web identity): then the SDK runs it.
const OTHER_SOURCES: [&str; 7] = [
    "role_arn",
    "credential_source",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "login_session",
];

/// The `credential_process` of `profile`, when that profile's credentials come
/// from it alone (as the SDK decides: no role, SSO or web identity in it).
/// `config` and `credentials` are the two files' texts.
pub fn command_of(profile: &str, config: Option<&str>, credentials: Option<&str>) -> Option<String> {
    let mut settings: Vec<(String, String)> = Vec::new();
    if let Some(text) = credentials {
        settings.extend(section(text, |name| name == profile));
    }
    if let Some(text) = config {
        let wanted = format!("profile {profile}");
        settings.extend(section(text, |name| name == wanted || (profile == "default" && name == "default")));
    }
    if settings.iter().any(|(key, _)| OTHER_SOURCES.contains(&key.as_str()) || key == "aws_access_key_id") {
        return None;
    }
    settings.into_iter().find(|(key, _)| key == "credential_process").map(|(_, value)| value)
}

/// The `key = value` settings of the sections `wanted` names, keys lowercased.
fn section(text: &str, wanted: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut inside = false;
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            inside = wanted(&name.split_whitespace().collect::<Vec<_>>().join(" "));
            continue;
        }
        // An indented line continues the previous setting (a sub-setting): not one here.
        if inside && !line.starts_with([' ', '\t']) {
            if let Some((key, value)) = trimmed.split_once('=') {
                found.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    found
}

/// What a credential process answered: the keys, and until when they are good.
#[derive(Debug)]
pub struct Answer {
    pub credentials: StaticCredentials,
    pub expires: Option<std::time::SystemTime>,
}

/// Run `command` and read its answer; the error says what went wrong (the
/// caller says whose process it was: `describe`).
pub fn run(command: &str) -> Result<Answer, String> {
    run_bounded(command, MAX_OUTPUT, TIME_LIMIT)
}

/// "the credential_process of profile 'dev' (/opt/bin/creds)": the program,
/// not its arguments (they may hold secrets).
pub fn describe(profile: &str, command: &str) -> String {
    let program = command.split_whitespace().next().unwrap_or("");
    format!("the credential_process of profile '{}' ({})", shown(profile), shown(program))
}

fn run_bounded(command: &str, max_output: usize, limit: Duration) -> Result<Answer, String> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: on a timeout the whole of it is killed, helpers it started too.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("could not be started: {e}"))?;
    let group = child.id() as i32;
    let kill_group = || {
        // SAFETY: signalling the process group this function created.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    };
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let (out_sender, out_receiver) = std::sync::mpsc::channel();
    let (err_sender, err_receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || out_sender.send(read_at_most(stdout, max_output)));
    std::thread::spawn(move || err_sender.send(read_at_most(stderr, 4096)));
    let deadline = Instant::now() + limit;
    let hung = || format!("gave no answer in {} s; it was stopped", limit.as_secs());
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill_group();
                let _ = child.wait();
                return Err(hung());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("could not be waited for: {e}")),
        }
    };
    // A helper it left running may hold the pipes open: the same deadline applies.
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let Ok((out, too_much)) = out_receiver.recv_timeout(remaining()) else {
        kill_group();
        return Err(hung());
    };
    let (err, _) = err_receiver.recv_timeout(remaining()).unwrap_or_default();
    if too_much {
        kill_group();
        return Err(format!("printed more than {} KiB, which no credentials are", max_output / 1024));
    }
    if !status.success() {
        let first = String::from_utf8_lossy(&err).lines().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
        let first: String = first.chars().take(STDERR_SHOWN).collect();
        let said =
            if first.is_empty() { String::new() } else { format!(": {}", crate::output::escape_untrusted(&first)) };
        return Err(format!("failed ({status}){said}"));
    }
    parse(&String::from_utf8_lossy(&out))
}

/// Read up to `max` bytes; whether there was more. A process that writes
/// without end is cut off here (its pipe stops being read; it is killed after).
fn read_at_most(mut from: impl Read, max: usize) -> (Vec<u8>, bool) {
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(n) = from.read(&mut chunk) {
        if n == 0 {
            return (data, false);
        }
        if data.len() + n > max {
            return (data, true);
        }
        data.extend_from_slice(&chunk[..n]);
    }
    (data, false)
}

/// The process's JSON answer, as the AWS CLI and SDKs read it (keys case-insensitive).
pub fn parse(text: &str) -> Result<Answer, String> {
    let bad = |why: &str| format!("printed no usable credentials: {why}");
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
    let object = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let get = |name: &str| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let text_of = |name: &str| get(name).and_then(|v| v.as_str()).map(str::to_string);
    if get("Version").and_then(|v| v.as_u64()) != Some(1) {
        return Err(bad("Version is not 1"));
    }
    let access_key_id = text_of("AccessKeyId").ok_or_else(|| bad("no AccessKeyId"))?;
    let secret_access_key = text_of("SecretAccessKey").ok_or_else(|| bad("no SecretAccessKey"))?;
    let expires = match text_of("Expiration") {
        None => None,
        Some(at) => {
            let at = time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
                .map_err(|_| bad("Expiration is not an RFC 3339 date"))?;
            Some(std::time::SystemTime::from(at))
        }
    };
    Ok(Answer {
        credentials: StaticCredentials { access_key_id, secret_access_key, session_token: text_of("SessionToken") },
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_profiles_own_process_only() {
        let config = "[default]\ncredential_process = /bin/creds --user me\n\n[profile dev]\nregion = eu-west-1\ncredential_process=/bin/dev-creds\n\n[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_process = /bin/no\n";
        assert_eq!(command_of("default", Some(config), None).as_deref(), Some("/bin/creds --user me"));
        assert_eq!(command_of("dev", Some(config), None).as_deref(), Some("/bin/dev-creds"));
        assert_eq!(command_of("role", Some(config), None), None, "a role chain is the SDK's");
        assert_eq!(command_of("missing", Some(config), None), None);
        let credentials = "[dev]\naws_access_key_id = AKID\naws_secret_access_key = x\n";
        assert_eq!(command_of("dev", Some(config), Some(credentials)), None, "static keys win");
        assert_eq!(
            command_of("ops", None, Some("[ops]\ncredential_process = /bin/ops\n")).as_deref(),
            Some("/bin/ops")
        );
    }

    #[test]
    fn reads_the_json_answer() {
        let answer = parse(r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-12-02T10:00:00Z"}"#).unwrap();
        assert_eq!(answer.credentials.access_key_id, "AKID");
        assert_eq!(answer.credentials.session_token.as_deref(), Some("t"));
        assert!(answer.expires.is_some());
        assert!(parse(r#"{"version":1,"accesskeyid":"A","secretaccesskey":"s"}"#).is_ok(), "keys case-insensitive");
        for (text, why) in [
            ("", "not JSON"),
            ("[]", "not a JSON object"),
            (r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#, "Version is not 1"),
            (r#"{"Version":1,"SecretAccessKey":"s"}"#, "no AccessKeyId"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#, "Expiration"),
        ] {
            assert!(parse(text).unwrap_err().contains(why), "{text}");
        }
    }

    #[test]
    fn a_hanging_process_is_stopped_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-alive");
        // A helper that starts a child of its own and hangs.
        let command = format!("(sleep 5; touch {}) & sleep 30", marker.display());
        let started = Instant::now();
        let error = run_bounded(&command, MAX_OUTPUT, Duration::from_millis(300)).unwrap_err();
        assert_eq!(error, "gave no answer in 0 s; it was stopped");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        std::thread::sleep(Duration::from_millis(200));
        assert!(!marker.exists(), "the group was killed, not only sh");
    }

    #[test]
    fn endless_output_and_failures_are_bounded() {
        let error = run_bounded("yes", 1024, Duration::from_secs(10)).unwrap_err();
        assert_eq!(error, "printed more than 1 KiB, which no credentials are");
        let error =
            run_bounded("printf 'no token\\033[2J for you\\nsecond line\\n' >&2; exit 3", MAX_OUTPUT, TIME_LIMIT)
                .unwrap_err();
        assert_eq!(error, "failed (exit status: 3): no token\\u{1b}[2J for you");
        assert_eq!(
            describe("dev", "/opt/creds --password hunter2"),
            "the credential_process of profile 'dev' (/opt/creds)"
        );
    }
}
