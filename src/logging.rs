//! Diagnostics on stderr through `log` + env_logger, with every known
//! secret scrubbed from every record at every level.
//!
//! The SDK logs through `tracing`, whose "log" feature forwards its events
//! here, so RUST_LOG=debug shows requests and retries. The SDK already
//! redacts what it signs; scrubbing here is the second lock on the door.

use std::sync::RwLock;

use log::{Log, Metadata, Record};

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Register values that must never appear in a log line.
pub fn add_secrets(secrets: impl IntoIterator<Item = String>) {
    let mut known = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    // Very short values would blank out ordinary text; real secrets are long.
    known.extend(secrets.into_iter().filter(|s| s.len() >= 8));
}

pub fn redact(text: &str) -> String {
    let known = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    known.iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), "** redacted **"))
}

struct Redacting {
    inner: env_logger::Logger,
}

impl Log for Redacting {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !self.inner.matches(record) {
            return;
        }
        let text = redact(&record.args().to_string());
        self.inner.log(
            &Record::builder()
                .args(format_args!("{text}"))
                .level(record.level())
                .target(record.target())
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.inner.flush()
    }
}

/// `verbosity`: -1 for -q, 0 by default, +1 per -v. RUST_LOG, when set, wins.
pub fn init(verbosity: i8) {
    // Secrets in the environment are known before anything can log them.
    add_secrets(["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].iter().filter_map(|v| std::env::var(v).ok()));
    let filters = match verbosity {
        i8::MIN..=-1 => "error",
        0 => "warn",
        1 => "warn,amitools=info",
        2 => "info,amitools=debug",
        _ => "trace",
    };
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filters);
    if let Ok(spec) = std::env::var("RUST_LOG") {
        builder.parse_filters(&spec);
    }
    builder.format_target(true);
    let logger = Redacting { inner: builder.build() };
    log::set_max_level(logger.inner.filter());
    // A second init (tests calling run twice) keeps the first logger.
    let _ = log::set_boxed_logger(Box::new(logger));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_every_occurrence() {
        add_secrets(["wJalrXUtnFEMI/K7MDENG".to_string(), "short".to_string()]);
        let text = redact("key=wJalrXUtnFEMI/K7MDENG again wJalrXUtnFEMI/K7MDENG short");
        assert_eq!(text, "key=** redacted ** again ** redacted ** short");
    }
}
