//! Waiting for an image to reach a state.
//!
//! Two parts: `decide`, a pure function from what was observed to what to do
//! next (table-tested over every state × target × mode), and `wait_for`, the
//! poll loop, which runs on an injected `Clock` so backoff, the visibility
//! grace period and timeouts are tested without sleeping.
//!
//! The SDK's generated waiters are not used: their delays are fixed at
//! 15–120 s and they give up on InvalidAMIID.NotFound, which EC2 answers for
//! a while after CreateImage.

use std::fmt;
use std::time::Duration;

use crate::aws::{Aws, AwsError, AwsErrorKind};
use crate::ids::{AmiId, Region};
use crate::image::{Image, ImageState};
use crate::output::shown;

/// What to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    State(ImageState),
    /// The image is visible, in any state.
    Exists,
}

impl Target {
    pub fn parse(value: &str) -> Result<Target, String> {
        if value == "exists" {
            return Ok(Target::Exists);
        }
        value.parse::<ImageState>().map(Target::State).map_err(|_| {
            format!(
                "unknown state '{}': expected one of exists, {}",
                shown(value),
                ImageState::KNOWN.iter().map(ImageState::as_str).collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// The values `waiton` accepts, for --help and completions.
    /// The common ones first; the rest of EC2's states (ImageState::KNOWN) after.
    pub fn all_names() -> Vec<&'static str> {
        let first = ["available", "pending", "failed", "exists"];
        let mut names = first.to_vec();
        names.extend(ImageState::KNOWN.iter().map(ImageState::static_name).filter(|name| !first.contains(name)));
        names
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::State(state) => f.write_str(state.as_str()),
            Target::Exists => f.write_str("exists"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Stop as soon as the target can never be reached.
    Smart,
    /// Wait strictly for the target until the timeout.
    Dumb,
}

/// One look at the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    NotFound,
    State(ImageState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Reached,
    KeepWaiting,
    /// The image is in a state from which the target cannot follow.
    Unreachable,
    /// Not visible: the loop decides, by the grace period, whether to go on.
    NotVisible,
}

/// The states an image can still move to from `current`, as EC2 behaves.
/// `pending` and `transient` are in progress: anything may follow. A settled
/// image can only be deregistered (or, when available, disabled); a disabled
/// one can also be enabled again (EnableImage), back to available.
fn can_become(current: &ImageState, target: &ImageState) -> bool {
    use ImageState::*;
    if current == target {
        return true;
    }
    match current {
        Pending | Transient | Other(_) => true,
        Available => matches!(target, Deregistered | Disabled),
        Disabled => matches!(target, Available | Deregistered),
        Failed | Error | Invalid => matches!(target, Deregistered),
        Deregistered => false,
    }
}

/// What to do after one observation. Pure.
pub fn decide(observation: &Observation, target: &Target, mode: Mode) -> Decision {
    let state = match observation {
        Observation::NotFound => return Decision::NotVisible,
        Observation::State(state) => state,
    };
    let wanted = match target {
        Target::Exists => return Decision::Reached,
        Target::State(wanted) => wanted,
    };
    if state == wanted {
        Decision::Reached
    } else if mode == Mode::Smart && !can_become(state, wanted) {
        Decision::Unreachable
    } else {
        Decision::KeepWaiting
    }
}

/// Time, as the poll loop sees it: injected so tests need not sleep.
pub trait Clock {
    /// Time since some fixed start.
    fn now(&self) -> Duration;
    fn sleep(&self, duration: Duration);
}

/// The real clock.
pub struct SystemClock {
    start: std::time::Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock { start: std::time::Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    pub target: Target,
    pub mode: Mode,
    /// The whole wait.
    pub timeout: Duration,
    /// The longest pause between two polls.
    pub interval: Duration,
    /// How long "not found" means "not visible yet"; counted within `timeout`.
    pub exist_timeout: Duration,
    /// Not found at the first check ends the wait at once.
    pub nowait_exist: bool,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
pub const DEFAULT_EXIST_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Never more than one DescribeImages per second.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

impl WaitOptions {
    /// The defaults `create --wait` and `copy --wait` use.
    pub fn until_available() -> WaitOptions {
        WaitOptions {
            target: Target::State(ImageState::Available),
            mode: Mode::Smart,
            timeout: DEFAULT_TIMEOUT,
            interval: DEFAULT_INTERVAL,
            exist_timeout: DEFAULT_EXIST_TIMEOUT,
            nowait_exist: false,
        }
    }
}

/// The pause before the next poll: a tenth of the time waited so far, between
/// one second and the cap. A change is seen within ~10% of the wait (within a
/// second early on, when images that fail usually fail) while a long build is
/// polled every `cap` seconds, not hammered.
pub fn poll_delay(elapsed: Duration, cap: Duration) -> Duration {
    (elapsed / 10).clamp(MIN_INTERVAL, cap.max(MIN_INTERVAL))
}

/// The pause after a failed poll: doubling from one second, up to the cap.
fn retry_delay(failures: u32, cap: Duration) -> Duration {
    let seconds = 1u64 << failures.saturating_sub(1).min(6);
    Duration::from_secs(seconds).clamp(MIN_INTERVAL, cap.max(MIN_INTERVAL))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    #[error("image {id} is {current}; it can never become {target}")]
    Unreachable { id: AmiId, current: ImageState, target: Target },
    #[error("timed out after {} waiting for image {id} to be {target}; {}{}", human(*waited),
            last_seen(last.as_ref(), *answered),
            last_error.as_ref().map(|e| format!("; last error: {e}")).unwrap_or_default())]
    TimedOut {
        id: AmiId,
        target: Target,
        last: Option<ImageState>,
        waited: Duration,
        last_error: Option<String>,
        /// Whether EC2 answered at all (an image not found is an answer).
        answered: bool,
    },
    #[error("image {id} {} (region {region})", if *seen { "no longer exists".to_string() } else if *waited < Duration::from_secs(1) { "does not exist".to_string() } else { format!("did not appear within {}", human(*waited)) })]
    NotFound { id: AmiId, region: Region, waited: Duration, seen: bool },
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// What a timed-out wait saw last: a state, "not found", or no answer at all.
fn last_seen(last: Option<&ImageState>, answered: bool) -> String {
    match (last, answered) {
        (Some(state), _) => format!("last state seen: {state}"),
        (None, true) => "last state seen: not found".to_string(),
        (None, false) => "EC2 never answered".to_string(),
    }
}

/// `1h2m3s`, `4m`, `12s`.
pub fn human(duration: Duration) -> String {
    let total = duration.as_secs_f64().round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = String::new();
    if h > 0 {
        text.push_str(&format!("{h}h"));
    }
    if m > 0 {
        text.push_str(&format!("{m}m"));
    }
    if s > 0 || text.is_empty() {
        text.push_str(&format!("{s}s"));
    }
    text
}

/// One image being waited on: what has been seen of it so far.
struct Watch<'a> {
    region: &'a Region,
    id: &'a AmiId,
    last_state: Option<ImageState>,
    last_image: Option<Image>,
    last_error: Option<String>,
    failures: u32,
    polls: u32,
    answered: bool,
}

/// After one poll: the wait's outcome, or the pause before the next poll.
enum Step {
    Done(Box<Result<Image, WaitError>>),
    Again(Duration),
}

impl<'a> Watch<'a> {
    fn new(region: &'a Region, id: &'a AmiId) -> Watch<'a> {
        Watch {
            region,
            id,
            last_state: None,
            last_image: None,
            last_error: None,
            failures: 0,
            polls: 0,
            answered: false,
        }
    }

    /// One poll's answer, at `elapsed` into the wait. Transient failures
    /// (throttling, 5xx, network) are retried until the timeout; any other
    /// EC2 error ends the wait. An endpoint that has never answered is a
    /// configuration problem, not an outage: the first network failure then
    /// ends the wait (after the SDK's own retries).
    fn step(
        &mut self,
        answer: Result<Option<Image>, AwsError>,
        elapsed: Duration,
        options: &WaitOptions,
        progress: &mut dyn FnMut(&Observation, Duration),
    ) -> Step {
        let done = |result: Result<Image, WaitError>| Step::Done(Box::new(result));
        self.polls += 1;
        let found = match answer {
            Err(error) if !self.answered && matches!(error.kind, AwsErrorKind::Network | AwsErrorKind::Timeout) => {
                return done(Err(error.into()))
            }
            Err(error) if error.kind.is_transient() => {
                // Throttling or a 5xx is EC2 answering, just not with the image.
                self.answered |= matches!(error.kind, AwsErrorKind::Throttled | AwsErrorKind::Service);
                self.failures += 1;
                log::warn!("polling {}: {error} (will retry)", self.id);
                self.last_error = Some(error.to_string());
                return Step::Again(retry_delay(self.failures, options.interval));
            }
            Err(error) => return done(Err(error.into())),
            Ok(found) => found,
        };
        self.failures = 0;
        self.answered = true;
        let observation = match &found {
            Some(image) => Observation::State(image.state.clone()),
            None => Observation::NotFound,
        };
        progress(&observation, elapsed);
        match (decide(&observation, &options.target, options.mode), found) {
            (Decision::Reached, Some(image)) => return done(Ok(image)),
            (Decision::Unreachable, Some(image)) => {
                return done(Err(WaitError::Unreachable {
                    id: self.id.clone(),
                    current: image.state,
                    target: options.target.clone(),
                }))
            }
            (Decision::NotVisible, _) => {
                let seen = self.last_state.is_some();
                // EC2 shows a deregistered image only briefly, then not at all:
                // an image seen and then gone has been deregistered.
                if let (Some(mut image), Target::State(ImageState::Deregistered)) =
                    (self.last_image.take().filter(|_| seen), &options.target)
                {
                    image.state = ImageState::Deregistered;
                    return done(Ok(image));
                }
                let exist_deadline = options.exist_timeout.min(options.timeout);
                let give_up = (options.nowait_exist && self.polls == 1)
                    || (seen && options.mode == Mode::Smart)
                    || (!seen && elapsed >= exist_deadline);
                if give_up {
                    return done(Err(WaitError::NotFound {
                        id: self.id.clone(),
                        region: self.region.clone(),
                        waited: elapsed,
                        seen,
                    }));
                }
            }
            (_, Some(image)) => {
                self.last_state = Some(image.state.clone());
                self.last_image = Some(image);
            }
            (_, None) => unreachable!("decide() answers NotVisible for every NotFound"),
        }
        Step::Again(poll_delay(elapsed, options.interval))
    }

    /// The wait ran out of time at `now`.
    fn timed_out(&mut self, now: Duration, options: &WaitOptions) -> WaitError {
        WaitError::TimedOut {
            id: self.id.clone(),
            target: options.target.clone(),
            last: self.last_state.take(),
            waited: now,
            last_error: self.last_error.take(),
            answered: self.answered,
        }
    }
}

/// Wait until the target is reached. `progress` hears every observation.
/// (See `Watch::step` for what ends a wait.)
pub fn wait_for(
    aws: &dyn Aws,
    region: &Region,
    id: &AmiId,
    options: &WaitOptions,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&Observation, Duration),
) -> Result<Image, WaitError> {
    let mut watch = Watch::new(region, id);
    loop {
        let elapsed = clock.now();
        let answer = aws.poll_image(region, id, options.timeout.saturating_sub(elapsed));
        let delay = match watch.step(answer, elapsed, options, progress) {
            Step::Done(result) => return *result,
            Step::Again(delay) => delay,
        };
        let now = clock.now();
        if now >= options.timeout {
            return Err(watch.timed_out(now, options));
        }
        // The last sleep is cut short so that one final check falls on the deadline.
        clock.sleep(delay.min(options.timeout - now));
    }
}

/// What `wait_for_all` tells of each poll: the image's index, what was
/// seen, the image itself when found, and the time waited.
pub type AllProgress<'a> = dyn FnMut(usize, &Observation, Option<&Image>, Duration) + 'a;

/// Wait for several images at once (copies in several regions): each polled
/// as `wait_for` polls one, in one loop, until each is done or the shared
/// timeout. `progress` hears each image's observations (by its index, with
/// the image as seen, when it was). The outcomes come back in the order of `images`.
pub fn wait_for_all(
    aws: &dyn Aws,
    images: &[(Region, AmiId)],
    options: &WaitOptions,
    clock: &dyn Clock,
    progress: &mut AllProgress,
) -> Vec<Result<Image, WaitError>> {
    let mut watches: Vec<Watch> = images.iter().map(|(region, id)| Watch::new(region, id)).collect();
    let mut outcomes: Vec<Option<Result<Image, WaitError>>> = images.iter().map(|_| None).collect();
    // When each image is next due for a poll.
    let mut due: Vec<Duration> = vec![Duration::ZERO; images.len()];
    while outcomes.iter().any(Option::is_none) {
        let elapsed = clock.now();
        for (n, watch) in watches.iter_mut().enumerate() {
            // At the deadline every image gets one last look, as in `wait_for`.
            if outcomes[n].is_some() || (due[n] > elapsed && elapsed < options.timeout) {
                continue;
            }
            let answer = aws.poll_image(watch.region, watch.id, options.timeout.saturating_sub(elapsed));
            let seen_image = answer.as_ref().ok().and_then(Option::as_ref).cloned();
            match watch.step(answer, elapsed, options, &mut |seen, at| progress(n, seen, seen_image.as_ref(), at)) {
                Step::Done(result) => outcomes[n] = Some(*result),
                Step::Again(delay) => due[n] = elapsed + delay,
            }
        }
        let now = clock.now();
        let next = (0..images.len()).filter(|&n| outcomes[n].is_none()).map(|n| due[n]).min();
        let Some(next) = next else { break };
        if now >= options.timeout {
            for (n, watch) in watches.iter_mut().enumerate() {
                if outcomes[n].is_none() {
                    outcomes[n] = Some(Err(watch.timed_out(now, options)));
                }
            }
            break;
        }
        clock.sleep(next.saturating_sub(now).max(Duration::from_millis(1)).min(options.timeout - now));
    }
    outcomes.into_iter().map(|o| o.expect("every image has an outcome")).collect()
}

/// Parse a duration: `90s`, `15m`, `1h`, `1h30m`, `2m30s`, `2d` or plain seconds. Zero is refused.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    // A year is more than any wait; anything beyond is a typo.
    parse_duration_up_to(value, 366 * DAY)
}

const DAY: u64 = 24 * 3600;

/// An age, for `prune --older-than` and `--unused-for`: like a wait's
/// duration, up to 100 years (2d, 14d, 90d, 1d12h).
pub fn parse_age(value: &str) -> Result<Duration, String> {
    parse_duration_up_to(value, 100 * 366 * DAY)
}

fn parse_duration_up_to(value: &str, max_seconds: u64) -> Result<Duration, String> {
    let bad = || {
        format!(
            "invalid duration '{}': expected e.g. 90s, 15m, 1h, 1h30m, 14d or plain seconds, greater than zero",
            shown(value)
        )
    };
    if value.is_empty() || value.len() > 20 {
        return Err(bad());
    }
    let mut total: u64 = 0;
    if value.bytes().all(|b| b.is_ascii_digit()) {
        total = value.parse().map_err(|_| bad())?;
    } else {
        let mut number = String::new();
        let mut last_unit = u64::MAX;
        for c in value.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                'd' => DAY,
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return Err(bad()),
            };
            // Units in decreasing order, each once, each with a number: `1h30m`, not `30m1h` or `h`.
            if number.is_empty() || unit >= last_unit {
                return Err(bad());
            }
            let amount: u64 = number.parse().map_err(|_| bad())?;
            total = amount.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
            number.clear();
            last_unit = unit;
        }
        if !number.is_empty() {
            return Err(bad());
        }
    }
    if total == 0 || total > max_seconds {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeAws;
    use std::cell::{Cell, RefCell};
    use ImageState::*;

    const ALL: [ImageState; 8] = ImageState::KNOWN;

    /// The full table: every current state × every target × both modes.
    #[test]
    fn decision_table() {
        let unreachable_smart = |current: &ImageState, target: &ImageState| -> bool {
            match (current, target) {
                (a, b) if a == b => false,
                (Pending | Transient, _) => false,
                (Available, Deregistered | Disabled) => false,
                (Failed | Error | Invalid | Disabled, Deregistered) => false,
                (Disabled, Available) => false,
                _ => true,
            }
        };
        for current in &ALL {
            let seen = Observation::State(current.clone());
            assert_eq!(decide(&seen, &Target::Exists, Mode::Smart), Decision::Reached);
            assert_eq!(decide(&seen, &Target::Exists, Mode::Dumb), Decision::Reached);
            for target in &ALL {
                let t = Target::State(target.clone());
                let dumb = decide(&seen, &t, Mode::Dumb);
                let smart = decide(&seen, &t, Mode::Smart);
                if current == target {
                    assert_eq!((dumb, smart), (Decision::Reached, Decision::Reached), "{current}→{target}");
                } else {
                    assert_eq!(dumb, Decision::KeepWaiting, "dumb {current}→{target}");
                    let expected =
                        if unreachable_smart(current, target) { Decision::Unreachable } else { Decision::KeepWaiting };
                    assert_eq!(smart, expected, "smart {current}→{target}");
                }
            }
        }
        // The cases the issue names explicitly.
        for hopeless in [Failed, Error, Invalid, Deregistered] {
            for wanted in [Available, Pending] {
                let d = decide(&Observation::State(hopeless.clone()), &Target::State(wanted), Mode::Smart);
                assert_eq!(d, Decision::Unreachable);
            }
        }
        for mode in [Mode::Smart, Mode::Dumb] {
            assert_eq!(decide(&Observation::NotFound, &Target::Exists, mode), Decision::NotVisible);
            assert_eq!(decide(&Observation::NotFound, &Target::State(Available), mode), Decision::NotVisible);
        }
    }

    /// A clock that only moves when slept on, recording each sleep.
    struct FakeClock {
        now: Cell<Duration>,
        sleeps: RefCell<Vec<Duration>>,
    }

    impl FakeClock {
        fn new() -> FakeClock {
            FakeClock { now: Cell::new(Duration::ZERO), sleeps: RefCell::new(Vec::new()) }
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.now.get()
        }
        fn sleep(&self, d: Duration) {
            self.sleeps.borrow_mut().push(d);
            self.now.set(self.now.get() + d);
        }
    }

    fn region() -> Region {
        "us-east-1".parse().unwrap()
    }
    fn ami() -> AmiId {
        "ami-12345678".parse().unwrap()
    }

    /// A fake whose image follows a script of (from time, observation).
    fn scripted(clock: &FakeClock, script: Vec<(u64, Option<ImageState>)>) -> FakeAws<'_> {
        FakeAws::with_describe(move |_| {
            let t = clock.now().as_secs();
            let (_, state) = script.iter().rev().find(|(from, _)| *from <= t).cloned().unwrap_or((0, None));
            Ok(state.map(|s| {
                let mut image = Image::new(ami(), region());
                image.state = s;
                image
            }))
        })
    }

    fn opts(target: ImageState, mode: Mode) -> WaitOptions {
        WaitOptions { target: Target::State(target), mode, ..WaitOptions::until_available() }
    }

    #[test]
    fn several_images_are_waited_on_in_one_loop_each_to_its_own_end() {
        let clock = FakeClock::new();
        let id = |n: u32| -> AmiId { format!("ami-0000000{n}").parse().unwrap() };
        // 1: available after 40 s; 2: fails at 10 s; 3: never leaves pending.
        let aws = FakeAws::with_describe(|asked| {
            let t = clock.now().as_secs();
            let state = match asked.as_str() {
                "ami-00000001" if t >= 40 => Available,
                "ami-00000002" if t >= 10 => Failed,
                _ => Pending,
            };
            let mut image = Image::new(asked.clone(), region());
            image.state = state;
            Ok(Some(image))
        });
        let images = [(region(), id(1)), (region(), id(2)), (region(), id(3))];
        let options = WaitOptions { timeout: Duration::from_secs(300), ..opts(Available, Mode::Smart) };
        let mut seen = vec![0u32; 3];
        let outcomes = wait_for_all(&aws, &images, &options, &clock, &mut |n, _, _, _| seen[n] += 1);
        assert_eq!(outcomes[0].as_ref().map(|i| i.state.clone()), Ok(Available));
        assert!(matches!(&outcomes[1], Err(WaitError::Unreachable { current: Failed, .. })), "{:?}", outcomes[1]);
        assert!(
            matches!(&outcomes[2], Err(WaitError::TimedOut { last: Some(Pending), waited, .. }) if *waited == Duration::from_secs(300)),
            "{:?}",
            outcomes[2]
        );
        // Each image is polled as `wait_for` polls one alone: no more often.
        let alone = FakeClock::new();
        let pending = scripted(&alone, vec![(0, Some(Pending))]);
        let _ = wait_for(&pending, &region(), &ami(), &options, &alone, &mut |_, _| {});
        assert_eq!(seen[2] as usize, pending.describe_calls());
        assert!(seen[1] < seen[0] && seen[0] < seen[2], "{seen:?}");
    }

    fn run(aws: &FakeAws<'_>, clock: &FakeClock, options: &WaitOptions) -> Result<Image, WaitError> {
        wait_for(aws, &region(), &ami(), options, clock, &mut |_, _| {})
    }

    #[test]
    fn pending_then_available_is_seen_within_a_second_early_on() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Pending)), (5, Some(Available))]);
        let image = run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap();
        assert_eq!(image.state, Available);
        assert_eq!(clock.now(), Duration::from_secs(5));
        assert!(clock.sleeps.borrow().iter().all(|d| *d >= MIN_INTERVAL));
    }

    #[test]
    fn failure_during_the_wait_is_noticed_on_the_next_poll() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Pending)), (30, Some(Failed))]);
        let err = run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap_err();
        assert!(matches!(err, WaitError::Unreachable { current: Failed, .. }), "{err}");
        assert!(clock.now() <= Duration::from_secs(34), "{:?}", clock.now());
    }

    #[test]
    fn already_failed_stops_at_once_unless_dumb() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Failed))]);
        assert!(matches!(run(&aws, &clock, &opts(Available, Mode::Smart)), Err(WaitError::Unreachable { .. })));
        assert_eq!(clock.now(), Duration::ZERO);
        assert_eq!(aws.describe_calls(), 1);

        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Failed))]);
        let options = WaitOptions { timeout: Duration::from_secs(600), ..opts(Available, Mode::Dumb) };
        let err = run(&aws, &clock, &options).unwrap_err();
        assert!(matches!(&err, WaitError::TimedOut { last: Some(Failed), .. }), "{err}");
        assert_eq!(clock.now(), Duration::from_secs(600));
        assert!(err.to_string().contains("10m"), "{err}");
    }

    #[test]
    fn backoff_grows_to_the_cap_and_never_below_a_second() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Pending)), (3600, Some(Available))]);
        let options = WaitOptions { timeout: Duration::from_secs(7200), ..opts(Available, Mode::Smart) };
        run(&aws, &clock, &options).unwrap();
        let sleeps = clock.sleeps.borrow();
        assert!(sleeps.iter().all(|d| *d >= MIN_INTERVAL && *d <= DEFAULT_INTERVAL));
        assert!(sleeps.windows(2).all(|w| w[1] >= w[0]), "delays never shrink while pending");
        assert_eq!(*sleeps.last().unwrap(), DEFAULT_INTERVAL);
        // An hour at most 15 s apart after the first minutes: about 260 polls, not 3600.
        assert!(aws.describe_calls() < 300, "{}", aws.describe_calls());
    }

    #[test]
    fn an_image_not_visible_yet_is_waited_for() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, None), (4, Some(Pending)), (8, Some(Available))]);
        assert!(run(&aws, &clock, &opts(Available, Mode::Smart)).is_ok());
    }

    #[test]
    fn not_found_gives_up_after_the_grace_period() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, None)]);
        let options = WaitOptions { exist_timeout: Duration::from_secs(60), ..opts(Available, Mode::Smart) };
        let err = run(&aws, &clock, &options).unwrap_err();
        assert!(matches!(err, WaitError::NotFound { seen: false, .. }));
        assert!(clock.now() >= Duration::from_secs(60) && clock.now() < Duration::from_secs(70));
    }

    #[test]
    fn nowait_exist_gives_up_at_the_first_check() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, None)]);
        let options = WaitOptions { nowait_exist: true, ..opts(Available, Mode::Smart) };
        let err = run(&aws, &clock, &options).unwrap_err();
        assert_eq!(err.to_string(), "image ami-12345678 does not exist (region us-east-1)");
        assert_eq!(aws.describe_calls(), 1);
    }

    #[test]
    fn an_image_that_disappears_is_gone_in_smart_mode() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Pending)), (3, None)]);
        let err = run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap_err();
        assert!(matches!(err, WaitError::NotFound { seen: true, .. }), "{err}");
    }

    #[test]
    fn an_image_seen_and_then_gone_has_been_deregistered() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Available)), (5, Some(Deregistered)), (6, None)]);
        let image = run(&aws, &clock, &opts(Deregistered, Mode::Smart)).unwrap();
        assert_eq!(image.state, Deregistered);
        // Gone without the brief `deregistered` state being seen: still reached.
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Available)), (5, None)]);
        assert_eq!(run(&aws, &clock, &opts(Deregistered, Mode::Smart)).unwrap().state, Deregistered);
        // Never seen at all: not found, as before.
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, None)]);
        let options = WaitOptions { nowait_exist: true, ..opts(Deregistered, Mode::Smart) };
        assert!(matches!(run(&aws, &clock, &options), Err(WaitError::NotFound { seen: false, .. })));
    }

    #[test]
    fn a_disabled_image_enabled_again_becomes_available() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, Some(Disabled)), (20, Some(Available))]);
        assert_eq!(run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap().state, Available);
    }

    #[test]
    fn exists_is_reached_by_any_state() {
        let clock = FakeClock::new();
        let aws = scripted(&clock, vec![(0, None), (2, Some(Failed))]);
        let options = WaitOptions { target: Target::Exists, ..WaitOptions::until_available() };
        assert_eq!(run(&aws, &clock, &options).unwrap().state, Failed);
    }

    #[test]
    fn transient_errors_are_retried_and_others_end_the_wait() {
        let clock = FakeClock::new();
        let calls = Cell::new(0);
        let aws = FakeAws::with_describe(|_| {
            calls.set(calls.get() + 1);
            if calls.get() <= 3 {
                Err(FakeAws::error(AwsErrorKind::Throttled))
            } else {
                let mut image = Image::new(ami(), region());
                image.state = Available;
                Ok(Some(image))
            }
        });
        assert!(run(&aws, &clock, &opts(Available, Mode::Smart)).is_ok());
        assert_eq!(
            *clock.sleeps.borrow(),
            vec![Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)]
        );

        let clock = FakeClock::new();
        let aws = FakeAws::with_describe(|_| Err(FakeAws::error(AwsErrorKind::Denied)));
        let err = run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap_err();
        assert!(matches!(err, WaitError::Aws(_)), "{err}");
    }

    #[test]
    fn an_endpoint_that_goes_down_mid_wait_is_retried_until_the_timeout() {
        let clock = FakeClock::new();
        let aws = FakeAws::with_describe(|_| {
            if clock.now() < Duration::from_secs(10) {
                let mut image = Image::new(ami(), region());
                image.state = Pending;
                Ok(Some(image))
            } else {
                Err(FakeAws::error(AwsErrorKind::Network))
            }
        });
        let options = WaitOptions { timeout: Duration::from_secs(120), ..opts(Available, Mode::Smart) };
        let err = run(&aws, &clock, &options).unwrap_err();
        assert!(matches!(&err, WaitError::TimedOut { last: Some(Pending), last_error: Some(_), .. }), "{err}");
        assert!(err.to_string().contains("last error: DescribeImages"), "{err}");
        assert_eq!(clock.now(), Duration::from_secs(120));
    }

    #[test]
    fn an_endpoint_never_reached_ends_the_wait_at_once() {
        let clock = FakeClock::new();
        let aws = FakeAws::with_describe(|_| Err(FakeAws::error(AwsErrorKind::Network)));
        let err = run(&aws, &clock, &opts(Available, Mode::Smart)).unwrap_err();
        assert!(matches!(err, WaitError::Aws(_)), "{err}");
        assert_eq!(clock.now(), Duration::ZERO);
    }

    #[test]
    fn poll_delay_is_a_tenth_of_elapsed_within_bounds() {
        let cap = Duration::from_secs(15);
        assert_eq!(poll_delay(Duration::ZERO, cap), Duration::from_secs(1));
        assert_eq!(poll_delay(Duration::from_secs(5), cap), Duration::from_secs(1));
        assert_eq!(poll_delay(Duration::from_secs(60), cap), Duration::from_secs(6));
        assert_eq!(poll_delay(Duration::from_secs(6000), cap), cap);
        assert_eq!(poll_delay(Duration::from_secs(6000), Duration::from_millis(10)), MIN_INTERVAL);
    }

    #[test]
    fn durations() {
        let ok = |s: &str, secs: u64| assert_eq!(parse_duration(s).unwrap(), Duration::from_secs(secs), "{s}");
        ok("90s", 90);
        ok("15m", 900);
        ok("1h", 3600);
        ok("1h30m", 5400);
        ok("2m30s", 150);
        ok("1h0m5s", 3605);
        ok("45", 45);
        ok("14d", 14 * 86400);
        ok("1d12h", 129_600);
        assert!(parse_duration("367d").is_err(), "a wait is at most a year");
        assert_eq!(parse_age("400d").unwrap(), Duration::from_secs(400 * 86400));
        assert!(parse_age("36601d").is_err());
        for bad in [
            "",
            "0",
            "0s",
            "-5",
            "-5m",
            "1.5h",
            "h",
            "5x",
            "30m1h",
            "1h2d",
            "d",
            "1m1m",
            "m5",
            "5 m",
            "1h30",
            "99999999999999999999",
            "１s",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("'{bad}'")), "{bad}: {err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn duration_parser_never_panics(value in "\\PC{0,24}") {
            let _ = parse_duration(&value);
        }

        #[test]
        fn durations_round_trip_through_their_display(seconds in 1u64..=366 * 24 * 3600) {
            let duration = Duration::from_secs(seconds);
            proptest::prop_assert_eq!(parse_duration(&human(duration)).unwrap(), duration);
            proptest::prop_assert_eq!(parse_duration(&seconds.to_string()).unwrap(), duration);
        }
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(0)), "0s");
        assert_eq!(human(Duration::from_secs(3605)), "1h5s");
        assert_eq!(human(Duration::from_secs(600)), "10m");
    }
}
