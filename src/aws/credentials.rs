//! The credentials the SDK signs with: every provider's answer checked
//! before use (a control character made the SDK's signer panic), a profile's
//! own credential_process run by amitools, bounded (see
//! crate::credential_process), and how a credentials failure reads.

use aws_config::SdkConfig;
use aws_sdk_ec2::config::Credentials;

use super::error::{one_line, root_cause};
use super::AwsErrorKind;
use crate::logging;

/// What went wrong resolving credentials, if that is what failed, in one
/// line that names where credentials were looked for (never a value).
pub(super) fn credentials_problem(error: &(dyn std::error::Error + 'static)) -> Option<(AwsErrorKind, String)> {
    use aws_credential_types::provider::error::CredentialsError as Cause;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(cause) = e.downcast_ref::<Cause>() {
            let source = CREDENTIAL_SOURCE.with(|s| s.borrow().clone());
            let tried = source.as_deref().unwrap_or("the AWS SDK's default chain");
            let mut inner = std::error::Error::source(cause);
            while let Some(e) = inner {
                if let Some(bad) = e.downcast_ref::<BadCredentialValue>() {
                    return Some((AwsErrorKind::UnusableCredentials, format!("from {tried}: {bad}")));
                }
                inner = e.source();
            }
            let detail = match cause {
                Cause::CredentialsNotLoaded(_) => format!("none found; looked in {tried}"),
                Cause::ProviderTimedOut(_) => format!("{tried} did not answer in time"),
                Cause::InvalidConfiguration(_) | Cause::ProviderError(_) | Cause::Unhandled(_) => {
                    format!("{tried} failed: {}", one_line(&root_cause(cause)))
                }
                _ => format!("{tried}: {}", one_line(&root_cause(cause))),
            };
            return Some((AwsErrorKind::NoCredentials, detail));
        }
        current = e.source();
    }
    None
}

thread_local! {
    /// Where the credentials of the requests being sent on this thread come
    /// from, for messages: each account's handle has its own (`SdkAws::block`
    /// sets it around its requests; several accounts run on several threads).
    static CREDENTIAL_SOURCE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Run `f` with `source` as where this thread's credentials come from.
pub(super) fn with_credential_source<T>(source: &str, f: impl FnOnce() -> T) -> T {
    let before = CREDENTIAL_SOURCE.with(|s| s.replace(Some(source.to_string())));
    let result = f();
    CREDENTIAL_SOURCE.with(|s| *s.borrow_mut() = before);
    result
}

/// The profile in use and its own credential_process, when its keys come
/// from that alone (no role chain, SSO or static keys: see credential_process.rs).
pub(super) fn own_credential_process(profile: &str) -> Option<(String, String)> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |variable: &str, name: &str| {
        let path = std::env::var_os(variable)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))?;
        // Checked before (regular file, at most 1 MiB) by credentials::check_profile_files.
        std::fs::read_to_string(path).ok()
    };
    let config = file("AWS_CONFIG_FILE", "config");
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let command = crate::credential_process::command_of(profile, config.as_deref(), credentials.as_deref())?;
    Some((profile.to_string(), command))
}

/// A profile's credential_process as a credentials provider.
#[derive(Debug)]
pub(super) struct ProcessCredentials {
    pub(super) command: String,
}

impl aws_credential_types::provider::ProvideCredentials for ProcessCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        use aws_credential_types::provider::error::CredentialsError as Cause;
        // Blocking, bounded by the runner: nothing else can be sent without credentials anyway.
        let answer = crate::credential_process::run(&self.command).map_err(Cause::provider_error);
        aws_credential_types::provider::future::ProvideCredentials::ready(answer.map(|answer| {
            let keys = answer.credentials;
            logging::add_secrets(keys.secrets());
            Credentials::new(
                keys.access_key_id,
                keys.secret_access_key,
                keys.session_token,
                answer.expires,
                "amitools-credential-process",
            )
        }))
    }
}

/// The configuration with its credentials provider behind `CheckedCredentials`.
pub(super) fn with_checked_credentials(config: SdkConfig) -> SdkConfig {
    match config.credentials_provider() {
        Some(inner) => config
            .into_builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(CheckedCredentials(
                inner,
            )))
            .build(),
        None => config,
    }
}

/// Checks the credentials every provider hands out (profile files,
/// `credential_process`, SSO, containers, instance metadata) before the SDK
/// signs with them: a control character in a key, secret or token makes the
/// SDK's signer panic, and a value wrapped onto a second line may be printed
/// in a debug dump. A bad value is refused naming where credentials were
/// looked for and which part is bad, never the value.
#[derive(Debug)]
struct CheckedCredentials(aws_credential_types::provider::SharedCredentialsProvider);

impl aws_credential_types::provider::ProvideCredentials for CheckedCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        use aws_credential_types::provider::error::CredentialsError as Cause;
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let credentials = self.0.provide_credentials().await?;
            let parts = [
                ("access key id", Some(credentials.access_key_id())),
                ("secret access key", Some(credentials.secret_access_key())),
                ("session token", credentials.session_token()),
            ];
            for (part, value) in parts {
                if let Some(problem) = value.and_then(crate::credentials::secret_problem) {
                    return Err(Cause::invalid_configuration(BadCredentialValue { part, problem }));
                }
            }
            Ok(credentials)
        })
    }
}

/// A credential value that cannot be sent (which part, why; never the value).
#[derive(Debug, thiserror::Error)]
#[error("the {part} they gave {problem}")]
struct BadCredentialValue {
    part: &'static str,
    problem: &'static str,
}
