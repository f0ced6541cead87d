//! How an AWS call failed, in amitools' terms: the kind (which decides
//! retries and exit codes), the action, the endpoint's code and message
//! (escaped: they are the endpoint's text), and the endpoint it went to.

use std::fmt;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use super::credentials::credentials_problem;

/// What kind of failure an EC2 call ended in; decides retries and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
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

impl AwsErrorKind {
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

/// The codes AWS services throttle with: EC2's RequestLimitExceeded, Auto
/// Scaling's RateExceeded (its API reference, "API request rate"), and the
/// others'. Classification and the pacer (guards.rs) both read this list.
pub(super) const THROTTLING_CODES: [&str; 7] = [
    "RequestLimitExceeded",
    "RateExceeded",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
];

/// Classify an EC2 failure. Pure, so the table is unit-tested.
pub fn classify(failure: Failure, code: Option<&str>, status: Option<u16>) -> AwsErrorKind {
    match failure {
        Failure::Dispatch => return AwsErrorKind::Network,
        Failure::Timeout => return AwsErrorKind::Timeout,
        Failure::Construction => return AwsErrorKind::NoCredentials,
        Failure::Response => {}
    }
    match code.unwrap_or("") {
        "DryRunOperation" => AwsErrorKind::DryRunSucceeded,
        // "The AMI has been deregistered" (EC2's error codes): gone, as NotFound
        // is. Not the 5xx `Unavailable`, which means EC2 itself is.
        "InvalidAMIID.Unavailable" => AwsErrorKind::NotFound,
        "InvalidAMIName.Duplicate" => AwsErrorKind::DuplicateName,
        code if THROTTLING_CODES.contains(&code) => AwsErrorKind::Throttled,
        "UnauthorizedOperation" | "OptInRequired" | "Blocked" | "AccessDenied" => AwsErrorKind::Denied,
        // EC2 refuses credentials with AuthFailure and 401; the same code
        // without 401 is about a resource ("Not authorized for image:ami-…",
        // another account's image): refused, the credentials are fine.
        "AuthFailure" if status.is_some_and(|s| s != 401) => AwsErrorKind::Denied,
        "AuthFailure"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "RequestExpired"
        | "UnrecognizedClientException" => AwsErrorKind::BadCredentials,
        "InternalError" | "InternalFailure" | "Unavailable" | "ServiceUnavailable" => AwsErrorKind::Service,
        "InvalidAction" | "UnsupportedOperation" | "UnknownOperationException" => AwsErrorKind::Unsupported,
        code if code.ends_with(".NotFound") => AwsErrorKind::NotFound,
        _ => match status {
            Some(503) => AwsErrorKind::Throttled,
            Some(s) if s >= 500 => AwsErrorKind::Service,
            _ => AwsErrorKind::Other,
        },
    }
}

/// A failed EC2 call: which action, what kind, EC2's code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AwsError {
    pub action: &'static str,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: String,
    /// Where the request went, for network errors ("which endpoint is down?").
    pub endpoint: String,
    /// How many attempts the SDK made (1: not retried). A retried CreateImage
    /// that meets InvalidAMIName.Duplicate may have met its own first attempt.
    pub attempts: u32,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AwsErrorKind::Network => {
                write!(f, "{}: cannot reach EC2 at {}: {}", self.action, self.endpoint, self.message)
            }
            AwsErrorKind::Timeout => {
                write!(f, "{}: no answer from EC2 at {} in time: {}", self.action, self.endpoint, self.message)
            }
            AwsErrorKind::NoCredentials => write!(
                f,
                "no usable AWS credentials ({}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, point AWS_CREDENTIAL_FILE at a key file, or configure a profile (aws configure; --profile NAME)",
                self.message
            ),
            AwsErrorKind::UnusableCredentials => write!(f, "unusable AWS credentials {}", self.message),
            AwsErrorKind::BadCredentials => write!(
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
pub(super) fn one_line(message: &str) -> String {
    const MAX: usize = 300;
    let flat: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = crate::output::escape_untrusted(&flat).into_owned();
    if flat.chars().count() <= MAX {
        flat
    } else {
        format!("{}…", flat.chars().take(MAX).collect::<String>())
    }
}

/// The innermost cause: SDK errors nest five deep, users need the last line.
pub(super) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

impl AwsError {
    /// An error amitools finds in EC2's answer itself (not one EC2 reported).
    pub fn new(action: &'static str, kind: AwsErrorKind, message: impl Into<String>, endpoint: &str) -> AwsError {
        AwsError { action, kind, code: None, message: message.into(), endpoint: endpoint.to_string(), attempts: 1 }
    }

    pub(super) fn from_sdk<E, R>(action: &'static str, endpoint: &str, error: SdkError<E, R>) -> AwsError
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
            return AwsError::new(action, kind, problem, endpoint);
        }
        let kind = classify(failure, code.as_deref(), status);
        AwsError { action, kind, code, message: one_line(&message), endpoint: endpoint.to_string(), attempts: 1 }
    }
}

/// The HTTP status of a raw response; a trait so `from_sdk` stays generic.
pub(super) trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AwsErrorKind::*;

    #[test]
    fn classification_table() {
        let cases: &[(Failure, Option<&str>, Option<u16>, AwsErrorKind)] = &[
            (Failure::Response, Some("InvalidAMIID.NotFound"), Some(400), NotFound),
            (Failure::Response, Some("InvalidInstanceID.NotFound"), Some(400), NotFound),
            (Failure::Response, Some("InvalidAMIName.Duplicate"), Some(400), DuplicateName),
            (Failure::Response, Some("RequestLimitExceeded"), Some(503), Throttled),
            (Failure::Response, Some("Throttling"), Some(400), Throttled),
            (Failure::Response, Some("RateExceeded"), Some(400), Throttled),
            (Failure::Response, None, Some(503), Throttled),
            (Failure::Response, Some("UnauthorizedOperation"), Some(403), Denied),
            (Failure::Response, Some("AuthFailure"), Some(401), BadCredentials),
            (Failure::Response, Some("AuthFailure"), None, BadCredentials),
            (Failure::Response, Some("AuthFailure"), Some(400), Denied),
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

    #[test]
    fn network_errors_name_the_endpoint() {
        let error = AwsError {
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
