//! The status line of long work told in stages (prune's gathering,
//! `children` across regions): the domain says which stage has started, the
//! AWS boundary counts what has been answered, and a `Ticker` draws both.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::aws::{Activity, ActivityCount};
use crate::progress::Ticker;

/// What a line is drawn from: the stage, what the boundary has done since it
/// started, since the work started (throttled answers so far), and the time.
pub struct Progress<S> {
    pub stage: S,
    pub in_stage: ActivityCount,
    pub overall: ActivityCount,
    pub elapsed: Duration,
}

/// The stage the work is in, shared with the ticker's thread.
pub struct Staged<S> {
    current: Arc<Mutex<Option<(S, ActivityCount)>>>,
    activity: Arc<Activity>,
    _ticker: Ticker,
}

impl<S: Copy + Send + 'static> Staged<S> {
    /// Start the line (nothing with `quiet` or off a terminal); `render`
    /// turns a reading into its text.
    pub fn start(quiet: bool, activity: Arc<Activity>, render: fn(&Progress<S>) -> String) -> Staged<S> {
        let current: Arc<Mutex<Option<(S, ActivityCount)>>> = Arc::new(Mutex::new(None));
        let started = (Instant::now(), activity.now());
        let (shared, counts) = (current.clone(), activity.clone());
        let ticker = Ticker::start(quiet, move || {
            let Some((stage, entered)) = *shared.lock().unwrap_or_else(|e| e.into_inner()) else {
                return String::new();
            };
            let now = counts.now();
            render(&Progress { stage, in_stage: now - entered, overall: now - started.1, elapsed: started.0.elapsed() })
        });
        Staged { current, activity, _ticker: ticker }
    }

    /// A stage has started: what it does is counted from now.
    pub fn enter(&self, stage: S) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((stage, self.activity.now()));
    }
}

/// ", 12 throttled answers so far" once EC2 has throttled any: the reason a
/// big backlog takes minutes, said while it waits.
pub fn throttled_so_far(overall: &ActivityCount) -> String {
    match overall.throttled {
        0 => String::new(),
        1 => ", 1 throttled answer so far (sent again, paced)".to_string(),
        n => format!(", {n} throttled answers so far (sent again, paced)"),
    }
}
