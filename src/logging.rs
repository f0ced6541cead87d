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
        let mut text = redact(&record.args().to_string());
        if !record.target().starts_with("amitools") {
            // A dependency may render what it read (a credentials file) as a
            // byte list or a byte string: amitools cannot know those secrets.
            text = scrub_bytes(&text);
        }
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

/// Replace renderings of raw bytes — `[115, 101, 99, …]` lists of eight or
/// more numbers, and `b"…"` literals of sixteen or more characters — with a
/// placeholder: in a dependency's log line they may be the contents of a file.
pub fn scrub_bytes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['[', 'b']) {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        if let Some(len) = byte_list_len(candidate).or_else(|| byte_string_len(candidate)) {
            out.push_str("[bytes redacted]");
            rest = &candidate[len..];
        } else {
            let c = candidate.chars().next().map_or(1, char::len_utf8);
            out.push_str(&candidate[..c]);
            rest = &candidate[c..];
        }
    }
    out.push_str(rest);
    out
}

/// The length of a `[n, n, …]` list of at least 8 numbers at the start of `text`.
fn byte_list_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('[')?;
    let end = body.find(']')?;
    let items: Vec<&str> = body[..end].split(',').map(str::trim).collect();
    let numeric = items.len() >= 8 && items.iter().all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
    numeric.then_some(end + 2)
}

/// The length of a `b"…"` literal of at least 16 characters at the start of `text`.
fn byte_string_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("b\"")?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return (i >= 16).then_some(i + 3),
            _ => {}
        }
    }
    None
}

/// `verbosity`: -1 for -q, 0 by default, +1 per -v. RUST_LOG, when set, wins.
/// By default only amitools' own messages show: a dependency's warning may
/// carry what it read (the SDK once logged a whole credentials file).
pub fn init(verbosity: i8) {
    // Secrets in the environment are known before anything can log them.
    add_secrets(["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].iter().filter_map(|v| std::env::var(v).ok()));
    let filters = match verbosity {
        i8::MIN..=-1 => "off,amitools=error",
        0 => "off,amitools=warn",
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

    #[test]
    fn byte_renderings_are_scrubbed() {
        let secret: Vec<u8> = b"wJalrXUtnFEMI/K7MDENG".to_vec();
        let line = format!("could not parse {secret:?} in profile [default] at [1, 2]");
        assert_eq!(scrub_bytes(&line), "could not parse [bytes redacted] in profile [default] at [1, 2]");
        let line = format!("body: {:?}", bytes_literal("aws_secret_access_key=abcdefgh"));
        assert_eq!(scrub_bytes(&line), "body: [bytes redacted]");
        assert_eq!(scrub_bytes("b\"short\" and [a, b] and é"), "b\"short\" and [a, b] and é");
    }

    /// How `bytes::Bytes` and friends render in Debug: b"…".
    fn bytes_literal(text: &str) -> impl std::fmt::Debug + '_ {
        struct Literal<'a>(&'a str);
        impl std::fmt::Debug for Literal<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "b\"{}\"", self.0)
            }
        }
        Literal(text)
    }
}
