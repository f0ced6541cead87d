//! Paginated answers: the NextTokens a listing has been given, so that an
//! endpoint repeating one, or handing out fresh ones without end, cannot
//! keep amitools paging forever.

use std::collections::HashSet;

use super::guards::EndpointName;
use super::{AwsError, AwsErrorKind};

/// The most pages one listing reads: 2,000,000 images at EC2's largest page,
/// far past any real account. An endpoint that hands out a fresh NextToken
/// on every page would otherwise be paged forever.
pub(super) const LISTING_PAGES_MAX: usize = 2_000;

/// The most images one listing gathers (DescribeImages, one region).
pub(super) const LISTING_IMAGES_MAX: usize = 1_000_000;

/// The NextTokens a paginated query has been given: an endpoint that hands
/// back a token it gave before, or new ones without end, would keep us paging forever.
#[derive(Default)]
pub(super) struct Tokens(HashSet<String>);

impl Tokens {
    /// The token for the next page, None after the last page.
    pub(super) fn next(
        &mut self,
        action: &'static str,
        token: Option<&str>,
        endpoint: &EndpointName,
    ) -> Result<Option<String>, AwsError> {
        match token {
            Some(next) if !next.is_empty() => {
                if self.0.len() + 1 >= LISTING_PAGES_MAX {
                    return Err(AwsError::new(
                        action,
                        AwsErrorKind::Other,
                        format!("EC2 handed out {LISTING_PAGES_MAX} pages and another NextToken; stopped paging"),
                        &endpoint.name(),
                    ));
                }
                if !self.0.insert(next.to_string()) {
                    return Err(AwsError::new(
                        action,
                        AwsErrorKind::Other,
                        "EC2 returned a NextToken it had returned before; stopped paging",
                        &endpoint.name(),
                    ));
                }
                Ok(Some(next.to_string()))
            }
            _ => Ok(None),
        }
    }
}
