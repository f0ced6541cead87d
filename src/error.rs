//! The crate's one error type and the exit codes it maps to. Errors are
//! typed where they arise and rendered once, by `lib::run`.

use crate::credentials::CredentialsError;
use crate::ec2::{Ec2Error, Ec2ErrorKind};
use crate::ids::AmiId;
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

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input found by amitools itself, before any call to AWS.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Ec2(#[from] Ec2Error),
    #[error(transparent)]
    Naming(#[from] NamingError),
    #[error(transparent)]
    Wait(#[from] WaitError),
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
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Credentials(_) => ExitCode::Usage,
            Error::Ec2(_) | Error::Naming(_) | Error::Failed(_) | Error::Output(_) => ExitCode::Failure,
            Error::Wait(wait) => wait.exit_code(),
            Error::AfterCreate { source, .. } => source.exit_code(),
        }
    }

    /// A suggestion to print after the error, where there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Ec2(e) if e.kind == Ec2ErrorKind::Denied && e.code.as_deref() == Some("UnauthorizedOperation") => {
                Some("the IAM identity in use lacks this permission")
            }
            Error::Ec2(e) if matches!(e.kind, Ec2ErrorKind::Denied | Ec2ErrorKind::BadCredentials) => {
                Some("amitools -v shows where the credentials came from")
            }
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
