//! The AWS boundary: the only code that touches the AWS SDK.
//!
//! Commands and the domain see the `Aws` handle (`api.rs`) and amitools'
//! own types (`Image`, `AmiId`, `AwsError`); here those questions become SDK
//! requests, blocking on a current-thread runtime. One file per concern:
//!
//! - `api.rs`: the traits (`Images`, `ImageChanges`, `ImageRetirement`, `ImageUses`,
//!   `ImageSharing`, `ImageUsageReports`, `Account`, `Metered`, joined as
//!   `Aws`) and amitools-side request types;
//! - `activity.rs`: counts of what has been asked and answered so far, for
//!   status lines;
//! - `connect.rs`: configuration, credentials and region, timeouts, retries,
//!   the HTTPS client, a client per region and service (`SdkAws`);
//! - `credentials.rs`: every provider's credentials checked before signing,
//!   a profile's credential_process run bounded;
//! - `guards.rs`: what every request and answer passes through (attempts,
//!   answer size, entries and completeness, the endpoint used);
//! - `error.rs`: how a failure is classified and told;
//! - `pacing.rs`: amitools' own request rate per region and action, inside
//!   EC2's documented buckets, adapting when throttled;
//! - `runtime.rs`: blocking on one request or many, with bounded concurrency,
//!   each request paced and a throttled one sent again while time allows;
//! - `paging.rs`: NextToken checks and listing bounds;
//! - `images.rs`, `changes.rs`, `retirement.rs`, `uses.rs`, `sharing.rs`, `usage_reports.rs`,
//!   `account.rs`: each trait through the SDK;
//! - `fake.rs` (tests only): the in-memory implementation of the same traits.
//!
//! More than one account later means more than one `SdkAws` (each with its
//! own credentials, clients and, with the rate-limits issue, pacing), each an
//! `Aws` handle: commands already reach AWS only through one.

mod account;
mod activity;
mod api;
mod assume;
mod changes;
mod connect;
mod credentials;
mod error;
#[cfg(test)]
pub mod fake;
mod guards;
mod images;
mod pacing;
mod paging;
mod retirement;
mod runtime;
mod sharing;
mod usage_reports;
mod uses;

pub use activity::{Activity, ActivityCount};
pub use api::{
    Account, Aws, ImageChanges, ImageCopy, ImageKey, ImageRetirement, ImageSharing, ImageUsageReports, ImageUses,
    Images, Metered, NewImage, OnePage, ReferencesAnswer, RegionResult, SharingAnswer, Tags, FILTER_VALUES_MAX,
    LAUNCH_CONFIGURATION,
};
pub use assume::SESSION_NAME;
pub use connect::{ConnectOptions, SdkAws};
pub use error::{classify, AwsError, AwsErrorKind, Failure};
