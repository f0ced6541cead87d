//! Blocking on the SDK: one request at a time (`send`, `wait_for`), or many
//! at once with a bound on how many are in flight (`run_at_most`), their
//! answers per region (`run_by_region`). Where requests wait, pacing will.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::Client;

use super::error::HasStatus;
use super::guards::EndpointName;
use super::images::ImagesQuery;
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
        request: impl FnOnce(Client) -> F,
    ) -> Result<T, AwsError>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        let endpoint = self.endpoint(region);
        self.wait_for(action, &endpoint, request(self.client(region)))
    }

    /// Wait for one SDK request, of any service; a failure names the action and endpoint.
    pub(super) fn wait_for<T, E, R>(
        &self,
        action: &'static str,
        endpoint: &EndpointName,
        request: impl Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        self.runtime.block_on(request).map_err(|e| AwsError::from_sdk(action, &endpoint.name(), e))
    }

    /// Run futures concurrently on the runtime; their results in input order.
    /// A task that panicked has no result (None).
    pub(super) fn run_all<T: Send + 'static>(
        &self,
        futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>,
    ) -> Vec<Option<T>> {
        self.run_at_most(futures, usize::MAX)
    }

    /// `run_all` with at most `limit` futures in flight: the next starts as
    /// soon as one finishes.
    pub(super) fn run_at_most<T: Send + 'static>(
        &self,
        futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>,
        limit: usize,
    ) -> Vec<Option<T>> {
        let count = futures.len();
        self.runtime.block_on(async {
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
        let (regions, futures): (Vec<Region>, Vec<ImagesQuery>) = queries.into_iter().unzip();
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
