//! Retiring images in stages, and undoing it (the `ImageRetirement` trait,
//! through the SDK): EnableImageDeprecation, DisableImageDeprecation,
//! DisableImage and EnableImage. Each is idempotent in EC2 (deprecating again
//! sets the time again; disabling a disabled image changes nothing), so the
//! SDK's retry after a lost answer is safe; an answer whose `return` is
//! false is an error, not a success.

use time::OffsetDateTime;

use super::{AwsError, AwsErrorKind, ImageRetirement, SdkAws};
use crate::ids::{AmiId, Region};

impl SdkAws {
    /// EC2 answered, but said it did not do it (`return` false).
    fn refused(&self, region: &Region, action: &'static str, done: Option<bool>) -> Result<(), AwsError> {
        match done {
            Some(false) => Err(AwsError::new(
                action,
                AwsErrorKind::Other,
                "EC2 answered that it did not do it (return false)",
                &self.endpoint(region).name(),
            )),
            _ => Ok(()),
        }
    }
}

impl ImageRetirement for SdkAws {
    fn deprecate_image(&self, region: &Region, id: &AmiId, at: OffsetDateTime) -> Result<(), AwsError> {
        let at = aws_smithy_types::DateTime::from_secs(at.unix_timestamp());
        let out = self.send(region, "EnableImageDeprecation", |c| {
            c.enable_image_deprecation().image_id(id.as_str()).deprecate_at(at).send()
        })?;
        self.refused(region, "EnableImageDeprecation", out.r#return())
    }

    fn undeprecate_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError> {
        let out = self
            .send(region, "DisableImageDeprecation", |c| c.disable_image_deprecation().image_id(id.as_str()).send())?;
        self.refused(region, "DisableImageDeprecation", out.r#return())
    }

    fn disable_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError> {
        let out = self.send(region, "DisableImage", |c| c.disable_image().image_id(id.as_str()).send())?;
        self.refused(region, "DisableImage", out.r#return())
    }

    fn enable_image(&self, region: &Region, id: &AmiId) -> Result<(), AwsError> {
        let out = self.send(region, "EnableImage", |c| c.enable_image().image_id(id.as_str()).send())?;
        self.refused(region, "EnableImage", out.r#return())
    }
}
