//! Blocking on the SDK: one request at a time (`send`, `wait_for`), or many
//! at once with a bound on how many are in flight (`run_at_most`), their
//! answers per region (`run_by_region`). Where requests wait, pacing will.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::Client;

use super::error::HasStatus;
use super::guards::EndpointName;
use super::images::ImagesQuery;
use super::pacing::Pacer;
use super::{AwsError, AwsErrorKind, RegionResult, SdkAws};
use crate::ids::Region;
use crate::image::Image;

impl SdkAws {
    /// Send one request to `region`'s endpoint and wait for the answer; a
    /// failure names the action and the endpoint the request went to.
    pub(super) fn send<T, E, R, F>(
        &self,
        region: &Region,
        action: &'static str,
        request: impl Fn(Client) -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        self.send_within(region, action, THROTTLED_PATIENCE, request)
    }

    /// `send` for a request that must not be sent again by amitools once the
    /// SDK gave up on it (CreateImage, CopyImage: the duplicate-name logic
    /// owns their retries): paced, but sent once.
    pub(super) fn send_once<T, E, R, F>(
        &self,
        region: &Region,
        action: &'static str,
        request: impl Fn(Client) -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        self.send_within(region, action, Duration::ZERO, request)
    }

    /// One EC2 request in its turn, sent again while throttled for up to `patience`.
    fn send_within<T, E, R, F>(
        &self,
        region: &Region,
        action: &'static str,
        patience: Duration,
        request: impl Fn(Client) -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        let endpoint = self.endpoint(region);
        let client = self.client(region);
        let gate = Gate { pacer: &self.pacer, region, service: "ec2", action };
        self.block(gate.within(patience, || async {
            request(client.clone()).await.map_err(|e| AwsError::from_sdk(action, &endpoint.name(), e))
        }))
    }

    /// Wait for one request of another service (`service` as the pacer knows
    /// it), paced and patient like `send`; a failure names the action and endpoint.
    pub(super) fn wait_for<T, E, R, F>(
        &self,
        region: &Region,
        service: &'static str,
        action: &'static str,
        endpoint: &EndpointName,
        request: impl Fn() -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        let gate = Gate { pacer: &self.pacer, region, service, action };
        self.block(
            gate.patiently(|| async { request().await.map_err(|e| AwsError::from_sdk(action, &endpoint.name(), e)) }),
        )
    }

    /// Run futures concurrently on the runtime, at most `QUERIES_IN_FLIGHT`
    /// at once; their results in input order. A task that panicked has no result (None).
    pub(super) fn run_all<T: Send + 'static>(
        &self,
        futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>,
    ) -> Vec<Option<T>> {
        self.run_at_most(futures, QUERIES_IN_FLIGHT)
    }

    /// `run_all` with at most `limit` futures in flight: the next starts as
    /// soon as one finishes.
    pub(super) fn run_at_most<T: Send + 'static>(
        &self,
        futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>,
        limit: usize,
    ) -> Vec<Option<T>> {
        let count = futures.len();
        self.block(async {
            let mut waiting = futures.into_iter().enumerate();
            let mut tasks = tokio::task::JoinSet::new();
            for (index, future) in waiting.by_ref().take(limit.max(1)) {
                tasks.spawn(async move { (index, future.await) });
            }
            let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
            while let Some(joined) = tasks.join_next().await {
                if let Ok((index, result)) = joined {
                    results[index] = Some(result);
                }
                if let Some((index, future)) = waiting.next() {
                    tasks.spawn(async move { (index, future.await) });
                }
            }
            results
        })
    }

    /// Run queries concurrently; per region (in the order regions first
    /// appear), the images of all its queries or its first error.
    pub(super) fn run_by_region(&self, queries: Vec<(Region, ImagesQuery)>) -> Vec<RegionResult<Vec<Image>>> {
        // Each query counts down its region's queries left; the last one done
        // counts the region as answered (for status lines).
        let mut left: HashMap<Region, Arc<AtomicUsize>> = HashMap::new();
        for (region, _) in &queries {
            left.entry(region.clone()).or_default().fetch_add(1, Ordering::Relaxed);
        }
        let (regions, futures): (Vec<Region>, Vec<ImagesQuery>) = queries
            .into_iter()
            .map(|(region, query)| {
                let left = left[&region].clone();
                let activity = self.activity.clone();
                let counted: ImagesQuery = Box::pin(async move {
                    let result = query.await;
                    if left.fetch_sub(1, Ordering::Relaxed) == 1 {
                        activity.region_answered();
                    }
                    result
                });
                (region, counted)
            })
            .unzip();
        let results = self.run_all(futures);
        let mut order: Vec<Region> = Vec::new();
        let mut by_region: HashMap<Region, Result<Vec<Image>, AwsError>> = HashMap::new();
        for (region, result) in regions.into_iter().zip(results) {
            let result = result.unwrap_or_else(|| {
                Err(AwsError::new(
                    "DescribeImages",
                    AwsErrorKind::Other,
                    "a request ended unexpectedly",
                    &self.endpoint(&region).name(),
                ))
            });
            if !order.contains(&region) {
                order.push(region.clone());
            }
            let entry = by_region.entry(region).or_insert_with(|| Ok(Vec::new()));
            match (entry.as_mut(), result) {
                (Ok(images), Ok(more)) => images.extend(more),
                (Ok(_), Err(error)) => *entry = Err(error),
                (Err(_), _) => {}
            }
        }
        order
            .into_iter()
            .map(|region| {
                let result = by_region.remove(&region).unwrap_or_else(|| Ok(Vec::new()));
                (region, result)
            })
            .collect()
    }
}

/// How long a request that EC2 keeps throttling is sent again before it is a
/// failure: a big backlog may wait minutes behind EC2's refill. Throttling is
/// not an outage: an endpoint that is down fails as fast as before (the
/// SDK's retries, whose quota throttling does not spend: see connect.rs).
/// Queries in flight at once (a generation of `children` across every
/// region, say): enough to hide round trips, few enough that the pacer, not a
/// burst, decides when each is sent.
const QUERIES_IN_FLIGHT: usize = 16;

pub(super) const THROTTLED_PATIENCE: Duration = Duration::from_secs(600);

/// One action's place in the pacer.
pub(super) struct Gate<'a> {
    pub(super) pacer: &'a Pacer,
    pub(super) region: &'a Region,
    pub(super) service: &'static str,
    pub(super) action: &'static str,
}

impl Gate<'_> {
    /// Wait for this request's slot.
    pub(super) async fn wait_turn(&self) {
        let wait = self.pacer.reserve(self.region, self.service, self.action, Instant::now());
        if !wait.is_zero() {
            log::debug!("{} {}: waiting {wait:?} for the request rate", self.region, self.action);
            tokio::time::sleep(wait).await;
        }
    }

    /// Send (`make` builds the request afresh each time) in turn; while EC2
    /// throttles it after the SDK's retries, wait for a new turn and send again,
    /// up to THROTTLED_PATIENCE. Any other outcome is returned at once.
    pub(super) async fn patiently<T, F>(&self, make: impl Fn() -> F) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, AwsError>>,
    {
        self.within(THROTTLED_PATIENCE, make).await
    }

    /// `patiently`, sending again for up to `patience` (zero: once).
    pub(super) async fn within<T, F>(&self, patience: Duration, make: impl Fn() -> F) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, AwsError>>,
    {
        let started = Instant::now();
        loop {
            self.wait_turn().await;
            match make().await {
                Err(error) if error.kind == AwsErrorKind::Throttled && started.elapsed() < patience => {
                    log::info!("{} {}: still throttled; waiting for the request rate", self.region, self.action);
                }
                other => return other,
            }
        }
    }
}
