//! What every request and answer passes through (SDK interceptors): the
//! attempt counter (a retried CreateImage or DeregisterImage may have met
//! its own first attempt), the answer guard (a size cap, a cap on list
//! entries, and an answer cut short refused), and the endpoint each request
//! went to (so that a failure names it). Pacing (the rate-limits issue) joins here.

use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

use super::activity::Activity;
use super::error::THROTTLING_CODES;
use super::pacing::Pacer;
use super::AwsError;
use crate::ids::Region;

/// Counts the SDK's attempts at one operation (retries included).
#[derive(Debug, Clone, Default)]
pub(super) struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    pub(super) fn attempts(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    /// The error, knowing how many attempts it took.
    pub(super) fn annotate(&self, mut error: AwsError) -> AwsError {
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

/// The services amitools calls that answer JSON, as the SDK names them.
const JSON_SERVICES: [&str; 3] = ["rbin", "KMS", "Organizations"];

/// Puts every response body behind `GuardedBody` before the SDK reads it:
/// at most `RESPONSE_BYTES_MAX` bytes, and a successful XML answer (EC2,
/// Auto Scaling, STS) must end with its action's closing tag
/// (`</DescribeImagesResponse>`). The SDK's XML parser accepts a document
/// cut short — closing tags missing — as complete: an answer cut after
/// `<imageReferenceSet>` would read as "nothing uses this image". A cut
/// answer is a response error, which the SDK retries like a lost one.
#[derive(Debug)]
pub(super) struct ResponseGuard;

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
        // Recycle Bin, KMS and Organizations answer JSON, whose parser fails on a cut document by itself.
        let expected_end = cfg
            .load::<Metadata>()
            .filter(|metadata| success && !JSON_SERVICES.contains(&metadata.service()))
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
pub(super) struct EndpointSeen(Arc<std::sync::Mutex<Option<String>>>);

impl EndpointSeen {
    pub(super) fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|seen| seen.clone())
    }
}

/// An endpoint to name in a message, resolved when the message is made.
#[derive(Debug, Clone)]
pub(super) struct EndpointName {
    pub(super) seen: Option<EndpointSeen>,
    pub(super) fallback: String,
}

impl EndpointName {
    pub(super) fn name(&self) -> String {
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

/// Tells the pacer how each attempt was answered — the SDK's own retries
/// included, which amitools does not see otherwise: throttled (503, or a
/// throttling code in the body or the error-type header), or not.
#[derive(Debug)]
pub(super) struct PaceObserver {
    pub(super) pacer: Arc<Pacer>,
    /// Counts throttled answers too, for status lines.
    pub(super) activity: Arc<Activity>,
    pub(super) region: Region,
    pub(super) service: &'static str,
}

/// Whether an answer is a throttling error: its status, its error-type header
/// (JSON services), or a code in its (already read) body.
fn is_throttling(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    if status == 503 || status == 429 {
        return true;
    }
    if (200..300).contains(&status) {
        return false;
    }
    let named = |text: &str| THROTTLING_CODES.iter().any(|code| text.contains(code));
    error_type.is_some_and(named) || body.is_some_and(|b| named(&String::from_utf8_lossy(&b[..b.len().min(4096)])))
}

impl Intercept for PaceObserver {
    fn name(&self) -> &'static str {
        "amitools::PaceObserver"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_smithy_runtime_api::client::orchestrator::Metadata;
        let (Some(response), Some(metadata)) = (context.response(), cfg.load::<Metadata>()) else {
            return Ok(()); // no answer at all: a network failure, not the pacer's business
        };
        let error_type = response.headers().get("x-amzn-errortype");
        let now = std::time::Instant::now();
        if is_throttling(response.status().as_u16(), error_type, response.body().bytes()) {
            self.activity.throttled();
            self.pacer.throttled(&self.region, self.service, metadata.name(), now);
        } else {
            self.pacer.answered(&self.region, self.service, metadata.name(), now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn throttling_answers_are_told_from_others() {
        assert!(is_throttling(503, None, None));
        assert!(is_throttling(400, None, Some(b"<Error><Code>Throttling</Code></Error>")));
        assert!(is_throttling(400, Some("RateExceeded"), None));
        assert!(is_throttling(400, None, Some(b"<Code>RateExceeded</Code>")), "Auto Scaling's code");
        assert!(!is_throttling(400, None, Some(b"<Code>InvalidAMIID.NotFound</Code>")));
        assert!(!is_throttling(200, None, Some(b"<Description>Throttling</Description>")), "a name is not a code");
        assert!(!is_throttling(500, None, None));
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
}
