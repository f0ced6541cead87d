//! Other accounts (`--accounts`, `--role`): an `SdkAws` per account, whose
//! credentials come from STS AssumeRole on the caller's own credentials.
//!
//! Each account gets its own HTTPS client (connections belong to the tokio
//! runtime that opened them, and each account's questions run on its own
//! thread and runtime), its own pacing (EC2 throttles each account apart)
//! and its own retry quota; the activity counters are shared, so that one
//! status line counts every account's answers.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::provider::{self, error::CredentialsError, future, ProvideCredentials};
use aws_credential_types::Credentials;
use aws_sdk_ec2::config::Region as SdkRegion;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;

use super::connect::{https_client, retry_partition_named};
use super::guards::ResponseGuard;
use super::pacing::Pacer;
use super::{AwsError, AwsErrorKind, SdkAws};

/// The role session name every assumed role's session carries: what
/// CloudTrail in the other account shows as the caller.
pub const SESSION_NAME: &str = "amitools";

impl SdkAws {
    /// An STS client on `config`, with amitools' interceptors.
    pub(super) fn sts_client(&self, config: &SdkConfig) -> (aws_sdk_sts::Client, super::guards::EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("sts", &self.home_region);
        let config = aws_sdk_sts::config::Builder::from(config)
            .region(SdkRegion::new(self.home_region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .interceptor(self.pace_observer(&self.home_region, "sts"))
            .retry_partition(self.retry_partition.clone())
            .build();
        (aws_sdk_sts::Client::from_conf(config), endpoint)
    }

    /// The AWS handle of `account`, through the role `role` there
    /// (`arn:PARTITION:iam::ACCOUNT:role/ROLE`). The role is assumed now, so
    /// that a role that cannot be assumed is an error here, named, and not a
    /// failure of the first question asked of the account.
    pub fn assume_role(&self, account: &str, role: &str, partition: &str) -> Result<SdkAws, AwsError> {
        const ACTION: &str = "AssumeRole";
        let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
        let (client, endpoint) = self.sts_client(&self.config);
        let out = self.wait_for(&self.home_region, "sts", ACTION, &endpoint, || {
            client.assume_role().role_arn(&role_arn).role_session_name(SESSION_NAME).send()
        })?;
        let refused = |why: String| AwsError::new(ACTION, AwsErrorKind::Other, why, &endpoint.name());
        let credentials =
            credentials_of(&out).ok_or_else(|| refused(format!("STS returned no credentials for {role_arn}")))?;
        // The session must act in the account asked for: an ARN is what STS
        // says, and a role in another account would read the wrong images.
        let acting = out.assumed_role_user().and_then(|user| user.arn().split(':').nth(4)).unwrap_or_default();
        if acting != account {
            return Err(refused(format!(
                "assuming {role_arn} gave a session in account '{}', not {account}",
                crate::output::shown(acting)
            )));
        }
        // This account's own connections (see the module's comment), for its
        // requests and for renewing its credentials.
        let http = https_client();
        let base = self.config.clone().into_builder().http_client(http).build();
        let (renewal_client, _) = self.sts_client(&base);
        let provider_arn = role_arn.clone();
        let provider = AssumedRole { client: renewal_client, role_arn, first: Mutex::new(Some(credentials)) };
        let config =
            base.into_builder().credentials_provider(provider::SharedCredentialsProvider::new(provider)).build();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread tokio runtime always builds");
        Ok(SdkAws {
            runtime,
            config,
            clients: Default::default(),
            endpoint_url: self.endpoint_url.clone(),
            region_endpoints: self.region_endpoints.clone(),
            endpoint_for_all_services: self.endpoint_for_all_services,
            endpoints_seen: Default::default(),
            home_region: self.home_region.clone(),
            pacer: Arc::new(Pacer::default()),
            activity: self.activity.clone(),
            retry_partition: retry_partition_named(format!("amitools-{account}")),
            credential_source: format!("role {} assumed with {}", provider_arn, self.credential_source),
        })
    }
}

/// The credentials AssumeRole handed out, registered as secrets (never logged).
fn credentials_of(out: &AssumeRoleOutput) -> Option<Credentials> {
    let given = out.credentials()?;
    crate::logging::add_secrets([given.secret_access_key().to_string(), given.session_token().to_string()]);
    Some(Credentials::new(
        given.access_key_id(),
        given.secret_access_key(),
        Some(given.session_token().to_string()),
        SystemTime::try_from(*given.expiration()).ok(),
        "amitools-assume-role",
    ))
}

impl SdkAws {
    /// This handle is `account`'s among several (--profiles): its own retry
    /// quota, as each assumed role's (EC2 throttles accounts apart).
    pub fn for_account(mut self, account: &str) -> SdkAws {
        self.retry_partition = retry_partition_named(format!("amitools-{account}"));
        self.clients.borrow_mut().clear();
        self
    }
}

/// An assumed role's credentials: the first ones from `assume_role`, then
/// renewed through STS when the SDK's cache finds them about to expire (an
/// hour by default; a long prune outlives them).
#[derive(Debug)]
struct AssumedRole {
    client: aws_sdk_sts::Client,
    role_arn: String,
    first: Mutex<Option<Credentials>>,
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            if let Some(first) = self.first.lock().unwrap_or_else(|e| e.into_inner()).take() {
                return Ok(first);
            }
            let out = self
                .client
                .assume_role()
                .role_arn(&self.role_arn)
                .role_session_name(SESSION_NAME)
                .send()
                .await
                .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "renewing {}: {}",
                    self.role_arn,
                    aws_smithy_types::error::display::DisplayErrorContext(e)
                ))
            })?;
            credentials_of(&out)
                .ok_or_else(|| CredentialsError::provider_error("STS AssumeRole returned no credentials"))
        })
    }
}
