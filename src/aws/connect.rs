//! Connecting: the SDK's configuration (region, credentials, the HTTPS
//! client, timeouts and retries), and a client per region and service, each
//! with amitools' guards. `SdkAws` owns a current-thread tokio runtime: the
//! SDK is async, amitools' commands are not (`runtime.rs` blocks on it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::retry::{RetryPartition, TokenBucket};
use aws_sdk_ec2::config::{Credentials, Region as SdkRegion};
use aws_sdk_ec2::Client;

use super::activity::Activity;
use super::credentials::{
    own_credential_process, with_checked_credentials, with_credential_source, ProcessCredentials,
};
use super::guards::{EndpointName, EndpointSeen, PaceObserver, ResponseGuard};
use super::pacing::Pacer;
use crate::credentials::{AuthSettings, CredentialsError, RegionSource};
use crate::ids::Region;

/// How amitools connects: the result of flags, environment and profile.
pub struct ConnectOptions<'a> {
    pub auth: AuthSettings,
    /// One URL for every region (an endpoint that serves them all).
    pub endpoint_url: Option<&'a str>,
    /// Whether `endpoint_url` also serves Auto Scaling and STS (--endpoint-url,
    /// AWS_ENDPOINT_URL) or EC2 only (AWS_ENDPOINT_URL_EC2).
    pub endpoint_for_all_services: bool,
    /// A URL per region (VPC endpoints); beats `endpoint_url` for its region.
    pub region_endpoints: Vec<(Region, String)>,
}

/// The real EC2, through the SDK.
pub struct SdkAws {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) config: SdkConfig,
    pub(super) clients: RefCell<HashMap<Region, Client>>,
    /// A custom endpoint (the simulator); None means AWS's regional endpoints.
    pub(super) endpoint_url: Option<String>,
    pub(super) region_endpoints: HashMap<Region, String>,
    pub(super) endpoint_for_all_services: bool,
    /// Per region, the endpoint the SDK last sent a request to: what error
    /// messages name (a profile's services configuration, China, GovCloud).
    pub(super) endpoints_seen: RefCell<HashMap<Region, EndpointSeen>>,
    /// The region in use, where account-wide questions (DescribeRegions) are asked.
    pub(super) home_region: Region,
    /// This account's request pacing, per region and action (pacing.rs).
    pub(super) pacer: Arc<Pacer>,
    /// What has been asked and answered so far (activity.rs).
    pub(super) activity: Arc<Activity>,
    /// One retry quota for every client, which throttled retries do not spend.
    pub(super) retry_partition: RetryPartition,
    /// Where the credentials come from, for messages (never a value).
    pub(super) credential_source: String,
}

/// The SDK's retry quota (a bucket of 500, 5 a retry) is there so that an
/// outage does not become a retry storm. Throttling is not an outage: a big
/// backlog meets it for minutes, paced, and must not drain the quota that
/// makes a dead endpoint fail within seconds — throttled retries cost nothing.
fn retry_partition() -> RetryPartition {
    retry_partition_named("amitools".to_string())
}

/// The retry quota of one account (each account's own: see `retry_partition`).
pub(super) fn retry_partition_named(name: String) -> RetryPartition {
    RetryPartition::custom(name).token_bucket(TokenBucket::builder().throttling_retry_cost(0).build()).build()
}

/// The SDK's own retries absorb throttling and transient faults.
/// Standard mode: exponential backoff with full jitter and a client-side retry
/// quota (so a real outage does not turn into a retry storm). Ten attempts
/// ride out even 40% failed requests (0.4^10 ≈ 1e-4 per call). The short
/// backoff (50 ms doubling to at most 1 s) keeps an unreachable endpoint's
/// total to a few seconds: a dead endpoint fails fast instead of hanging a
/// pipeline, while throttling is still spread out by the jitter.
fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(1))
}

/// Never infinite: a stalled connection must not hang a 3 a.m. pipeline.
fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .operation_attempt_timeout(Duration::from_secs(30))
        // An endpoint that accepts and never answers costs two attempts, not ten.
        .operation_timeout(Duration::from_secs(60))
        .build()
}

impl SdkAws {
    /// Build the SDK configuration. Returns the client and the default region.
    pub fn connect(options: ConnectOptions<'_>) -> Result<(SdkAws, Region), CredentialsError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread tokio runtime always builds");
        let auth = options.auth;
        let region = match auth.region {
            Some((region, source)) => {
                log::info!("region {region} (from {source})");
                region
            }
            None => {
                let (region, source) = runtime.block_on(fallback_region(auth.profile.as_deref()))?;
                log::info!("region {region} (from {source})");
                region
            }
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .region(SdkRegion::new(region.to_string()))
            .retry_config(retry_config())
            .timeout_config(timeout_config());
        if let Some(profile) = &auth.profile {
            loader = loader.profile_name(profile);
        }
        let credential_source;
        let process = match &auth.credentials {
            Some(_) => None,
            None => own_credential_process(auth.profile.as_deref().unwrap_or("default")),
        };
        if let Some((profile, command)) = process {
            // The profile's keys come from its credential_process: amitools runs
            // it, bounded (see credential_process.rs), not the SDK.
            let source = crate::credential_process::describe(&profile, &command);
            log::info!("credentials: {source}");
            credential_source = source;
            loader = loader.credentials_provider(ProcessCredentials { command });
        } else if let (true, Some(profile)) = (auth.profile_only, &auth.profile) {
            // --profile: that profile's credentials only, not keys the
            // environment still holds (the default chain would try those first).
            log::info!("credentials: profile '{profile}' (--profile)");
            credential_source = format!("profile '{profile}' (--profile)");
            loader = loader.credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&providers(Some(&region)))
                    .profile_name(profile)
                    .build(),
            );
        } else if let Some(creds) = auth.credentials {
            log::info!("credentials: static key {} (environment or AWS_CREDENTIAL_FILE)", creds.access_key_id);
            credential_source = "the environment or AWS_CREDENTIAL_FILE".to_string();
            loader = loader.credentials_provider(Credentials::new(
                creds.access_key_id,
                creds.secret_access_key,
                creds.session_token,
                None,
                "amitools",
            ));
        } else {
            log::info!("credentials: aws-config default chain");
            let profile = auth.profile.as_deref().unwrap_or("default");
            credential_source = format!(
                "the environment, AWS_CREDENTIAL_FILE, profile '{profile}' in ~/.aws/config and ~/.aws/credentials, SSO, web identity, container and instance metadata"
            );
        }
        if let (Some(url), true) = (options.endpoint_url, options.endpoint_for_all_services) {
            loader = loader.endpoint_url(url);
        }
        let config = with_checked_credentials(runtime.block_on(loader.load()));
        let ec2 = SdkAws {
            runtime,
            config,
            clients: RefCell::new(HashMap::new()),
            endpoint_url: options.endpoint_url.map(str::to_string),
            region_endpoints: options.region_endpoints.into_iter().collect(),
            endpoint_for_all_services: options.endpoint_for_all_services,
            endpoints_seen: RefCell::new(HashMap::new()),
            home_region: region.clone(),
            pacer: Arc::new(Pacer::default()),
            activity: Arc::new(Activity::default()),
            retry_partition: retry_partition(),
            credential_source,
        };
        Ok((ec2, region))
    }

    /// Block on `request`, its credentials failures told as this handle's
    /// (each account's handle has its own credentials).
    pub(super) fn block<F: std::future::Future>(&self, request: F) -> F::Output {
        with_credential_source(&self.credential_source, || self.runtime.block_on(request))
    }

    pub(super) fn client(&self, region: &Region) -> Client {
        self.clients
            .borrow_mut()
            .entry(region.clone())
            .or_insert_with(|| {
                let seen = EndpointSeen::default();
                self.endpoints_seen.borrow_mut().insert(region.clone(), seen.clone());
                let mut config = aws_sdk_ec2::config::Builder::from(&self.config)
                    .region(SdkRegion::new(region.to_string()))
                    .interceptor(ResponseGuard)
                    .interceptor(seen)
                    .interceptor(self.pace_observer(region, "ec2"))
                    .retry_partition(self.retry_partition.clone());
                if let Some(url) = self.region_endpoints.get(region).or(self.endpoint_url.as_ref()) {
                    config = config.endpoint_url(url);
                }
                let config = config.build();
                Client::from_conf(config)
            })
            .clone()
    }

    /// The endpoint requests for `region` go to: as the SDK resolved it once
    /// it has sent one, before that what amitools expects it to be.
    pub(super) fn endpoint(&self, region: &Region) -> EndpointName {
        let fallback = match self.region_endpoints.get(region).or(self.endpoint_url.as_ref()) {
            Some(url) => url.clone(),
            None => {
                // China's regions live under their own domain.
                let domain = if region.as_str().starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
                format!("https://ec2.{region}.{domain}")
            }
        };
        self.client(region); // registers the region's EndpointSeen
        let seen = self.endpoints_seen.borrow().get(region).cloned();
        EndpointName { seen, fallback }
    }
}

/// Clients of the other services, with amitools' interceptors.
impl SdkAws {
    /// An Auto Scaling client for the region, with amitools' interceptors.
    pub(super) fn autoscaling(&self, region: &Region) -> (aws_sdk_autoscaling::Client, EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("autoscaling", region);
        let config = aws_sdk_autoscaling::config::Builder::from(&self.config)
            .region(SdkRegion::new(region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .interceptor(self.pace_observer(region, "autoscaling"))
            .retry_partition(self.retry_partition.clone())
            .build();
        (aws_sdk_autoscaling::Client::from_conf(config), endpoint)
    }

    /// A Recycle Bin client for the region, with amitools' interceptors.
    pub(super) fn recycle_bin(&self, region: &Region) -> (aws_sdk_rbin::Client, EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("rbin", region);
        let config = aws_sdk_rbin::config::Builder::from(&self.config)
            .region(SdkRegion::new(region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .interceptor(self.pace_observer(region, "rbin"))
            .retry_partition(self.retry_partition.clone())
            .build();
        (aws_sdk_rbin::Client::from_conf(config), endpoint)
    }

    /// A KMS client for the region, with amitools' interceptors.
    pub(super) fn kms(&self, region: &Region) -> (aws_sdk_kms::Client, EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("kms", region);
        let config = aws_sdk_kms::config::Builder::from(&self.config)
            .region(SdkRegion::new(region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .interceptor(self.pace_observer(region, "kms"))
            .retry_partition(self.retry_partition.clone())
            .build();
        (aws_sdk_kms::Client::from_conf(config), endpoint)
    }

    /// The interceptor that tells the pacer how `service`'s answers in `region` went.
    pub(super) fn pace_observer(&self, region: &Region, service: &'static str) -> PaceObserver {
        PaceObserver { pacer: self.pacer.clone(), activity: self.activity.clone(), region: region.clone(), service }
    }

    /// How messages name another service's endpoint: the one a request went
    /// to once sent (the interceptor records it), else what amitools expects.
    pub(super) fn other_service_endpoint(&self, service: &str, region: &Region) -> (EndpointSeen, EndpointName) {
        let seen = EndpointSeen::default();
        let fallback = match &self.endpoint_url {
            Some(url) if self.endpoint_for_all_services => url.clone(),
            _ => format!("https://{service}.{region}.amazonaws.com"),
        };
        (seen.clone(), EndpointName { seen: Some(seen), fallback })
    }
}

/// The SDK's default HTTPS client (proxy settings from the environment, the
/// system's root certificates), with rustls on ring rather than aws-lc: the
/// same TLS 1.2/1.3 to AWS, a smaller binary, no cmake to build it.
pub(super) fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// What the credential and region providers amitools builds itself run
/// with: amitools' HTTPS client (the SDK has no default one here), and the region.
fn providers(region: Option<&Region>) -> aws_config::provider_config::ProviderConfig {
    aws_config::provider_config::ProviderConfig::without_region()
        .with_http_client(https_client())
        .with_region(region.map(|r| SdkRegion::new(r.to_string())))
}

/// The region when neither flag, environment nor credential file names one:
/// the profile's, then (as the AWS SDK's default chain ends) instance
/// metadata's, so that an EC2 build host with only an instance role works.
async fn fallback_region(profile: Option<&str>) -> Result<(Region, RegionSource), CredentialsError> {
    let mut builder = aws_config::profile::ProfileFileRegionProvider::builder().configure(&providers(None));
    if let Some(profile) = profile {
        builder = builder.profile_name(profile);
    }
    let (found, source, source_name) = match builder.build().region().await {
        Some(found) => (
            found,
            RegionSource::Profile,
            format!("the AWS profile{}", profile.map(|p| format!(" '{p}'")).unwrap_or_default()),
        ),
        None => {
            // Honours AWS_EC2_METADATA_DISABLED and AWS_EC2_METADATA_SERVICE_ENDPOINT.
            let found = aws_config::imds::region::ImdsRegionProvider::builder()
                .configure(&providers(None))
                .build()
                .region()
                .await
                .ok_or(CredentialsError::NoRegion)?;
            (found, RegionSource::InstanceMetadata, "instance metadata".to_string())
        }
    };
    let region = found
        .as_ref()
        .parse::<Region>()
        .map_err(|e| CredentialsError::BadRegion { source_name, reason: e.to_string() })?;
    Ok((region, source))
}
