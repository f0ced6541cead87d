//! amitools paces itself: per region and action, a client-side token bucket
//! that starts inside EC2's documented bucket for the action and adapts when
//! EC2 throttles anyway (other clients share the account's buckets).
//!
//! EC2 throttles each account per region and action with token buckets (EC2
//! developer guide, "Request throttling for the Amazon EC2 API"): non-mutating
//! actions 100 tokens refilled at 20 a second, mutating ones 50 at 5, and some
//! their own (CopyImage 100 at 1, CreateTags 100 at 10, DeregisterImage 100
//! at 5). A client that sends faster only collects RequestLimitExceeded and
//! spends its retries; one that stays inside the bucket never meets it.
//!
//! Each request reserves its slot before it is sent (`reserve`: how long to
//! wait), so concurrent requests of one action queue behind each other
//! instead of bursting. A throttled answer cuts the rate by 30% and pauses
//! the bucket; each answer that is not throttled gives back a little, up to
//! the start. The SDK's adaptive retry mode does the same per client; here it is
//! per action, so a throttled DescribeImageReferences does not slow
//! DescribeImages. Pure: the clock comes in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ids::Region;

/// The share of EC2's documented bucket amitools starts with: all of it.
/// Requests reach EC2 later than they are reserved (the round trip), never
/// earlier, so a client that keeps exactly to the bucket is not throttled;
/// other clients of the account share the bucket, and their requests are
/// what `throttled` adapts to. Measured against 90% and the SDK's adaptive
/// mode (BENCHMARKS.md, "Pacing"): as fast as adaptive, never throttled alone.
const START_SHARE: f64 = 1.0;
/// What a throttled answer leaves of the rate: a gentle cut, since a
/// throttle here means another client took tokens, not that the start was wrong.
const CUT_FACTOR: f64 = 0.7;
/// Never slower than this many requests a second (a throttle storm must not stall a job forever).
const MIN_RATE: f64 = 0.2;
/// The rate is cut at most once in this long (see `Pacer::throttled`).
const CUT_INTERVAL: Duration = Duration::from_secs(1);

/// EC2's documented bucket for an action: (capacity, refill per second).
pub fn documented_bucket(service: &str, action: &str) -> (f64, f64) {
    if service != "ec2" {
        // Auto Scaling shares one bucket among its actions and documents no size;
        // STS and Recycle Bin document none: EC2's non-mutating bucket, kept to.
        return (100.0, 20.0);
    }
    match action {
        "CopyImage" => (100.0, 1.0),
        "CreateTags" | "DeleteTags" => (100.0, 10.0),
        "DeregisterImage" | "DeleteSnapshot" | "CreateSnapshot" | "ModifyImageAttribute" => (100.0, 5.0),
        a if a.starts_with("Describe") || a.starts_with("List") || a.starts_with("Search") || a.starts_with("Get") => {
            (100.0, 20.0)
        }
        _ => (50.0, 5.0),
    }
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    start_rate: f64,
    rate: f64,
    /// May go below zero: requests reserved ahead of the refill.
    tokens: f64,
    last: Instant,
    /// When the rate was last cut: the requests in flight then are throttled
    /// together, and one cut answers them all.
    last_cut: Option<Instant>,
}

impl Bucket {
    fn new(service: &str, action: &str, now: Instant) -> Bucket {
        let (capacity, refill) = documented_bucket(service, action);
        let capacity = (capacity * START_SHARE).floor();
        let rate = refill * START_SHARE;
        Bucket { capacity, start_rate: rate, rate, tokens: capacity, last: now, last_cut: None }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
    }
}

/// What is known of each bucket; one per `SdkAws` (one account).
#[derive(Debug, Default)]
pub struct Pacer {
    buckets: Mutex<HashMap<(Region, &'static str, String), Bucket>>,
}

impl Pacer {
    fn with<T>(&self, key: (&Region, &'static str, &str), now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket =
            buckets.entry((key.0.clone(), key.1, key.2.to_string())).or_insert_with(|| Bucket::new(key.1, key.2, now));
        bucket.refill(now);
        f(bucket)
    }

    /// Take a token for one request of `action` to `service` in `region`, and
    /// how long to wait before sending it.
    pub fn reserve(&self, region: &Region, service: &'static str, action: &str, now: Instant) -> Duration {
        self.with((region, service, action), now, |bucket| {
            bucket.tokens -= 1.0;
            if bucket.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-bucket.tokens / bucket.rate)
            }
        })
    }

    /// EC2 throttled a request anyway: cut the rate (`CUT_FACTOR`) and pause
    /// for a second's worth of requests — once per `CUT_INTERVAL`, however
    /// many requests in flight were throttled together.
    pub fn throttled(&self, region: &Region, service: &'static str, action: &str, now: Instant) {
        self.with((region, service, action), now, |bucket| {
            if bucket.last_cut.is_some_and(|at| now.saturating_duration_since(at) < CUT_INTERVAL) {
                return;
            }
            bucket.last_cut = Some(now);
            bucket.rate = (bucket.rate * CUT_FACTOR).max(MIN_RATE);
            bucket.tokens = bucket.tokens.min(0.0) - bucket.rate;
        });
    }

    /// An answer that was not throttled: give back a twentieth of the start rate, up to it.
    pub fn answered(&self, region: &Region, service: &'static str, action: &str, now: Instant) {
        self.with((region, service, action), now, |bucket| {
            bucket.rate = (bucket.rate + bucket.start_rate / 20.0).min(bucket.start_rate);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region() -> Region {
        "us-east-1".parse().unwrap()
    }

    #[test]
    fn buckets_follow_ec2s_table() {
        assert_eq!(documented_bucket("ec2", "DescribeImageReferences"), (100.0, 20.0));
        assert_eq!(documented_bucket("ec2", "GetImageAncestry"), (100.0, 20.0));
        assert_eq!(documented_bucket("ec2", "DeregisterImage"), (100.0, 5.0));
        assert_eq!(documented_bucket("ec2", "CopyImage"), (100.0, 1.0));
        assert_eq!(documented_bucket("ec2", "CreateImage"), (50.0, 5.0));
        assert_eq!(documented_bucket("autoscaling", "DescribeLaunchConfigurations"), (100.0, 20.0));
    }

    /// 860 requests at once: a burst of 100, then 20 a second — never faster than EC2 refills.
    #[test]
    fn a_burst_then_the_refill_rate() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let waits: Vec<Duration> =
            (0..860).map(|_| pacer.reserve(&region(), "ec2", "DescribeImageReferences", start)).collect();
        assert!(waits[..100].iter().all(|w| w.is_zero()));
        assert_eq!(waits[100], Duration::from_secs_f64(1.0 / 20.0));
        let last = waits[859].as_secs_f64();
        assert!((last - 760.0 / 20.0).abs() < 1e-6, "{last}");
        // Against EC2's bucket (100, then 20 a second) no request would have been throttled.
        for (n, wait) in waits.iter().enumerate() {
            let allowed = 100.0 + 20.0 * wait.as_secs_f64();
            assert!((n as f64) < allowed, "request {n} at {wait:?}");
        }
    }

    #[test]
    fn throttling_cuts_the_rate_and_answers_give_it_back() {
        let pacer = Pacer::default();
        let t = Instant::now();
        let r = region();
        for _ in 0..90 {
            pacer.reserve(&r, "ec2", "DeregisterImage", t);
        }
        for _ in 0..8 {
            pacer.throttled(&r, "ec2", "DeregisterImage", t); // eight in flight, throttled together: one cut
        }
        let wait = pacer.reserve(&r, "ec2", "DeregisterImage", t);
        assert_eq!(wait, Duration::from_secs_f64(4.5 / 3.5), "a pause, then 70% of 5 a second");
        for _ in 0..40 {
            pacer.answered(&r, "ec2", "DeregisterImage", t);
        }
        let later = t + Duration::from_secs(100);
        pacer.reserve(&r, "ec2", "DeregisterImage", later);
        let buckets = pacer.buckets.lock().unwrap();
        let bucket = &buckets[&(r.clone(), "ec2", "DeregisterImage".to_string())];
        assert_eq!(bucket.rate, 5.0, "back to the start, never above it");
        // Other actions are not slowed by it.
        drop(buckets);
        assert_eq!(pacer.reserve(&r, "ec2", "DescribeImages", t), Duration::ZERO);
    }
}
