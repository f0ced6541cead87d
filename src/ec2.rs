//! The only module that touches the AWS SDK.
//!
//! The SDK is async; amitools' commands are not. `SdkEc2` owns a
//! current-thread tokio runtime and one EC2 client per region, and exposes
//! blocking calls that return the crate's own types (`Image`, `Instance`,
//! `AmiId`). The operations sit behind the `Ec2` trait so that lineage and
//! waiting logic run against an in-memory fake in unit tests.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::{Credentials, Region as SdkRegion};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::describe_images::builders::DescribeImagesFluentBuilder;
use aws_sdk_ec2::types::{self, Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::credentials::{AuthSettings, CredentialsError, RegionSource};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{
    AncestryEntry, Image, ImageReference, ImageState, ImageUsage, Instance, RetentionRule, SnapshotOutcome,
};
use crate::logging;

/// Tags as amitools passes them around: sorted, so requests and output are stable.
pub type Tags = BTreeMap<String, String>;

/// EC2 accepts at most 200 values in one filter.
const FILTER_VALUES_MAX: usize = 200;
/// DescribeImages' largest page.
const PAGE_SIZE: i32 = 1000;
/// The page that decides whether a region's own images are few enough to
/// read whole: small, so that in a large account the look costs little.
const SMALL_ACCOUNT_PAGE: i32 = 100;

/// DescribeImageReferences takes at most this many image ids per call.
const REFERENCE_IDS_MAX: usize = 10;
/// DescribeImageReferences calls in flight at once (per region).
const REFERENCE_CALLS_IN_FLIGHT: usize = 8;
/// Launch template versions DescribeImageReferences looks through, counting
/// back from the latest: EC2's maximum, so that a non-default version that
/// still names an image counts (EC2's default is only the latest 10).
const LAUNCH_TEMPLATE_VERSION_DEPTH: &str = "10000";
/// The Auto Scaling resource type amitools reports launch configurations as
/// (EC2's DescribeImageReferences does not cover them).
pub const LAUNCH_CONFIGURATION: &str = "autoscaling:LaunchConfiguration";

/// A CreateImage request, in amitools' terms.
#[derive(Debug, Clone)]
pub struct NewImage {
    pub instance_id: InstanceId,
    pub name: String,
    pub description: Option<String>,
    pub no_reboot: bool,
    /// Put on the image and its snapshots in the CreateImage call itself.
    pub tags: Tags,
    /// Put on the image only: the run's marker (see naming::RUN_MARKER).
    pub image_tags: Tags,
    pub dry_run: bool,
}

/// A CopyImage request, in amitools' terms. The copy is made in `dest_region`.
#[derive(Debug, Clone)]
pub struct ImageCopy {
    pub source_image_id: AmiId,
    pub source_region: Region,
    pub dest_region: Region,
    pub name: String,
    pub description: Option<String>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Put on the copy (and its snapshots) in the CopyImage call itself.
    pub tags: Tags,
    /// Put on the copy only: the run's marker (see naming::RUN_MARKER).
    pub image_tags: Tags,
    pub dry_run: bool,
}

/// An image's place: its region and id (a copy has a new id in its own region).
pub type ImageKey = (Region, AmiId);

/// One region's answer to a query asked of several regions at once: a region
/// that refuses (a policy denying it, an opt-in region) must not hide the others.
pub type RegionResult<T> = (Region, Result<T, Ec2Error>);

/// One DescribeImageReferences answer: the images asked about (at most 10)
/// and what uses them, or why that is unknown.
pub type ReferencesAnswer = (Vec<AmiId>, Result<Vec<ImageReference>, Ec2Error>);

/// The EC2 operations amitools uses.
pub trait Ec2 {
    /// The image with this id, or None when EC2 says there is no such image.
    fn describe_image(&self, region: &Region, id: &AmiId) -> Result<Option<Image>, Ec2Error>;
    /// One poll of an image during a wait: like `describe_image`, but bounded
    /// by `within` and with at most one quick retry, since the wait loop
    /// retries (and keeps to its own deadline) itself.
    fn poll_image(&self, region: &Region, id: &AmiId, within: Duration) -> Result<Option<Image>, Ec2Error>;
    /// Per region, the images among `keys` that exist and are visible to
    /// you, deprecated and disabled ones included; the others are simply
    /// absent. Regions are asked concurrently, up to 200 ids per DescribeImages.
    fn find_images(&self, keys: &[ImageKey]) -> Vec<RegionResult<Vec<Image>>>;
    /// EC2's recorded ancestry of an image (GetImageAncestry): the image
    /// itself first, then its source, and so on; at most 50 entries.
    fn image_ancestry(&self, region: &Region, id: &AmiId) -> Result<Vec<AncestryEntry>, Ec2Error>;
    /// Per region, all of the account's own images (deprecated and disabled
    /// included) when one small DescribeImages page holds them, else None.
    fn own_images_in_one_page(&self, regions: &[Region]) -> Vec<RegionResult<Option<Vec<Image>>>>;
    /// Per region, every one of the account's own images (deprecated and
    /// disabled included), paginated.
    fn own_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>>;
    /// Per region, the account's own images (deprecated and disabled included)
    /// whose tag `tag_key` names one of `parents`, and unless `tags_only`
    /// those EC2 records as made from one of them (SourceImageId).
    fn own_images_made_from(
        &self,
        regions: &[Region],
        parents: &[AmiId],
        tag_key: &str,
        tags_only: bool,
    ) -> Vec<RegionResult<Vec<Image>>>;
    /// The account's own image with this name in the region, if any.
    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, Ec2Error>;
    fn describe_instance(&self, region: &Region, id: &InstanceId) -> Result<Instance, Ec2Error>;
    fn create_image(&self, region: &Region, request: &NewImage) -> Result<AmiId, Ec2Error>;
    fn copy_image(&self, request: &ImageCopy) -> Result<AmiId, Ec2Error>;
    /// One CreateTags call; other tags on the image are left alone.
    fn create_tags(&self, region: &Region, id: &AmiId, tags: &Tags, dry_run: bool) -> Result<(), Ec2Error>;
    /// The regions enabled for the account; with `all`, every region EC2
    /// lists, opt-in ones not enabled included.
    fn regions(&self, all: bool) -> Result<Vec<Region>, Ec2Error>;
    /// Per region, the account's own images that are `pending` (creates and
    /// copies in progress).
    fn own_pending_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>>;
    /// What uses these images, per DescribeImageReferences: instances in any
    /// state, launch templates with all their versions, SSM parameters, Image
    /// Builder recipes. Asked 10 ids a call, a few calls at once; each group
    /// of ids comes back with its own answer, so one failure hides nothing else.
    fn image_references(&self, region: &Region, ids: &[AmiId]) -> Vec<ReferencesAnswer>;
    /// The images the region's Auto Scaling launch configurations name
    /// (resource type `LAUNCH_CONFIGURATION`, resource the configuration's name).
    fn launch_configuration_images(&self, region: &Region) -> Result<Vec<ImageReference>, Ec2Error>;
    /// DeregisterImage; with `delete_snapshots`, EC2 also deletes the image's
    /// snapshots no other image uses (DeleteAssociatedSnapshots) and reports each.
    fn deregister_image(
        &self,
        region: &Region,
        id: &AmiId,
        delete_snapshots: bool,
    ) -> Result<Vec<SnapshotOutcome>, Ec2Error>;
    /// The AWS account the credentials belong to (STS GetCallerIdentity).
    fn account_id(&self) -> Result<String, Ec2Error>;
    /// The region's Recycle Bin retention rules for images (ListRules, then GetRule for each).
    fn recycle_bin_rules(&self, region: &Region) -> Result<Vec<RetentionRule>, Ec2Error>;
}

/// What kind of failure an EC2 call ended in; decides retries and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ec2ErrorKind {
    /// The image, instance, … does not exist (or is not visible to you).
    NotFound,
    /// InvalidAMIName.Duplicate: the name is taken in that region.
    DuplicateName,
    /// RequestLimitExceeded and friends.
    Throttled,
    /// Not allowed: a missing IAM permission, a policy denying it.
    Denied,
    /// The credentials were refused: expired, invalid, or signed wrongly.
    BadCredentials,
    /// The request had DryRun set and would have succeeded.
    DryRunSucceeded,
    /// EC2 failed on its side (5xx, InternalError, Unavailable).
    Service,
    /// No answer: connection refused, reset, DNS failure.
    Network,
    /// No answer in time.
    Timeout,
    /// No credentials could be found.
    NoCredentials,
    /// Credentials were found, but a value cannot be sent (a control
    /// character, a key wrapped onto two lines): bad input, nothing was sent.
    UnusableCredentials,
    /// The endpoint does not know the action (an older partition, a simulator).
    Unsupported,
    /// Anything else: EC2 rejected the request.
    Other,
}

impl Ec2ErrorKind {
    /// Worth trying again later (a wait keeps polling through these).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Throttled | Self::Service | Self::Network | Self::Timeout)
    }
}

/// How an SDK call failed, before looking at the error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// EC2 answered with an error (code and HTTP status known).
    Response,
    /// The request never got an answer.
    Dispatch,
    Timeout,
    /// The request could not be built or signed (no credentials, …).
    Construction,
}

/// Classify an EC2 failure. Pure, so the table is unit-tested.
pub fn classify(failure: Failure, code: Option<&str>, status: Option<u16>) -> Ec2ErrorKind {
    match failure {
        Failure::Dispatch => return Ec2ErrorKind::Network,
        Failure::Timeout => return Ec2ErrorKind::Timeout,
        Failure::Construction => return Ec2ErrorKind::NoCredentials,
        Failure::Response => {}
    }
    match code.unwrap_or("") {
        "DryRunOperation" => Ec2ErrorKind::DryRunSucceeded,
        // "The AMI has been deregistered" (EC2's error codes): gone, as NotFound
        // is. Not the 5xx `Unavailable`, which means EC2 itself is.
        "InvalidAMIID.Unavailable" => Ec2ErrorKind::NotFound,
        "InvalidAMIName.Duplicate" => Ec2ErrorKind::DuplicateName,
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestThrottled"
        | "SlowDown" => Ec2ErrorKind::Throttled,
        "UnauthorizedOperation" | "OptInRequired" | "Blocked" | "AccessDenied" => Ec2ErrorKind::Denied,
        "AuthFailure"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "RequestExpired"
        | "UnrecognizedClientException" => Ec2ErrorKind::BadCredentials,
        "InternalError" | "InternalFailure" | "Unavailable" | "ServiceUnavailable" => Ec2ErrorKind::Service,
        "InvalidAction" | "UnsupportedOperation" | "UnknownOperationException" => Ec2ErrorKind::Unsupported,
        code if code.ends_with(".NotFound") => Ec2ErrorKind::NotFound,
        _ => match status {
            Some(503) => Ec2ErrorKind::Throttled,
            Some(s) if s >= 500 => Ec2ErrorKind::Service,
            _ => Ec2ErrorKind::Other,
        },
    }
}

/// A failed EC2 call: which action, what kind, EC2's code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Ec2Error {
    pub action: &'static str,
    pub kind: Ec2ErrorKind,
    pub code: Option<String>,
    pub message: String,
    /// Where the request went, for network errors ("which endpoint is down?").
    pub endpoint: String,
    /// How many attempts the SDK made (1: not retried). A retried CreateImage
    /// that meets InvalidAMIName.Duplicate may have met its own first attempt.
    pub attempts: u32,
}

impl fmt::Display for Ec2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Ec2ErrorKind::Network => {
                write!(f, "{}: cannot reach EC2 at {}: {}", self.action, self.endpoint, self.message)
            }
            Ec2ErrorKind::Timeout => {
                write!(f, "{}: no answer from EC2 at {} in time: {}", self.action, self.endpoint, self.message)
            }
            Ec2ErrorKind::NoCredentials => write!(
                f,
                "no usable AWS credentials ({}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, point AWS_CREDENTIAL_FILE at a key file, or configure a profile (aws configure; --profile NAME)",
                self.message
            ),
            Ec2ErrorKind::UnusableCredentials => write!(f, "unusable AWS credentials {}", self.message),
            Ec2ErrorKind::BadCredentials => write!(
                f,
                "{}: EC2 refused the AWS credentials in use as expired or invalid ({}: {}); renew them, or use others (AWS_ACCESS_KEY_ID, AWS_CREDENTIAL_FILE, --profile)",
                self.action,
                self.code.as_deref().unwrap_or("?"),
                self.message
            ),
            _ => match &self.code {
                Some(code) => write!(f, "{}: {}: {}", self.action, code, self.message),
                None => write!(f, "{}: {}", self.action, self.message),
            },
        }
    }
}

/// An endpoint's message as one short line: it may be many lines, 100 KB
/// long, or carry terminal escape sequences.
fn one_line(message: &str) -> String {
    const MAX: usize = 300;
    let flat: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = crate::output::escape_untrusted(&flat).into_owned();
    if flat.chars().count() <= MAX {
        flat
    } else {
        format!("{}…", flat.chars().take(MAX).collect::<String>())
    }
}

/// What went wrong resolving credentials, if that is what failed, in one
/// line that names where credentials were looked for (never a value).
fn credentials_problem(error: &(dyn std::error::Error + 'static)) -> Option<(Ec2ErrorKind, String)> {
    use aws_credential_types::provider::error::CredentialsError as Cause;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(cause) = e.downcast_ref::<Cause>() {
            let tried = CREDENTIAL_SOURCE.get().map(String::as_str).unwrap_or("the AWS SDK's default chain");
            let mut inner = std::error::Error::source(cause);
            while let Some(e) = inner {
                if let Some(bad) = e.downcast_ref::<BadCredentialValue>() {
                    return Some((Ec2ErrorKind::UnusableCredentials, format!("from {tried}: {bad}")));
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
            return Some((Ec2ErrorKind::NoCredentials, detail));
        }
        current = e.source();
    }
    None
}

/// Where credentials come from, for messages: set once, when connecting.
static CREDENTIAL_SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The innermost cause: SDK errors nest five deep, users need the last line.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

impl Ec2Error {
    /// An error amitools finds in EC2's answer itself (not one EC2 reported).
    pub fn new(action: &'static str, kind: Ec2ErrorKind, message: impl Into<String>, endpoint: &str) -> Ec2Error {
        Ec2Error { action, kind, code: None, message: message.into(), endpoint: endpoint.to_string(), attempts: 1 }
    }

    fn from_sdk<E, R>(action: &'static str, endpoint: &str, error: SdkError<E, R>) -> Ec2Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        let (failure, status) = match &error {
            SdkError::ServiceError(e) => (Failure::Response, Some(e.raw().status())),
            SdkError::ResponseError(e) => (Failure::Response, Some(e.raw().status())),
            SdkError::TimeoutError(_) => (Failure::Timeout, None),
            SdkError::DispatchFailure(e) if e.is_timeout() => (Failure::Timeout, None),
            SdkError::DispatchFailure(_) => (Failure::Dispatch, None),
            SdkError::ConstructionFailure(_) => (Failure::Construction, None),
            _ => (Failure::Response, None),
        };
        // The code is the endpoint's text as much as the message is: escaped
        // (a code with ESC sequences or a newline must not reach the terminal raw).
        let code = error.code().map(one_line);
        let message = match (error.message(), status) {
            (Some(m), _) => m.to_string(),
            // An answer that is not EC2's (a redirect, a proxy's error page).
            (None, Some(status)) if code.is_none() && !(200..300).contains(&status) => {
                format!("HTTP {status} from the endpoint, not an EC2 answer")
            }
            (None, _) => root_cause(&error),
        };
        // The SDK resolves credentials inside each attempt and reports a
        // failure there as a dispatch failure: it is not the network's fault.
        if let Some((kind, problem)) = credentials_problem(&error) {
            return Ec2Error::new(action, kind, problem, endpoint);
        }
        let kind = classify(failure, code.as_deref(), status);
        Ec2Error { action, kind, code, message: one_line(&message), endpoint: endpoint.to_string(), attempts: 1 }
    }
}

/// The HTTP status of a raw response; a trait so `from_sdk` stays generic.
trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Counts the SDK's attempts at one operation (retries included).
#[derive(Debug, Clone, Default)]
struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    fn attempts(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    /// The error, knowing how many attempts it took.
    fn annotate(&self, mut error: Ec2Error) -> Ec2Error {
        error.attempts = self.attempts().max(1);
        error
    }
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "amitools::AttemptCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The largest response amitools reads. A 1,000-image DescribeImages page is
/// a few megabytes; an endpoint that sends more is broken or hostile, and
/// reading on would exhaust memory.
const RESPONSE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// How much of a body's end is kept to check that the answer is whole.
const TAIL_BYTES: usize = 256;
/// The most list entries (`<item>`) one XML answer may hold. EC2's largest
/// answers stay far below: a 1,000-image DescribeImages page with 50 tags
/// (EC2's limit) and a few dozen block devices per image is about 100,000.
/// What costs memory is entries, not bytes: the SDK builds a value per
/// entry, and a 58 MiB page of 1.5 million tiny tags took 350 MB to hold
/// (a page of long strings costs about 3× its size, bounded by
/// RESPONSE_BYTES_MAX). Counted as the body streams in, before the SDK parses.
const ANSWER_ENTRIES_MAX: usize = 250_000;
const ENTRY: &[u8] = b"<item>";

/// Puts every response body behind `GuardedBody` before the SDK reads it:
/// at most `RESPONSE_BYTES_MAX` bytes, and a successful XML answer (EC2,
/// Auto Scaling, STS) must end with its action's closing tag
/// (`</DescribeImagesResponse>`). The SDK's XML parser accepts a document
/// cut short — closing tags missing — as complete: an answer cut after
/// `<imageReferenceSet>` would read as "nothing uses this image". A cut
/// answer is a response error, which the SDK retries like a lost one.
#[derive(Debug)]
struct ResponseGuard;

impl Intercept for ResponseGuard {
    fn name(&self) -> &'static str {
        "amitools::ResponseGuard"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_smithy_runtime_api::client::orchestrator::Metadata;
        let success = context.response().status().is_success();
        // Recycle Bin answers JSON, whose parser fails on a cut document by itself.
        let expected_end = cfg
            .load::<Metadata>()
            .filter(|metadata| success && metadata.service() != "rbin")
            .map(|metadata| format!("</{}Response>", metadata.name()));
        let body = std::mem::replace(context.response_mut().body_mut(), SdkBody::taken());
        *context.response_mut().body_mut() = SdkBody::from_body_1_x(GuardedBody {
            inner: Box::pin(body),
            remaining: RESPONSE_BYTES_MAX,
            expected_end,
            tail: Vec::with_capacity(2 * TAIL_BYTES),
            entries: 0,
        });
        Ok(())
    }
}

/// A body that fails once more than `remaining` bytes have come through, or
/// that ends without `expected_end` (after trailing whitespace).
struct GuardedBody {
    inner: Pin<Box<SdkBody>>,
    remaining: u64,
    expected_end: Option<String>,
    /// The last bytes seen (at most 2 × TAIL_BYTES).
    tail: Vec<u8>,
    /// `<item>` openings seen so far.
    entries: usize,
}

impl GuardedBody {
    /// Count the frame's entries (one split across frames too) and keep its end.
    fn remember(&mut self, data: &[u8]) -> Result<(), BoxError> {
        if self.expected_end.is_none() {
            return Ok(());
        }
        // The previous frame's last bytes, then this frame: an entry split in two is seen once.
        let carried = self.tail.len().min(ENTRY.len() - 1);
        let mut joined = self.tail[self.tail.len() - carried..].to_vec();
        joined.extend_from_slice(&data[..data.len().min(ENTRY.len() - 1)]);
        self.entries += count(&joined, ENTRY) + count(data, ENTRY);
        if self.entries > ANSWER_ENTRIES_MAX {
            return Err(format!(
                "the answer holds more than {ANSWER_ENTRIES_MAX} entries, which no EC2 answer does; stopped reading"
            )
            .into());
        }
        let data = &data[data.len().saturating_sub(TAIL_BYTES)..];
        if self.tail.len() + data.len() > 2 * TAIL_BYTES {
            let drop = (self.tail.len() + data.len()).saturating_sub(TAIL_BYTES);
            self.tail.drain(..drop.min(self.tail.len()));
        }
        self.tail.extend_from_slice(data);
        Ok(())
    }

    /// At the end of the body: an error unless it ends as the answer must.
    fn check_end(&self) -> Option<BoxError> {
        let expected = self.expected_end.as_deref()?;
        let end = self.tail.trim_ascii_end();
        (!end.ends_with(expected.as_bytes()))
            .then(|| format!("the answer was cut short (it does not end with {expected}); not used").into())
    }
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|window| *window == needle).count()
}

impl http_body::Body for GuardedBody {
    type Data = bytes::Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match this.inner.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let size = frame.data_ref().map_or(0, |data| data.len() as u64);
                if size > this.remaining {
                    this.remaining = 0;
                    return Poll::Ready(Some(Err(format!(
                        "the response is larger than {} MiB, which no EC2 answer is; stopped reading",
                        RESPONSE_BYTES_MAX >> 20
                    )
                    .into())));
                }
                this.remaining -= size;
                if let Some(data) = frame.data_ref() {
                    if let Err(error) = this.remember(data) {
                        this.remaining = 0;
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => match this.check_end() {
                Some(error) => {
                    // Report once: the next poll ends the stream.
                    this.expected_end = None;
                    Poll::Ready(Some(Err(error)))
                }
                None => Poll::Ready(None),
            },
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        // Not at the end while the end is still to be checked.
        self.expected_end.is_none() && http_body::Body::is_end_stream(self.inner.as_ref().get_ref())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(self.inner.as_ref().get_ref())
    }
}

/// Records the scheme and authority of the last request sent, so that a
/// failure names the endpoint actually used.
#[derive(Debug, Clone, Default)]
struct EndpointSeen(Arc<std::sync::Mutex<Option<String>>>);

impl EndpointSeen {
    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|seen| seen.clone())
    }
}

/// An endpoint to name in a message, resolved when the message is made.
#[derive(Debug, Clone)]
struct EndpointName {
    seen: Option<EndpointSeen>,
    fallback: String,
}

impl EndpointName {
    fn name(&self) -> String {
        self.seen.as_ref().and_then(EndpointSeen::get).unwrap_or_else(|| self.fallback.clone())
    }
}

impl Intercept for EndpointSeen {
    fn name(&self) -> &'static str {
        "amitools::EndpointSeen"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri();
        let endpoint = match uri.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?']).next().unwrap_or(rest)),
            None => uri.to_string(),
        };
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(endpoint);
        }
        Ok(())
    }
}

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
pub struct SdkEc2 {
    runtime: tokio::runtime::Runtime,
    config: SdkConfig,
    clients: RefCell<HashMap<Region, Client>>,
    /// A custom endpoint (the simulator); None means AWS's regional endpoints.
    endpoint_url: Option<String>,
    region_endpoints: HashMap<Region, String>,
    endpoint_for_all_services: bool,
    /// Per region, the endpoint the SDK last sent a request to: what error
    /// messages name (a profile's services configuration, China, GovCloud).
    endpoints_seen: RefCell<HashMap<Region, EndpointSeen>>,
    /// The region in use, where account-wide questions (DescribeRegions) are asked.
    home_region: Region,
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

impl SdkEc2 {
    /// Build the SDK configuration. Returns the client and the default region.
    pub fn connect(options: ConnectOptions<'_>) -> Result<(SdkEc2, Region), CredentialsError> {
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
        let process = match &auth.credentials {
            Some(_) => None,
            None => own_credential_process(auth.profile.as_deref().unwrap_or("default")),
        };
        if let Some((profile, command)) = process {
            // The profile's keys come from its credential_process: amitools runs
            // it, bounded (see credential_process.rs), not the SDK.
            let source = crate::credential_process::describe(&profile, &command);
            log::info!("credentials: {source}");
            let _ = CREDENTIAL_SOURCE.set(source);
            loader = loader.credentials_provider(ProcessCredentials { command });
        } else if let (true, Some(profile)) = (auth.profile_only, &auth.profile) {
            // --profile: that profile's credentials only, not keys the
            // environment still holds (the default chain would try those first).
            log::info!("credentials: profile '{profile}' (--profile)");
            let _ = CREDENTIAL_SOURCE.set(format!("profile '{profile}' (--profile)"));
            loader = loader.credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&providers(Some(&region)))
                    .profile_name(profile)
                    .build(),
            );
        } else if let Some(creds) = auth.credentials {
            log::info!("credentials: static key {} (environment or AWS_CREDENTIAL_FILE)", creds.access_key_id);
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
            let _ = CREDENTIAL_SOURCE.set(format!(
                "the environment, AWS_CREDENTIAL_FILE, profile '{profile}' in ~/.aws/config and ~/.aws/credentials, SSO, web identity, container and instance metadata"
            ));
        }
        if let (Some(url), true) = (options.endpoint_url, options.endpoint_for_all_services) {
            loader = loader.endpoint_url(url);
        }
        let config = with_checked_credentials(runtime.block_on(loader.load()));
        let ec2 = SdkEc2 {
            runtime,
            config,
            clients: RefCell::new(HashMap::new()),
            endpoint_url: options.endpoint_url.map(str::to_string),
            region_endpoints: options.region_endpoints.into_iter().collect(),
            endpoint_for_all_services: options.endpoint_for_all_services,
            endpoints_seen: RefCell::new(HashMap::new()),
            home_region: region.clone(),
        };
        Ok((ec2, region))
    }

    fn client(&self, region: &Region) -> Client {
        self.clients
            .borrow_mut()
            .entry(region.clone())
            .or_insert_with(|| {
                let seen = EndpointSeen::default();
                self.endpoints_seen.borrow_mut().insert(region.clone(), seen.clone());
                let mut config = aws_sdk_ec2::config::Builder::from(&self.config)
                    .region(SdkRegion::new(region.to_string()))
                    .interceptor(ResponseGuard)
                    .interceptor(seen);
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
    fn endpoint(&self, region: &Region) -> EndpointName {
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

/// The profile in use and its own credential_process, when its keys come
/// from that alone (no role chain, SSO or static keys: see credential_process.rs).
fn own_credential_process(profile: &str) -> Option<(String, String)> {
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
struct ProcessCredentials {
    command: String,
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
fn with_checked_credentials(config: SdkConfig) -> SdkConfig {
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

/// The SDK's default HTTPS client (proxy settings from the environment, the
/// system's root certificates), with rustls on ring rather than aws-lc: the
/// same TLS 1.2/1.3 to AWS, a smaller binary, no cmake to build it.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
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

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// `tags` on the image and its snapshots, `image_only` on the image as well.
fn image_and_snapshot_tags(tags: &Tags, image_only: &Tags) -> Option<Vec<TagSpecification>> {
    let mut on_image = tags.clone();
    on_image.extend(image_only.iter().map(|(k, v)| (k.clone(), v.clone())));
    let spec = |kind: ResourceType, tags: &Tags| {
        (!tags.is_empty())
            .then(|| TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build())
    };
    let specs: Vec<TagSpecification> =
        [spec(ResourceType::Image, &on_image), spec(ResourceType::Snapshot, tags)].into_iter().flatten().collect();
    (!specs.is_empty()).then_some(specs)
}

/// Convert EC2's description of an image; None for an entry without a valid id.
fn to_image(region: &Region, image: &types::Image) -> Option<Image> {
    let id: AmiId = image.image_id()?.parse().ok()?;
    let tags = image
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect();
    Some(Image {
        id,
        region: region.clone(),
        name: image.name().map(str::to_string),
        state: image.state().map(|s| ImageState::from_ec2(s.as_str())).unwrap_or(ImageState::Other(String::new())),
        creation_date: image.creation_date().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok()),
        description: image.description().filter(|d| !d.is_empty()).map(str::to_string),
        owner: image.owner_id().map(str::to_string),
        tags,
        source_image_id: image.source_image_id().and_then(|v| v.parse().ok()),
        source_image_region: image.source_image_region().and_then(|v| v.parse().ok()),
        source_instance_id: image.source_instance_id().and_then(|v| v.parse().ok()),
        usage: ImageUsage {
            snapshots: image
                .block_device_mappings()
                .iter()
                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
                .map(str::to_string)
                .collect(),
            protection: image.deregistration_protection().map(str::to_string),
            last_launched: image.last_launched_time().and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok()),
        },
    })
}

/// Every page of a DescribeImages query.
async fn describe_all(
    client: Client,
    region: Region,
    endpoint: EndpointName,
    query: impl Fn(DescribeImagesFluentBuilder) -> DescribeImagesFluentBuilder,
) -> Result<Vec<Image>, Ec2Error> {
    let mut images = Vec::new();
    // Pages that overlap (an endpoint that repeats itself) must not list an image twice.
    let mut seen: HashSet<AmiId> = HashSet::new();
    let mut token: Option<String> = None;
    let mut tokens = Tokens::default();
    loop {
        let request = query(client.describe_images()).max_results(PAGE_SIZE).set_next_token(token.take());
        let page = request.send().await.map_err(|e| Ec2Error::from_sdk("DescribeImages", &endpoint.name(), e))?;
        // Converted page by page: the SDK's page is dropped before the next is read.
        images.extend(page.images().iter().filter_map(|i| to_image(&region, i)).filter(|i| seen.insert(i.id.clone())));
        log::debug!("DescribeImages {region}: page of {} images", page.images().len());
        if images.len() > LISTING_IMAGES_MAX {
            return Err(Ec2Error::new(
                "DescribeImages",
                Ec2ErrorKind::Other,
                format!(
                    "EC2 listed more than {LISTING_IMAGES_MAX} images in {region}, far more than an account holds; stopped paging"
                ),
                &endpoint.name(),
            ));
        }
        match tokens.next("DescribeImages", page.next_token(), &endpoint)? {
            Some(next) => token = Some(next),
            None => return Ok(images),
        }
    }
}

/// The most pages one listing reads: 2,000,000 images at EC2's largest page,
/// far past any real account. An endpoint that hands out a fresh NextToken
/// on every page would otherwise be paged forever.
const LISTING_PAGES_MAX: usize = 2_000;
/// The most images one listing gathers (DescribeImages, one region).
const LISTING_IMAGES_MAX: usize = 1_000_000;

/// The NextTokens a paginated query has been given: an endpoint that hands
/// back a token it gave before, or new ones without end, would keep us paging forever.
#[derive(Default)]
struct Tokens(HashSet<String>);

impl Tokens {
    /// The token for the next page, None after the last page.
    fn next(
        &mut self,
        action: &'static str,
        token: Option<&str>,
        endpoint: &EndpointName,
    ) -> Result<Option<String>, Ec2Error> {
        match token {
            Some(next) if !next.is_empty() => {
                if self.0.len() + 1 >= LISTING_PAGES_MAX {
                    return Err(Ec2Error::new(
                        action,
                        Ec2ErrorKind::Other,
                        format!("EC2 handed out {LISTING_PAGES_MAX} pages and another NextToken; stopped paging"),
                        &endpoint.name(),
                    ));
                }
                if !self.0.insert(next.to_string()) {
                    return Err(Ec2Error::new(
                        action,
                        Ec2ErrorKind::Other,
                        "EC2 returned a NextToken it had returned before; stopped paging",
                        &endpoint.name(),
                    ));
                }
                Ok(Some(next.to_string()))
            }
            _ => Ok(None),
        }
    }
}

/// Every page of DescribeImageReferences for at most 10 images.
async fn references_of(
    client: Client,
    endpoint: EndpointName,
    ids: Vec<AmiId>,
) -> Result<Vec<ImageReference>, Ec2Error> {
    use types::{ImageReferenceOptionName, ImageReferenceResourceType, ResourceTypeOption, ResourceTypeRequest};
    const ACTION: &str = "DescribeImageReferences";
    // Every resource type with EC2's defaults, except launch templates: all versions.
    let templates = ResourceTypeRequest::builder()
        .resource_type(ImageReferenceResourceType::Ec2LaunchTemplate)
        .resource_type_options(
            ResourceTypeOption::builder()
                .option_name(ImageReferenceOptionName::VersionDepth)
                .option_values(LAUNCH_TEMPLATE_VERSION_DEPTH)
                .build(),
        )
        .build();
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    let mut tokens = Tokens::default();
    loop {
        let page = client
            .describe_image_references()
            .set_image_ids(Some(ids.iter().map(ToString::to_string).collect()))
            .include_all_resource_types(true)
            .resource_types(templates.clone())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| Ec2Error::from_sdk(ACTION, &endpoint.name(), e))?;
        for reference in page.image_references() {
            // A reference amitools cannot attribute to one of the asked images
            // makes the whole answer unusable: deciding on it could delete an image in use.
            let image_id = reference.image_id().and_then(|v| v.parse::<AmiId>().ok()).filter(|id| ids.contains(id));
            let (Some(image_id), Some(kind)) = (image_id, reference.resource_type()) else {
                return Err(Ec2Error::new(
                    ACTION,
                    Ec2ErrorKind::Other,
                    format!("EC2 returned a reference to an image not asked about ({:?})", reference.image_id()),
                    &endpoint.name(),
                ));
            };
            found.push(ImageReference {
                image_id,
                resource_type: kind.as_str().to_string(),
                resource: reference.arn().unwrap_or("(no ARN)").to_string(),
            });
        }
        match tokens.next(ACTION, page.next_token(), &endpoint)? {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}

/// One paginated DescribeImages, ready to run beside others.
type ImagesQuery = Pin<Box<dyn Future<Output = Result<Vec<Image>, Ec2Error>> + Send>>;

fn filter(name: &str, values: &[AmiId]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.iter().map(ToString::to_string).collect())).build()
}

impl SdkEc2 {
    /// DescribeImages for one id; EC2's "not found" is `None`.
    fn describe_one(
        &self,
        region: &Region,
        id: &AmiId,
        poll_within: Option<Duration>,
    ) -> Result<Option<Image>, Ec2Error> {
        let client = self.client(region);
        let endpoint = self.endpoint(region);
        // include_disabled: `disabled` is a state a user may wait for.
        let request = client.describe_images().image_ids(id.as_str()).include_disabled(true);
        let result = match poll_within {
            None => self.runtime.block_on(request.send()),
            Some(within) => {
                let within = within.max(Duration::from_secs(1));
                let bounded = aws_sdk_ec2::config::Builder::default()
                    // One attempt: the wait loop retries at its own pace (at most one
                    // request a second), and the SDK's quick retry would double it.
                    .retry_config(RetryConfig::standard().with_max_attempts(1))
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(within.min(Duration::from_secs(5)))
                            .operation_timeout(within.min(Duration::from_secs(60)))
                            .build(),
                    );
                self.runtime.block_on(request.customize().config_override(bounded).send())
            }
        };
        match result {
            Ok(out) => Ok(out.images().iter().filter_map(|i| to_image(region, i)).find(|i| &i.id == id)),
            Err(e) => {
                let error = Ec2Error::from_sdk("DescribeImages", &endpoint.name(), e);
                if error.kind == Ec2ErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }
}

impl SdkEc2 {
    /// Send one request to `region`'s endpoint and wait for the answer; a
    /// failure names the action and the endpoint the request went to.
    fn send<T, E, R, F>(
        &self,
        region: &Region,
        action: &'static str,
        request: impl FnOnce(Client) -> F,
    ) -> Result<T, Ec2Error>
    where
        F: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        let endpoint = self.endpoint(region);
        self.wait_for(action, &endpoint, request(self.client(region)))
    }

    /// Wait for one SDK request, of any service; a failure names the action and endpoint.
    fn wait_for<T, E, R>(
        &self,
        action: &'static str,
        endpoint: &EndpointName,
        request: impl Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, Ec2Error>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + HasStatus + 'static,
    {
        self.runtime.block_on(request).map_err(|e| Ec2Error::from_sdk(action, &endpoint.name(), e))
    }

    /// An Auto Scaling client for the region, with amitools' interceptors.
    fn autoscaling(&self, region: &Region) -> (aws_sdk_autoscaling::Client, EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("autoscaling", region);
        let config = aws_sdk_autoscaling::config::Builder::from(&self.config)
            .region(SdkRegion::new(region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .build();
        (aws_sdk_autoscaling::Client::from_conf(config), endpoint)
    }

    /// A Recycle Bin client for the region, with amitools' interceptors.
    fn recycle_bin(&self, region: &Region) -> (aws_sdk_rbin::Client, EndpointName) {
        let (seen, endpoint) = self.other_service_endpoint("rbin", region);
        let config = aws_sdk_rbin::config::Builder::from(&self.config)
            .region(SdkRegion::new(region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .build();
        (aws_sdk_rbin::Client::from_conf(config), endpoint)
    }

    /// How messages name another service's endpoint: the one a request went
    /// to once sent (the interceptor records it), else what amitools expects.
    fn other_service_endpoint(&self, service: &str, region: &Region) -> (EndpointSeen, EndpointName) {
        let seen = EndpointSeen::default();
        let fallback = match &self.endpoint_url {
            Some(url) if self.endpoint_for_all_services => url.clone(),
            _ => format!("https://{service}.{region}.amazonaws.com"),
        };
        (seen.clone(), EndpointName { seen: Some(seen), fallback })
    }

    /// A paginated DescribeImages in `region`; deprecated and disabled images
    /// are always asked for, since they still hold lineage.
    fn images_query(
        &self,
        region: &Region,
        query: impl Fn(DescribeImagesFluentBuilder) -> DescribeImagesFluentBuilder + Send + Sync + 'static,
    ) -> ImagesQuery {
        Box::pin(describe_all(self.client(region), region.clone(), self.endpoint(region), move |q| {
            query(q).include_deprecated(true).include_disabled(true)
        }))
    }

    /// Run futures concurrently on the runtime; their results in input order.
    /// A task that panicked has no result (None).
    fn run_all<T: Send + 'static>(&self, futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>) -> Vec<Option<T>> {
        self.run_at_most(futures, usize::MAX)
    }

    /// `run_all` with at most `limit` futures in flight: the next starts as
    /// soon as one finishes.
    fn run_at_most<T: Send + 'static>(
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
    fn run_by_region(&self, queries: Vec<(Region, ImagesQuery)>) -> Vec<RegionResult<Vec<Image>>> {
        let (regions, futures): (Vec<Region>, Vec<ImagesQuery>) = queries.into_iter().unzip();
        let results = self.run_all(futures);
        let mut order: Vec<Region> = Vec::new();
        let mut by_region: HashMap<Region, Result<Vec<Image>, Ec2Error>> = HashMap::new();
        for (region, result) in regions.into_iter().zip(results) {
            let result = result.unwrap_or_else(|| {
                Err(Ec2Error::new(
                    "DescribeImages",
                    Ec2ErrorKind::Other,
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

impl Ec2 for SdkEc2 {
    fn describe_image(&self, region: &Region, id: &AmiId) -> Result<Option<Image>, Ec2Error> {
        self.describe_one(region, id, None)
    }

    fn poll_image(&self, region: &Region, id: &AmiId, within: Duration) -> Result<Option<Image>, Ec2Error> {
        self.describe_one(region, id, Some(within))
    }

    fn find_images(&self, keys: &[ImageKey]) -> Vec<RegionResult<Vec<Image>>> {
        let mut by_region: BTreeMap<&Region, Vec<AmiId>> = BTreeMap::new();
        for (region, id) in keys {
            let ids = by_region.entry(region).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        let mut queries = Vec::new();
        for (region, ids) in by_region {
            for chunk in ids.chunks(FILTER_VALUES_MAX) {
                // An image-id *filter*, not ImageIds: ImageIds fails the whole call
                // when one id no longer exists; a filter just leaves it out. A
                // filter does not reveal another account's deprecated image the
                // way ImageIds does: images_query adds IncludeDeprecated.
                let filter = filter("image-id", chunk);
                queries.push((region.clone(), self.images_query(region, move |q| q.filters(filter.clone()))));
            }
        }
        self.run_by_region(queries)
    }

    fn image_ancestry(&self, region: &Region, id: &AmiId) -> Result<Vec<AncestryEntry>, Ec2Error> {
        let out = self.send(region, "GetImageAncestry", |c| c.get_image_ancestry().image_id(id.as_str()).send())?;
        let mut entries: Vec<AncestryEntry> = Vec::new();
        // Entries carry their source's region, not their own: the first is
        // where we asked, each next one where the previous one's source is.
        let mut here = region.clone();
        for entry in out.image_ancestry_entries() {
            let Some(entry_id) = entry.image_id().and_then(|v| v.parse::<AmiId>().ok()) else {
                break;
            };
            let source_image_region: Option<Region> = entry.source_image_region().and_then(|v| v.parse().ok());
            let next_region = source_image_region.clone().unwrap_or_else(|| here.clone());
            entries.push(AncestryEntry {
                id: entry_id,
                region: here,
                source_image_id: entry.source_image_id().and_then(|v| v.parse().ok()),
                source_image_region,
                creation_date: entry.creation_date().and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok()),
                owner_alias: entry.image_owner_alias().filter(|a| !a.is_empty()).map(str::to_string),
            });
            here = next_region;
        }
        Ok(entries)
    }

    fn own_images_in_one_page(&self, regions: &[Region]) -> Vec<RegionResult<Option<Vec<Image>>>> {
        type Page = Result<Option<Vec<Image>>, Ec2Error>;
        let futures: Vec<Pin<Box<dyn Future<Output = Page> + Send>>> = regions
            .iter()
            .map(|region| {
                let client = self.client(region);
                let endpoint = self.endpoint(region);
                let region = region.clone();
                let page = async move {
                    let page = client
                        .describe_images()
                        .owners("self")
                        .include_deprecated(true)
                        .include_disabled(true)
                        .max_results(SMALL_ACCOUNT_PAGE)
                        .send()
                        .await
                        .map_err(|e| Ec2Error::from_sdk("DescribeImages", &endpoint.name(), e))?;
                    if page.next_token().is_some_and(|t| !t.is_empty()) {
                        return Ok(None);
                    }
                    Ok(Some(page.images().iter().filter_map(|i| to_image(&region, i)).collect()))
                };
                Box::pin(page) as Pin<Box<dyn Future<Output = Page> + Send>>
            })
            .collect();
        // A task that panicked has no answer: its region is then asked generation by generation.
        regions.iter().cloned().zip(self.run_all(futures).into_iter().map(|r| r.unwrap_or(Ok(None)))).collect()
    }

    fn own_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        let queries =
            regions.iter().map(|region| (region.clone(), self.images_query(region, |q| q.owners("self")))).collect();
        self.run_by_region(queries)
    }

    fn own_images_made_from(
        &self,
        regions: &[Region],
        parents: &[AmiId],
        tag_key: &str,
        tags_only: bool,
    ) -> Vec<RegionResult<Vec<Image>>> {
        let mut queries = Vec::new();
        for region in regions {
            for chunk in parents.chunks(FILTER_VALUES_MAX) {
                let by_tag = filter(&format!("tag:{tag_key}"), chunk);
                queries.push((
                    region.clone(),
                    self.images_query(region, move |q| q.owners("self").filters(by_tag.clone())),
                ));
                if !tags_only {
                    let by_record = filter("source-image-id", chunk);
                    queries.push((
                        region.clone(),
                        self.images_query(region, move |q| q.owners("self").filters(by_record.clone())),
                    ));
                }
            }
        }
        let answered = self.run_by_region(queries);
        regions
            .iter()
            .map(|region| {
                let result = answered.iter().find(|(r, _)| r == region).map(|(_, result)| result.clone());
                (region.clone(), result.unwrap_or_else(|| Ok(Vec::new())))
            })
            .collect()
    }

    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, Ec2Error> {
        let filter = Filter::builder().name("name").values(name).build();
        let query = describe_all(self.client(region), region.clone(), self.endpoint(region), move |q| {
            q.owners("self").filters(filter.clone())
        });
        Ok(self.runtime.block_on(query)?.into_iter().find(|image| image.name.as_deref() == Some(name)))
    }

    fn describe_instance(&self, region: &Region, id: &InstanceId) -> Result<Instance, Ec2Error> {
        let out =
            self.send(region, "DescribeInstances", |c| c.describe_instances().instance_ids(id.as_str()).send())?;
        let instance =
            out.reservations().iter().flat_map(|r| r.instances()).find(|i| i.instance_id() == Some(id.as_str()));
        match instance {
            Some(instance) => {
                Ok(Instance { id: id.clone(), image_id: instance.image_id().and_then(|v| v.parse().ok()) })
            }
            // EC2 answers an unknown id with an error; an empty answer means the same.
            None => Err(Ec2Error {
                code: Some("InvalidInstanceID.NotFound".into()),
                ..Ec2Error::new(
                    "DescribeInstances",
                    Ec2ErrorKind::NotFound,
                    format!("The instance ID '{id}' does not exist"),
                    &self.endpoint(region).name(),
                )
            }),
        }
    }

    fn create_image(&self, region: &Region, request: &NewImage) -> Result<AmiId, Ec2Error> {
        let counter = AttemptCounter::default();
        let call = |client: Client| {
            client
                .create_image()
                .instance_id(request.instance_id.as_str())
                .name(&request.name)
                .set_description(request.description.clone())
                .no_reboot(request.no_reboot)
                .set_tag_specifications(image_and_snapshot_tags(&request.tags, &request.image_tags))
                .dry_run(request.dry_run)
                .customize()
                .interceptor(counter.clone())
                .send()
        };
        let out = self.send(region, "CreateImage", call).map_err(|e| counter.annotate(e))?;
        returned_image_id("CreateImage", out.image_id(), &self.endpoint(region).name())
    }

    fn copy_image(&self, request: &ImageCopy) -> Result<AmiId, Ec2Error> {
        let counter = AttemptCounter::default();
        let call = |client: Client| {
            client
                .copy_image()
                .source_image_id(request.source_image_id.as_str())
                .source_region(request.source_region.as_str())
                .name(&request.name)
                .set_description(request.description.clone())
                .encrypted(request.encrypted)
                .set_kms_key_id(request.kms_key_id.clone())
                .set_tag_specifications(image_and_snapshot_tags(&request.tags, &request.image_tags))
                .dry_run(request.dry_run)
                .customize()
                .interceptor(counter.clone())
                .send()
        };
        let out = self.send(&request.dest_region, "CopyImage", call).map_err(|e| counter.annotate(e))?;
        returned_image_id("CopyImage", out.image_id(), &self.endpoint(&request.dest_region).name())
    }

    fn create_tags(&self, region: &Region, id: &AmiId, tags: &Tags, dry_run: bool) -> Result<(), Ec2Error> {
        self.send(region, "CreateTags", |c| {
            c.create_tags().resources(id.as_str()).set_tags(Some(sdk_tags(tags))).dry_run(dry_run).send()
        })?;
        Ok(())
    }

    fn regions(&self, all: bool) -> Result<Vec<Region>, Ec2Error> {
        // Account-wide questions are asked in the region in use.
        let out = self.send(&self.home_region, "DescribeRegions", |c| c.describe_regions().all_regions(all).send())?;
        let mut regions: Vec<Region> =
            out.regions().iter().filter_map(|r| r.region_name()).filter_map(|n| n.parse().ok()).collect();
        // An answer that names a region twice must not make it searched (and its images counted) twice.
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    fn own_pending_images(&self, regions: &[Region]) -> Vec<RegionResult<Vec<Image>>> {
        let queries = regions
            .iter()
            .map(|region| {
                let pending = Filter::builder().name("state").values("pending").build();
                (region.clone(), self.images_query(region, move |q| q.owners("self").filters(pending.clone())))
            })
            .collect();
        self.run_by_region(queries)
    }

    fn image_references(&self, region: &Region, ids: &[AmiId]) -> Vec<ReferencesAnswer> {
        type Answer = Result<Vec<ImageReference>, Ec2Error>;
        let client = self.client(region);
        let endpoint = self.endpoint(region);
        let groups: Vec<Vec<AmiId>> = ids.chunks(REFERENCE_IDS_MAX).map(<[AmiId]>::to_vec).collect();
        let futures: Vec<Pin<Box<dyn Future<Output = Answer> + Send>>> = groups
            .iter()
            .map(|group| {
                Box::pin(references_of(client.clone(), endpoint.clone(), group.clone()))
                    as Pin<Box<dyn Future<Output = Answer> + Send>>
            })
            .collect();
        // A few at a time: thousands of images must not become a thousand requests at once.
        let answers = self.run_at_most(futures, REFERENCE_CALLS_IN_FLIGHT);
        groups
            .into_iter()
            .zip(answers)
            .map(|(group, answer)| {
                let answer = answer.unwrap_or_else(|| {
                    Err(Ec2Error::new(
                        "DescribeImageReferences",
                        Ec2ErrorKind::Other,
                        "a request ended unexpectedly",
                        &endpoint.name(),
                    ))
                });
                (group, answer)
            })
            .collect()
    }

    fn launch_configuration_images(&self, region: &Region) -> Result<Vec<ImageReference>, Ec2Error> {
        const ACTION: &str = "DescribeLaunchConfigurations";
        let (client, endpoint) = self.autoscaling(region);
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = Tokens::default();
        loop {
            let page = self.wait_for(
                ACTION,
                &endpoint,
                client.describe_launch_configurations().max_records(100).set_next_token(token.take()).send(),
            )?;
            for configuration in page.launch_configurations() {
                if let Some(image_id) = configuration.image_id().and_then(|v| v.parse::<AmiId>().ok()) {
                    found.push(ImageReference {
                        image_id,
                        resource_type: LAUNCH_CONFIGURATION.to_string(),
                        resource: configuration.launch_configuration_name().unwrap_or("(no name)").to_string(),
                    });
                }
            }
            match tokens.next(ACTION, page.next_token(), &endpoint)? {
                Some(next) => token = Some(next),
                None => return Ok(found),
            }
        }
    }

    fn deregister_image(
        &self,
        region: &Region,
        id: &AmiId,
        delete_snapshots: bool,
    ) -> Result<Vec<SnapshotOutcome>, Ec2Error> {
        // The attempts tell a retry that met the image gone (this run's first
        // attempt took effect, its answer was lost) from someone else's deletion.
        let counter = AttemptCounter::default();
        let out = self
            .send(region, "DeregisterImage", |c| {
                c.deregister_image()
                    .image_id(id.as_str())
                    .delete_associated_snapshots(delete_snapshots)
                    .customize()
                    .interceptor(counter.clone())
                    .send()
            })
            .map_err(|e| counter.annotate(e))?;
        Ok(out
            .delete_snapshot_results()
            .iter()
            .map(|r| SnapshotOutcome {
                snapshot_id: r.snapshot_id().unwrap_or("(no id)").to_string(),
                result: r.return_code().map(|c| c.as_str().to_string()).unwrap_or_else(|| "(no result)".into()),
            })
            .collect())
    }

    fn account_id(&self) -> Result<String, Ec2Error> {
        const ACTION: &str = "GetCallerIdentity";
        let (seen, endpoint) = self.other_service_endpoint("sts", &self.home_region);
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .region(SdkRegion::new(self.home_region.to_string()))
            .interceptor(ResponseGuard)
            .interceptor(seen)
            .build();
        let out =
            self.wait_for(ACTION, &endpoint, aws_sdk_sts::Client::from_conf(config).get_caller_identity().send())?;
        out.account().filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())).map(str::to_string).ok_or_else(
            || Ec2Error::new(ACTION, Ec2ErrorKind::Other, "STS returned no valid account id", &endpoint.name()),
        )
    }
    fn recycle_bin_rules(&self, region: &Region) -> Result<Vec<RetentionRule>, Ec2Error> {
        use aws_sdk_rbin::types::{ResourceType as RbinType, RetentionPeriodUnit, RuleStatus};
        let (client, endpoint) = self.recycle_bin(region);
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = Tokens::default();
        loop {
            let page = self.wait_for(
                "ListRules",
                &endpoint,
                client.list_rules().resource_type(RbinType::Ec2Image).set_next_token(token.take()).send(),
            )?;
            ids.extend(page.rules().iter().filter_map(|r| r.identifier().map(str::to_string)));
            match tokens.next("ListRules", page.next_token(), &endpoint)? {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let tags = |list: &[aws_sdk_rbin::types::ResourceTag]| {
            list.iter()
                .map(|t| (t.resource_tag_key().to_string(), t.resource_tag_value().map(str::to_string)))
                .collect()
        };
        let mut rules = Vec::with_capacity(ids.len());
        for id in ids {
            let rule = self.wait_for("GetRule", &endpoint, client.get_rule().identifier(&id).send())?;
            // A period in a unit amitools does not know cannot be stated: leave the rule out.
            let Some(period) =
                rule.retention_period().filter(|p| p.retention_period_unit() == &RetentionPeriodUnit::Days)
            else {
                continue;
            };
            rules.push(RetentionRule {
                id,
                retention_days: period.retention_period_value().max(0) as u32,
                resource_tags: tags(rule.resource_tags()),
                exclude_tags: tags(rule.exclude_resource_tags()),
                active: rule.status() == Some(&RuleStatus::Available),
            });
        }
        Ok(rules)
    }
}

fn returned_image_id(action: &'static str, id: Option<&str>, endpoint: &str) -> Result<AmiId, Ec2Error> {
    id.and_then(|id| id.parse().ok()).ok_or_else(|| {
        Ec2Error::new(action, Ec2ErrorKind::Other, format!("EC2 returned no valid image id ({id:?})"), endpoint)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ec2ErrorKind::*;

    #[test]
    fn classification_table() {
        let cases: &[(Failure, Option<&str>, Option<u16>, Ec2ErrorKind)] = &[
            (Failure::Response, Some("InvalidAMIID.NotFound"), Some(400), NotFound),
            (Failure::Response, Some("InvalidInstanceID.NotFound"), Some(400), NotFound),
            (Failure::Response, Some("InvalidAMIName.Duplicate"), Some(400), DuplicateName),
            (Failure::Response, Some("RequestLimitExceeded"), Some(503), Throttled),
            (Failure::Response, Some("Throttling"), Some(400), Throttled),
            (Failure::Response, None, Some(503), Throttled),
            (Failure::Response, Some("UnauthorizedOperation"), Some(403), Denied),
            (Failure::Response, Some("AuthFailure"), Some(401), BadCredentials),
            (Failure::Response, Some("ExpiredToken"), Some(400), BadCredentials),
            (Failure::Response, Some("RequestExpired"), Some(400), BadCredentials),
            (Failure::Response, Some("DryRunOperation"), Some(412), DryRunSucceeded),
            (Failure::Response, Some("InternalError"), Some(500), Service),
            (Failure::Response, Some("Unavailable"), Some(503), Service),
            (Failure::Response, Some("InvalidAMIID.Unavailable"), Some(400), NotFound),
            (Failure::Response, None, Some(502), Service),
            (Failure::Response, Some("InvalidParameterValue"), Some(400), Other),
            (Failure::Response, Some("InvalidAMIID.Malformed"), Some(400), Other),
            (Failure::Dispatch, None, None, Network),
            (Failure::Timeout, None, None, Timeout),
            (Failure::Construction, None, None, NoCredentials),
        ];
        for (failure, code, status, expected) in cases {
            assert_eq!(classify(*failure, *code, *status), *expected, "{failure:?} {code:?} {status:?}");
        }
    }

    #[test]
    fn transient_kinds_are_the_retryable_ones() {
        let transient: Vec<_> = [
            NotFound,
            DuplicateName,
            Throttled,
            Denied,
            BadCredentials,
            DryRunSucceeded,
            Service,
            Network,
            Timeout,
            NoCredentials,
            UnusableCredentials,
            Other,
        ]
        .into_iter()
        .filter(|k| k.is_transient())
        .collect();
        assert_eq!(transient, vec![Throttled, Service, Network, Timeout]);
    }

    fn guarded() -> GuardedBody {
        GuardedBody {
            inner: Box::pin(SdkBody::empty()),
            remaining: RESPONSE_BYTES_MAX,
            expected_end: Some("</DescribeImagesResponse>".into()),
            tail: Vec::new(),
            entries: 0,
        }
    }

    #[test]
    fn entries_are_counted_across_frames_and_the_end_is_checked() {
        let mut body = guarded();
        for frame in ["<Describe", "ImagesResponse><imagesSet><it", "em>x</item><item>", "y</item></imagesSet>"] {
            body.remember(frame.as_bytes()).unwrap();
        }
        assert_eq!(body.entries, 2, "one split across two frames, one whole");
        assert!(body.check_end().unwrap().to_string().contains("cut short"));
        body.remember(b"</DescribeImagesResponse>\n  ").unwrap();
        assert!(body.check_end().is_none(), "trailing whitespace is fine");

        let mut crowded = guarded();
        let many = "<item>".repeat(ANSWER_ENTRIES_MAX);
        crowded.remember(many.as_bytes()).unwrap();
        let error = crowded.remember(b"<item>").unwrap_err().to_string();
        assert!(error.starts_with("the answer holds more than 250000 entries"), "{error}");
    }

    #[test]
    fn network_errors_name_the_endpoint() {
        let error = Ec2Error {
            action: "DescribeImages",
            kind: Network,
            code: None,
            message: "Connection refused (os error 111)".into(),
            endpoint: "http://127.0.0.1:9".into(),
            attempts: 1,
        };
        assert_eq!(
            error.to_string(),
            "DescribeImages: cannot reach EC2 at http://127.0.0.1:9: Connection refused (os error 111)"
        );
    }
}
