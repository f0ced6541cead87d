//! The crate's one error type and the exit codes it maps to. Errors are
//! typed where they arise and rendered once, by `lib::run`.

use crate::aws::{AwsError, AwsErrorKind};
use crate::credentials::CredentialsError;
use crate::ids::{AmiId, Region};
use crate::naming::NamingError;
use crate::waiting::WaitError;

/// Exit codes: the same for every subcommand, documented in --help, the README and the man pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// An AWS or runtime error.
    Failure = 1,
    /// Bad usage or bad input; nothing was sent to AWS.
    Usage = 2,
    /// waiton: the target state can never be reached.
    Unreachable = 3,
    /// waiton: timed out.
    TimedOut = 4,
    /// waiton: the image does not exist (or never became visible).
    NotFound = 5,
}
// Ctrl-C is not an exit code: the process dies by SIGINT (shells show 130),
// see progress::install_interrupt_handler.

/// How an exit code is documented: what it means for any command, and what
/// it means for `waiton`. The one table --help and the man pages are made from.
pub struct ExitCodeDoc {
    pub code: &'static str,
    pub any: &'static str,
    pub waiton: &'static str,
    /// Only `waiton` (and --wait) ends with it.
    pub waiton_only: bool,
}

pub const EXIT_CODES: [ExitCodeDoc; 7] = [
    ExitCodeDoc { code: "0", any: "success", waiton: "the state was reached", waiton_only: false },
    ExitCodeDoc {
        code: "1",
        any: "an AWS or runtime error",
        waiton: "an AWS error (e.g. not authorized, credentials expired)",
        waiton_only: false,
    },
    ExitCodeDoc {
        code: "2",
        any: "bad usage or bad input (nothing was sent to AWS)",
        waiton: "bad usage (nothing was sent to AWS)",
        waiton_only: false,
    },
    ExitCodeDoc {
        code: "3",
        any: "waiton: the state can never be reached",
        waiton: "the state can never be reached (e.g. the image failed)",
        waiton_only: true,
    },
    ExitCodeDoc {
        code: "4",
        any: "waiton: timed out",
        waiton: "timed out (the message gives the last state and how long it waited)",
        waiton_only: true,
    },
    ExitCodeDoc {
        code: "5",
        any: "waiton: the image does not exist",
        waiton: "the image does not exist or never became visible",
        waiton_only: true,
    },
    ExitCodeDoc {
        code: "130",
        any: "interrupted by Ctrl-C: dies by SIGINT (143: SIGTERM)",
        waiton: "interrupted by Ctrl-C: dies by SIGINT (143: SIGTERM)",
        waiton_only: false,
    },
];

/// The "Exit codes:" block of --help, for all commands or for waiton.
pub fn exit_codes_help(waiton: bool) -> String {
    let mut text = String::from("Exit codes:");
    for doc in &EXIT_CODES {
        text.push_str(&format!("\n  {:<5}{}", doc.code, if waiton { doc.waiton } else { doc.any }));
    }
    text
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input found by amitools itself, before any call to AWS.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Naming(#[from] NamingError),
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// An image EC2 does not show: deregistered, never made, or another
    /// account's that is not shared with you.
    #[error("{what} {id} does not exist in {region} (or is not visible to you){also}")]
    ImageNotFound { what: &'static str, id: AmiId, region: Region, also: &'static str },
    /// A runtime failure amitools describes itself (e.g. a lineage loop).
    #[error("{0}")]
    Failed(String),
    /// Something failed after EC2 made an image: the image exists, say so.
    #[error("image {id} exists, but {source}")]
    AfterCreate { id: AmiId, source: Box<Error> },
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The one place that maps errors to exit codes: the domain modules
    /// (waiting, lineage, naming) know nothing of them.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Credentials(_) => ExitCode::Usage,
            Error::Aws(e) if e.kind == AwsErrorKind::UnusableCredentials => ExitCode::Usage,
            Error::Aws(_) | Error::Naming(_) | Error::Failed(_) | Error::Output(_) | Error::ImageNotFound { .. } => {
                ExitCode::Failure
            }
            Error::Wait(WaitError::Unreachable { .. }) => ExitCode::Unreachable,
            Error::Wait(WaitError::TimedOut { .. }) => ExitCode::TimedOut,
            Error::Wait(WaitError::NotFound { .. }) => ExitCode::NotFound,
            Error::Wait(WaitError::Aws(_)) => ExitCode::Failure,
            Error::AfterCreate { source, .. } => source.exit_code(),
        }
    }

    /// A suggestion to print after the error, where there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Aws(e) if e.kind == AwsErrorKind::Denied && e.code.as_deref() == Some("UnauthorizedOperation") => {
                Some("the IAM identity in use lacks this permission")
            }
            Error::Aws(e) if matches!(e.kind, AwsErrorKind::Denied | AwsErrorKind::BadCredentials) => {
                Some("amitools -v shows where the credentials came from")
            }
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_wait_outcome_has_its_exit_code() {
        let id: AmiId = "ami-12345678".parse().unwrap();
        let region: Region = "us-east-1".parse().unwrap();
        let target = crate::waiting::Target::Exists;
        let cases = [
            (
                WaitError::Unreachable {
                    id: id.clone(),
                    current: crate::image::ImageState::Failed,
                    target: target.clone(),
                },
                ExitCode::Unreachable,
            ),
            (
                WaitError::TimedOut {
                    id: id.clone(),
                    target,
                    last: None,
                    waited: Duration::from_secs(1),
                    last_error: None,
                    answered: false,
                },
                ExitCode::TimedOut,
            ),
            (
                WaitError::NotFound { id: id.clone(), region: region.clone(), waited: Duration::ZERO, seen: false },
                ExitCode::NotFound,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(Error::from(error).exit_code(), code);
        }
        let not_found = Error::ImageNotFound { what: "image", id, region, also: "" };
        assert_eq!(not_found.exit_code(), ExitCode::Failure);
        assert_eq!(not_found.to_string(), "image ami-12345678 does not exist in us-east-1 (or is not visible to you)");
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    /// The documented table and the codes amitools exits with agree.
    #[test]
    fn the_table_lists_every_exit_code() {
        let codes = [
            ExitCode::Success,
            ExitCode::Failure,
            ExitCode::Usage,
            ExitCode::Unreachable,
            ExitCode::TimedOut,
            ExitCode::NotFound,
        ];
        for code in codes {
            assert!(EXIT_CODES.iter().any(|doc| doc.code == (code as i32).to_string()), "{code:?}");
        }
        assert_eq!(EXIT_CODES.len(), codes.len() + 1, "and 130 for Ctrl-C");
        assert!(exit_codes_help(false).contains("\n  2    bad usage or bad input"));
    }
}
