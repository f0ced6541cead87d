//! The live status line on a terminal, and a Ctrl-C that leaves the
//! terminal tidy: the line is cleared before the process dies by the signal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;

/// Whether a status line is on screen (so an interrupt knows to clear it).
static LINE_SHOWN: AtomicBool = AtomicBool::new(false);

const CLEAR_LINE: &str = "\r\x1b[2K";

/// A CreateImage or CopyImage sent and not yet reported: an interrupt then
/// must say that an image may exist, since EC2 may have made it.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub action: &'static str,
    pub name: String,
    pub region: String,
    /// Known once EC2 has answered.
    pub id: Option<String>,
}

static IN_FLIGHT: Mutex<Option<InFlight>> = Mutex::new(None);

/// Record (or with None, clear) the image request in flight.
pub fn set_in_flight(request: Option<InFlight>) {
    *IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner()) = request;
}

/// What to say when interrupted.
pub fn interrupt_message(in_flight: Option<&InFlight>) -> String {
    match in_flight {
        None => "amitools: interrupted".to_string(),
        Some(InFlight { action, name, region, id: Some(id) }) => {
            format!("amitools: interrupted after {action}: image {id} ('{name}') was created in {region}")
        }
        Some(InFlight { action, name, region, id: None }) => format!(
            "amitools: interrupted after {action} was sent: an image named '{name}' may have been created in {region}"
        ),
    }
}

/// While set, a first SIGINT or SIGTERM is recorded instead of ending the
/// process: `prune --apply` (or `share`, `revoke`, …) then finishes the
/// change in flight, reports what was done and what was not, and dies by the
/// signal itself. A second signal ends the process at once.
static DEFERRING: AtomicBool = AtomicBool::new(false);
/// The deferred signal (0: none yet).
static DEFERRED: AtomicI32 = AtomicI32::new(0);
/// What is finished before stopping, for the message ("the deletion in flight").
static IN_PROGRESS: Mutex<&'static str> = Mutex::new("the change in flight");

/// Defer interrupts until the guard is dropped (see `DEFERRING`); `work`
/// names what is finished first, for the message the signal prints.
pub fn defer_interrupts(work: &'static str) -> Deferred {
    *IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner()) = work;
    DEFERRING.store(true, Ordering::SeqCst);
    Deferred(())
}

/// Interrupts are deferred while this lives.
pub struct Deferred(());

impl Drop for Deferred {
    fn drop(&mut self) {
        DEFERRING.store(false, Ordering::SeqCst);
    }
}

/// The signal received while interrupts were deferred, if any.
pub fn interrupted() -> Option<i32> {
    match DEFERRED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The signal's name, for messages and JSON.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// End the process by `signal` (the shell reports 128 + its number).
pub fn die_by(signal: i32) -> ! {
    if LINE_SHOWN.load(Ordering::SeqCst) {
        let _ = write!(std::io::stderr(), "{CLEAR_LINE}");
    }
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    // Not reached: the default action of both signals ends the process.
    std::process::exit(128 + signal);
}

/// On SIGINT or SIGTERM: clear a status line if one is shown, say what was
/// interrupted, then die by that signal (the shell reports 130 or 143). A
/// shell stops a `for a in …; do amitools waiton $a; done` loop only when the
/// child was killed by SIGINT, not when it merely exited with 130.
pub fn install_interrupt_handler() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            for signal in signals.forever() {
                if DEFERRING.load(Ordering::SeqCst)
                    && DEFERRED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok()
                {
                    let work = IN_PROGRESS.try_lock().map(|w| *w).unwrap_or("the change in flight");
                    let _ = writeln!(
                        std::io::stderr(),
                        "amitools: {}: finishing {work}, then stopping (again to stop at once)",
                        signal_name(signal)
                    );
                    continue;
                }
                // try_lock: the interrupted thread may hold the lock; then say less rather than hang.
                let in_flight = IN_FLIGHT.try_lock().ok().and_then(|guard| guard.clone());
                if LINE_SHOWN.load(Ordering::SeqCst) {
                    let _ = write!(std::io::stderr(), "{CLEAR_LINE}");
                }
                // Never eprintln!: it panics when stderr is closed.
                let _ = writeln!(std::io::stderr(), "{}", interrupt_message(in_flight.as_ref()));
                die_by(signal);
            }
        });
    });
}

/// One line on stderr, rewritten in place; silent unless `enabled`.
pub struct StatusLine<W: Write> {
    out: W,
    enabled: bool,
    /// Whether this line is on screen (`LINE_SHOWN` is the process's).
    shown: bool,
}

impl StatusLine<std::io::Stderr> {
    /// On stderr, enabled only on a terminal and when not quiet.
    pub fn stderr(quiet: bool) -> Self {
        let stderr = std::io::stderr();
        let enabled = !quiet && stderr.is_terminal();
        StatusLine { out: stderr, enabled, shown: false }
    }
}

impl<W: Write> StatusLine<W> {
    /// Whether the line is shown at all (a terminal, not -q).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn new(out: W, enabled: bool) -> Self {
        StatusLine { out, enabled, shown: false }
    }

    pub fn show(&mut self, text: &str) {
        if self.enabled {
            let _ = write!(self.out, "{CLEAR_LINE}{text}");
            let _ = self.out.flush();
            self.shown = true;
            LINE_SHOWN.store(true, Ordering::SeqCst);
        }
    }

    pub fn clear(&mut self) {
        if self.enabled && self.shown {
            self.shown = false;
            LINE_SHOWN.store(false, Ordering::SeqCst);
            let _ = write!(self.out, "{CLEAR_LINE}");
            let _ = self.out.flush();
        }
    }
}

impl<W: Write> Drop for StatusLine<W> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// How often a `Ticker` redraws its line.
const TICK: std::time::Duration = std::time::Duration::from_millis(250);

/// A status line drawn by a thread of its own while the calling thread blocks
/// on long work (one call into the AWS boundary that sends hundreds of
/// requests): every quarter second it shows what `render` says, read from
/// shared counters. The first draw waits one tick, so quick work shows
/// nothing; dropping the ticker stops the thread and clears the line.
pub struct Ticker {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    /// A ticker on stderr; no thread at all with `quiet` or off a terminal.
    pub fn start(quiet: bool, render: impl FnMut() -> String + Send + 'static) -> Ticker {
        Ticker::on(StatusLine::stderr(quiet), render)
    }

    fn on<W: Write + Send + 'static>(
        mut line: StatusLine<W>,
        mut render: impl FnMut() -> String + Send + 'static,
    ) -> Ticker {
        if !line.enabled {
            return Ticker { stop: None, thread: None };
        }
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            use std::sync::mpsc::RecvTimeoutError;
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                line.show(&render());
            }
            line.clear();
        });
        Ticker { stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_written_when_disabled() {
        let mut buf = Vec::new();
        {
            let mut line = StatusLine::new(&mut buf, false);
            line.show("ami-12345678  pending  3s");
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn a_shown_line_is_rewritten_and_cleared() {
        let mut buf = Vec::new();
        {
            let mut line = StatusLine::new(&mut buf, true);
            line.show("a");
            line.show("b");
        }
        assert_eq!(String::from_utf8(buf).unwrap(), format!("{CLEAR_LINE}a{CLEAR_LINE}b{CLEAR_LINE}"));
    }

    /// A writer the test can read while the ticker's thread holds it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_ticker_redraws_from_its_own_thread_and_clears_when_dropped() {
        let screen = Shared::default();
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let seen = count.clone();
        let ticker = Ticker::on(StatusLine::new(screen.clone(), true), move || {
            format!("asked {}", seen.fetch_add(1, Ordering::SeqCst))
        });
        std::thread::sleep(TICK * 3);
        drop(ticker);
        let text = String::from_utf8(screen.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with(&format!("{CLEAR_LINE}asked 0{CLEAR_LINE}asked 1")), "{text:?}");
        assert!(text.ends_with(CLEAR_LINE), "{text:?}");

        let quick = Shared::default();
        drop(Ticker::on(StatusLine::new(quick.clone(), true), || "never".into()));
        assert!(quick.0.lock().unwrap().is_empty(), "work shorter than a tick shows nothing");
        let disabled = Ticker::on(StatusLine::new(Shared::default(), false), || "never".into());
        assert!(disabled.thread.is_none(), "no thread when there is no line");
    }
}
