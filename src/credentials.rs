//! Where credentials and the region come from.
//!
//! Credentials, first match wins:
//! 1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//! 2. the file named by AWS_CREDENTIAL_FILE (the original AMITools format);
//! 3. aws-config's default chain (profiles, SSO, web identity, containers, IMDS).
//!
//! Region, first match wins: `-r/--region`, AWS_REGION, AWS_DEFAULT_REGION,
//! the credential file's `region`, the profile's region.
//!
//! Everything here is synchronous and free of SDK types; the profile's region
//! (which needs aws-config) is looked up by `aws` only when nothing else names one.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::ids::Region;

/// A key pair, held so that it never prints: Debug and Display redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

impl StaticCredentials {
    /// The values that must never appear in output or logs.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.secret_access_key.clone()];
        secrets.extend(self.session_token.clone());
        secrets
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialsError {
    #[error("cannot read credential file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("credential file {path} is readable by group or others (mode {mode:04o}); fix it with: chmod 600 {path}")]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("credential file {path}, line {line}: {problem}")]
    BadLine { path: PathBuf, line: usize, problem: String },
    #[error("credential file {path}: {problem}")]
    Incomplete { path: PathBuf, problem: String },
    #[error("{present} is set but {missing} is not; set both, or neither")]
    HalfSetEnvironment { present: &'static str, missing: &'static str },
    #[error("{source_name} holds an invalid region: {reason}")]
    BadRegion { source_name: String, reason: String },
    /// A key, secret or token that no signature can carry (never shown).
    #[error("{source_name} {problem}")]
    BadSecret { source_name: String, problem: &'static str },
    #[error("{path}: {problem}")]
    BadFile { path: PathBuf, problem: String },
    #[error("{name} is not valid UTF-8; amitools reads it as a path or a value and will not guess")]
    NotUnicode { name: &'static str },
    #[error(
        "no AWS region: pass -r/--region, set AWS_REGION, add region=... to the AWS_CREDENTIAL_FILE, or set region in your AWS profile (aws configure); on EC2, instance metadata did not say either"
    )]
    NoRegion,
}

/// What an AWS_CREDENTIAL_FILE said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CredentialFile {
    pub credentials: Option<StaticCredentials>,
    pub region: Option<Region>,
}

/// Parse the original AMITools credential file: `key=value` lines; blank
/// lines and `#` comments allowed; whitespace around keys and values trimmed.
///
/// Error messages name the line and the key but never echo a value: a
/// malformed line may well hold a secret.
pub fn parse_credential_file(text: &str, path: &Path) -> Result<CredentialFile, CredentialsError> {
    let bad = |line: usize, problem: String| CredentialsError::BadLine { path: path.to_path_buf(), line, problem };
    let mut key_id: Option<(String, usize)> = None;
    let mut secret: Option<(String, usize)> = None;
    let mut token: Option<(String, usize)> = None;
    let mut region: Option<(String, usize)> = None;

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(bad(number, "expected key=value".to_string()));
        };
        let (key, value) = (key.trim(), value.trim());
        // What stands before the first '=' is shown only if it looks like a key
        // name: in `aws_session_token IQoJ…==` (the '=' forgotten) it is a secret.
        if !looks_like_key_name(key) {
            return Err(bad(number, "expected key=value, with a key name before the '='".to_string()));
        }
        let slot = match key {
            "aws_access_key_id" | "AWSAccessKeyId" => &mut key_id,
            "aws_secret_access_key" | "AWSSecretKey" => &mut secret,
            "aws_session_token" => &mut token,
            "region" => &mut region,
            _ if key.is_empty() => return Err(bad(number, "missing key before '='".to_string())),
            _ => {
                return Err(bad(
                    number,
                    format!(
                        "unknown key '{key}' (known: aws_access_key_id, aws_secret_access_key, aws_session_token, region, AWSAccessKeyId, AWSSecretKey)"
                    ),
                ))
            }
        };
        if value.is_empty() {
            return Err(bad(number, format!("empty value for '{key}'")));
        }
        if key != "region" {
            if let Some(problem) = secret_problem(value) {
                return Err(bad(number, format!("the value of '{key}' {problem}")));
            }
        }
        if let Some((_, first)) = slot {
            return Err(bad(number, format!("'{key}' set again (first set on line {first})")));
        }
        *slot = Some((value.to_string(), number));
    }

    let incomplete = |problem: &str| CredentialsError::Incomplete { path: path.to_path_buf(), problem: problem.into() };
    let credentials = match (key_id, secret) {
        (Some((access_key_id, _)), Some((secret_access_key, _))) => {
            Some(StaticCredentials { access_key_id, secret_access_key, session_token: token.map(|(t, _)| t) })
        }
        (Some(_), None) => return Err(incomplete("has an access key id but no secret key (aws_secret_access_key)")),
        (None, Some(_)) => return Err(incomplete("has a secret key but no access key id (aws_access_key_id)")),
        (None, None) if token.is_some() => return Err(incomplete("has a session token but no key pair")),
        (None, None) => None,
    };
    let region = match region {
        Some((value, line)) => Some(value.parse::<Region>().map_err(|e| bad(line, e.to_string()))?),
        None => None,
    };
    Ok(CredentialFile { credentials, region })
}

/// A key name as credential files spell them: letters, digits and `_`, at most 40.
fn looks_like_key_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Why a key id, secret or token cannot be sent, if it cannot: it travels in
/// an HTTP header, where a control character (a `\r` from a file saved with
/// Windows line endings) would make the SDK's signer panic.
pub fn secret_problem(value: &str) -> Option<&'static str> {
    if value.chars().any(|c| c.is_control()) {
        return Some("holds a control character (a file saved with Windows line endings?)");
    }
    if value.chars().any(|c| c.is_whitespace()) {
        return Some("holds a space");
    }
    if !value.is_ascii() {
        return Some("holds a character that is not ASCII");
    }
    None
}

/// The largest credential or config file amitools (or the SDK) will read:
/// real ones are a few kilobytes; a device or a runaway file is not one.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Refuse what is not a regular file of sane size — a FIFO would block the
/// read forever, /dev/zero never ends — checked before anything reads it.
pub fn check_regular_file(path: &Path) -> Result<std::fs::Metadata, CredentialsError> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| CredentialsError::Unreadable { path: path.to_path_buf(), reason: e.to_string() })?;
    match unreadable_reason(&metadata, MAX_FILE_BYTES, "a credential or config file") {
        Some(problem) => Err(CredentialsError::BadFile { path: path.to_path_buf(), problem }),
        None => Ok(metadata),
    }
}

/// Why a file amitools reads whole must not be read, if it must not: not a
/// regular file (a FIFO would block the read forever, /dev/zero never ends)
/// or larger than `max_bytes` (`what` says what the file should be).
pub fn unreadable_reason(metadata: &std::fs::Metadata, max_bytes: u64, what: &str) -> Option<String> {
    if !metadata.is_file() {
        Some("is not a regular file (a FIFO, a device or a directory?)".to_string())
    } else if metadata.len() > max_bytes {
        Some(format!("is {} bytes; {what} is at most {max_bytes}", metadata.len()))
    } else {
        None
    }
}

/// Check the AWS config and shared credentials files before aws-config reads
/// them: a file that is there must be a regular file of sane size.
pub fn check_profile_files(env: impl Fn(&str) -> Option<String>) -> Result<(), CredentialsError> {
    let home = env("HOME");
    let candidates = [("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "credentials")];
    for (variable, name) in candidates {
        let path = match env(variable).filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => match &home {
                Some(home) => Path::new(home).join(".aws").join(name),
                None => continue,
            },
        };
        // Absent is fine (the SDK skips it); present must be sane.
        if std::fs::symlink_metadata(&path).is_ok() {
            check_regular_file(&path)?;
            let text = std::fs::read(&path)
                .map_err(|e| CredentialsError::Unreadable { path: path.clone(), reason: e.to_string() })?;
            if let Some((line, problem)) = profile_file_problem(&String::from_utf8_lossy(&text)) {
                return Err(CredentialsError::BadLine { path, line, problem });
            }
        }
    }
    Ok(())
}

/// The keys whose values the SDK signs with.
const SECRET_KEYS: [&str; 3] = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"];

/// The first line of an AWS config or credentials file that would hand the
/// SDK a value it cannot sign with — a control character (its signer
/// panics), or a key's value continued on an indented next line (a key
/// wrapped in two, which the SDK would join with a newline) — and why. Read
/// before the SDK parses the file, so that its debug dump of the bad value
/// never happens. The problem names the line and at most the key, never a value.
pub fn profile_file_problem(text: &str) -> Option<(usize, String)> {
    let mut previous_key: Option<&str> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = index + 1;
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Some((number, "holds a control character".to_string()));
        }
        let continued = line.starts_with([' ', '\t']) && !line.trim().is_empty();
        if continued {
            if let Some(key) = previous_key {
                return Some((
                    number,
                    format!("continues the value of {key} on an indented line (a key wrapped onto two lines?)"),
                ));
            }
            continue;
        }
        let key = line.split_once('=').map(|(k, _)| k.trim().to_ascii_lowercase());
        previous_key = SECRET_KEYS.into_iter().find(|secret| key.as_deref() == Some(*secret));
    }
    None
}

/// The variables amitools or the SDK read as text. A value that is not UTF-8
/// would otherwise be skipped silently (std::env::var says "not present").
const TEXT_VARIABLES: [&str; 11] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_EC2",
];

/// Refuse variables amitools relies on whose values are not UTF-8.
pub fn check_environment_is_text(var_os: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<(), CredentialsError> {
    match TEXT_VARIABLES.into_iter().find(|name| var_os(name).is_some_and(|v| v.to_str().is_none())) {
        Some(name) => Err(CredentialsError::NotUnicode { name }),
        None => Ok(()),
    }
}

/// Refuse a credential file that group or others may read, as ssh does for keys.
pub fn check_permissions(mode: u32, path: &Path) -> Result<(), CredentialsError> {
    if mode & 0o077 != 0 {
        return Err(CredentialsError::TooOpen { path: path.to_path_buf(), mode: mode & 0o7777 });
    }
    Ok(())
}

/// Read, check and parse the file named by AWS_CREDENTIAL_FILE.
pub fn load_credential_file(path: &Path) -> Result<CredentialFile, CredentialsError> {
    let unreadable =
        |e: std::io::Error| CredentialsError::Unreadable { path: path.to_path_buf(), reason: e.to_string() };
    let metadata = check_regular_file(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        check_permissions(metadata.permissions().mode(), path)?;
    }
    #[cfg(not(unix))]
    let _ = metadata;
    // The size was checked; a file that grows meanwhile is still read no further.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(unreadable)?, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CredentialsError::BadFile {
            path: path.to_path_buf(),
            problem: format!("is larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| CredentialsError::Incomplete { path: path.to_path_buf(), problem: "is not UTF-8 text".into() })?;
    parse_credential_file(&text, path)
}

/// Where the region in use came from; shown at -v so "why this region?" has an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    Flag,
    AwsRegion,
    AwsDefaultRegion,
    CredentialFile,
    Profile,
    InstanceMetadata,
}

impl fmt::Display for RegionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegionSource::Flag => "--region",
            RegionSource::AwsRegion => "AWS_REGION",
            RegionSource::AwsDefaultRegion => "AWS_DEFAULT_REGION",
            RegionSource::CredentialFile => "AWS_CREDENTIAL_FILE",
            RegionSource::Profile => "the AWS profile",
            RegionSource::InstanceMetadata => "instance metadata",
        })
    }
}

/// The region precedence, as a pure function of the candidates.
pub fn pick_region(candidates: [(Option<&Region>, RegionSource); 5]) -> Option<(Region, RegionSource)> {
    candidates.into_iter().find_map(|(region, source)| region.map(|r| (r.clone(), source)))
}

/// Everything amitools decided about authentication before talking to AWS.
#[derive(Debug)]
pub struct AuthSettings {
    /// Fixed credentials (environment or credential file); None: aws-config's chain.
    pub credentials: Option<StaticCredentials>,
    /// None: look up the profile's region, then instance metadata (and fail
    /// with NoRegion if neither has one).
    pub region: Option<(Region, RegionSource)>,
    pub profile: Option<String>,
    /// `--profile` was given: its credentials, and nothing else's, are used
    /// (a command-line option beats keys left in the environment, as in the AWS CLI).
    pub profile_only: bool,
}

/// Resolve credentials and region from the flag and the environment.
/// `env` looks a variable up; tests pass a map instead of the process environment.
pub fn resolve(
    region_flag: Option<&Region>,
    profile_flag: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<AuthSettings, CredentialsError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let env_region = |name: &'static str| -> Result<Option<Region>, CredentialsError> {
        var(name)
            .map(|v| v.trim().parse::<Region>())
            .transpose()
            .map_err(|e| CredentialsError::BadRegion { source_name: name.to_string(), reason: e.to_string() })
    };
    let aws_region = env_region("AWS_REGION")?;
    let aws_default_region = env_region("AWS_DEFAULT_REGION")?;

    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        if let Some(problem) = var(name).as_deref().and_then(secret_problem) {
            return Err(CredentialsError::BadSecret { source_name: name.to_string(), problem });
        }
    }
    let env_credentials = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => {
            Some(StaticCredentials { access_key_id, secret_access_key, session_token: var("AWS_SESSION_TOKEN") })
        }
        (Some(_), None) => {
            return Err(CredentialsError::HalfSetEnvironment {
                present: "AWS_ACCESS_KEY_ID",
                missing: "AWS_SECRET_ACCESS_KEY",
            })
        }
        (None, Some(_)) => {
            return Err(CredentialsError::HalfSetEnvironment {
                present: "AWS_SECRET_ACCESS_KEY",
                missing: "AWS_ACCESS_KEY_ID",
            })
        }
        (None, None) => None,
    };

    // The file is read even when the environment holds keys: its region still
    // counts, and a broken file should be reported, not silently ignored.
    let file = match var("AWS_CREDENTIAL_FILE") {
        Some(path) => load_credential_file(Path::new(&path))?,
        None => CredentialFile::default(),
    };

    let region = pick_region([
        (region_flag, RegionSource::Flag),
        (aws_region.as_ref(), RegionSource::AwsRegion),
        (aws_default_region.as_ref(), RegionSource::AwsDefaultRegion),
        (file.region.as_ref(), RegionSource::CredentialFile),
        (None, RegionSource::Profile),
    ]);
    let profile = profile_flag.map(str::to_string).or_else(|| var("AWS_PROFILE"));
    let profile_only = profile_flag.is_some();
    let credentials = if profile_only { None } else { env_credentials.or(file.credentials) };
    Ok(AuthSettings { credentials, region, profile, profile_only })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(text: &str) -> Result<CredentialFile, CredentialsError> {
        parse_credential_file(text, Path::new("/creds"))
    }

    fn line_error(text: &str) -> (usize, String) {
        match parse(text) {
            Err(CredentialsError::BadLine { line, problem, .. }) => (line, problem),
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    #[test]
    fn good_file_with_comments_blank_lines_and_spaces() {
        let file = parse(
            "# my keys\n\n  aws_access_key_id = AKIDEXAMPLE \naws_secret_access_key=s3cr3t\nregion = eu-west-1\n",
        )
        .unwrap();
        let creds = file.credentials.unwrap();
        assert_eq!(creds.access_key_id, "AKIDEXAMPLE");
        assert_eq!(creds.secret_access_key, "s3cr3t");
        assert_eq!(creds.session_token, None);
        assert_eq!(file.region.unwrap().as_str(), "eu-west-1");
    }

    #[test]
    fn legacy_ec2_tools_keys() {
        let creds = parse("AWSAccessKeyId=AKID\nAWSSecretKey=SECRET\n").unwrap().credentials.unwrap();
        assert_eq!((creds.access_key_id.as_str(), creds.secret_access_key.as_str()), ("AKID", "SECRET"));
    }

    #[test]
    fn session_token_is_accepted() {
        let creds = parse("aws_access_key_id=A\naws_secret_access_key=B\naws_session_token=T\n").unwrap();
        assert_eq!(creds.credentials.unwrap().session_token.as_deref(), Some("T"));
    }

    #[test]
    fn region_only_file_leaves_credentials_to_the_chain() {
        let file = parse("region=us-west-2\n").unwrap();
        assert!(file.credentials.is_none());
        assert_eq!(file.region.unwrap().as_str(), "us-west-2");
    }

    #[test]
    fn each_kind_of_bad_line_names_its_number() {
        assert_eq!(line_error("# c\nAKIDNOEQUALS\n").0, 2);
        let (line, problem) = line_error("aws_access_key_id=A\nsecret=B\n");
        assert_eq!(line, 2);
        assert!(problem.contains("unknown key 'secret'"), "{problem}");
        assert_eq!(line_error("\n\n=value\n").0, 3);
        assert!(line_error("region=\n").1.contains("empty value"));
        let (line, problem) = line_error("region=us-east-1\nregion=us-west-2\n");
        assert_eq!(line, 2);
        assert!(problem.contains("first set on line 1"), "{problem}");
        let (line, problem) = line_error("aws_access_key_id=A\naws_secret_access_key=B\nregion=mars\n");
        assert_eq!(line, 3);
        assert!(problem.contains("'mars'"), "{problem}");
    }

    #[test]
    fn bad_lines_never_echo_values() {
        let (_, problem) = line_error("wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET\n");
        assert!(!problem.contains("wJalr"), "{problem}");
        let (_, problem) = line_error("secret_key=wJalrXUtnFEMI\n");
        assert!(!problem.contains("wJalr"), "{problem}");
    }

    #[test]
    fn key_id_without_secret_and_the_reverse() {
        assert!(matches!(parse("aws_access_key_id=A\n"), Err(CredentialsError::Incomplete { .. })));
        assert!(matches!(parse("AWSSecretKey=B\n"), Err(CredentialsError::Incomplete { .. })));
        assert!(matches!(parse("aws_session_token=T\n"), Err(CredentialsError::Incomplete { .. })));
    }

    #[test]
    fn permission_refusal_shows_mode_and_fix() {
        assert!(check_permissions(0o100600, Path::new("/c")).is_ok());
        assert!(check_permissions(0o100400, Path::new("/c")).is_ok());
        for mode in [0o100644, 0o100640, 0o100604, 0o100660] {
            let msg = check_permissions(mode, Path::new("/home/u/creds")).unwrap_err().to_string();
            assert!(msg.contains(&format!("{:04o}", mode & 0o7777)), "{msg}");
            assert!(msg.contains("chmod 600 /home/u/creds"), "{msg}");
        }
    }

    #[test]
    fn real_file_with_open_permissions_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds");
        std::fs::write(&path, "region=us-east-1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(load_credential_file(&path), Err(CredentialsError::TooOpen { mode: 0o644, .. })));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load_credential_file(&path).is_ok());
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    fn region(name: &str) -> Region {
        name.parse().unwrap()
    }

    #[test]
    fn region_precedence() {
        let file_region = region("eu-west-1");
        let (flag, env1, env2) = (region("us-west-2"), region("ap-south-1"), region("sa-east-1"));
        let pick = |f: Option<&Region>, a: Option<&Region>, d: Option<&Region>, c: Option<&Region>| {
            pick_region([
                (f, RegionSource::Flag),
                (a, RegionSource::AwsRegion),
                (d, RegionSource::AwsDefaultRegion),
                (c, RegionSource::CredentialFile),
                (None, RegionSource::Profile),
            ])
            .map(|(r, s)| (r.as_str().to_string(), s))
        };
        let all = pick(Some(&flag), Some(&env1), Some(&env2), Some(&file_region));
        assert_eq!(all, Some(("us-west-2".into(), RegionSource::Flag)));
        assert_eq!(pick(None, Some(&env1), Some(&env2), Some(&file_region)).unwrap().1, RegionSource::AwsRegion);
        assert_eq!(pick(None, None, Some(&env2), Some(&file_region)).unwrap().1, RegionSource::AwsDefaultRegion);
        assert_eq!(pick(None, None, None, Some(&file_region)).unwrap().1, RegionSource::CredentialFile);
        assert_eq!(pick(None, None, None, None), None);
    }

    #[test]
    fn resolve_from_environment() {
        let settings = resolve(
            None,
            None,
            env_of(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "S"),
                ("AWS_SESSION_TOKEN", "T"),
                ("AWS_DEFAULT_REGION", "eu-north-1"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.credentials.as_ref().unwrap().session_token.as_deref(), Some("T"));
        assert_eq!(settings.region.unwrap(), (region("eu-north-1"), RegionSource::AwsDefaultRegion));
    }

    #[test]
    fn environment_keys_beat_the_file_but_the_file_region_counts() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds");
        std::fs::write(&path, "aws_access_key_id=FILEKEY\naws_secret_access_key=FILESECRET\nregion=ca-central-1\n")
            .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = path.to_str().unwrap();
        let settings = resolve(None, None, env_of(&[("AWS_CREDENTIAL_FILE", path)])).unwrap();
        assert_eq!(settings.credentials.unwrap().access_key_id, "FILEKEY");
        assert_eq!(settings.region.unwrap().1, RegionSource::CredentialFile);
        let settings = resolve(
            None,
            None,
            env_of(&[("AWS_CREDENTIAL_FILE", path), ("AWS_ACCESS_KEY_ID", "ENVKEY"), ("AWS_SECRET_ACCESS_KEY", "X")]),
        )
        .unwrap();
        assert_eq!(settings.credentials.unwrap().access_key_id, "ENVKEY");
    }

    #[test]
    fn half_set_environment_and_bad_env_region() {
        assert!(matches!(
            resolve(None, None, env_of(&[("AWS_ACCESS_KEY_ID", "A")])),
            Err(CredentialsError::HalfSetEnvironment { missing: "AWS_SECRET_ACCESS_KEY", .. })
        ));
        let err = resolve(None, None, env_of(&[("AWS_REGION", "nowhere")])).unwrap_err().to_string();
        assert!(err.contains("AWS_REGION") && err.contains("'nowhere'"), "{err}");
    }

    #[test]
    fn profile_flag_beats_aws_profile() {
        let s = resolve(None, Some("prod"), env_of(&[("AWS_PROFILE", "dev")])).unwrap();
        assert_eq!(s.profile.as_deref(), Some("prod"));
        assert!(s.region.is_none());
        let s = resolve(None, None, env_of(&[("AWS_PROFILE", "dev")])).unwrap();
        assert_eq!(s.profile.as_deref(), Some("dev"));
    }

    #[test]
    fn profile_flag_beats_keys_in_the_environment_but_aws_profile_does_not() {
        let keys = [("AWS_ACCESS_KEY_ID", "AKIDLEFTOVER"), ("AWS_SECRET_ACCESS_KEY", "leftoversecret")];
        let s = resolve(None, Some("prod"), env_of(&keys)).unwrap();
        assert!(s.credentials.is_none() && s.profile_only);
        let mut with_profile = keys.to_vec();
        with_profile.push(("AWS_PROFILE", "dev"));
        let s = resolve(None, None, env_of(&with_profile)).unwrap();
        assert_eq!(s.credentials.map(|c| c.access_key_id).as_deref(), Some("AKIDLEFTOVER"));
        assert!(!s.profile_only);
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC{0,200}", lines in proptest::collection::vec("[ -~]{0,40}", 0..8)) {
            let _ = parse(&text);
            let _ = parse(&lines.join("\n"));
        }

        #[test]
        fn valid_files_round_trip(
            key in "[A-Z0-9]{16,20}",
            secret in "[A-Za-z0-9/+]{20,40}",
            region in proptest::sample::select(vec!["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"]),
            legacy in proptest::bool::ANY,
            pad in "[ \t]{0,3}",
            comment in "[ -~]{0,30}",
        ) {
            let (key_name, secret_name) = if legacy { ("AWSAccessKeyId", "AWSSecretKey") } else { ("aws_access_key_id", "aws_secret_access_key") };
            let text = format!("#{comment}\n{pad}{key_name}{pad}={pad}{key}{pad}\n\n{secret_name}={secret}\nregion{pad}={region}\n");
            let file = parse(&text).unwrap();
            let creds = file.credentials.unwrap();
            proptest::prop_assert_eq!(creds.access_key_id, key);
            proptest::prop_assert_eq!(creds.secret_access_key, secret);
            proptest::prop_assert_eq!(file.region.unwrap().to_string(), region);
        }
    }

    #[test]
    fn profile_files_with_unsignable_values_are_refused_by_line() {
        let good = "[default]\r\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = abc/def+ghi\n\n[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:5000\n";
        assert_eq!(profile_file_problem(good), None);
        let wrapped = "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = abcdef\n    ghijkl\n";
        assert_eq!(
            profile_file_problem(wrapped),
            Some((
                4,
                "continues the value of aws_secret_access_key on an indented line (a key wrapped onto two lines?)"
                    .to_string()
            ))
        );
        let control = "[default]\naws_access_key_id = AKID\u{1}EXAMPLE\n";
        assert_eq!(profile_file_problem(control), Some((2, "holds a control character".to_string())));
        let carriage = "[default]\naws_secret_access_key = abc\rdef\n";
        assert_eq!(profile_file_problem(carriage).map(|p| p.0), Some(2));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let creds = StaticCredentials {
            access_key_id: "A".into(),
            secret_access_key: "TOPSECRET".into(),
            session_token: Some("TOKEN".into()),
        };
        let shown = format!("{creds:?}");
        assert!(!shown.contains("TOPSECRET") && !shown.contains("TOKEN"), "{shown}");
    }
}
