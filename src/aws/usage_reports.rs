//! How other accounts use an image (the `ImageUsageReports` trait, through
//! the SDK): EC2's AMI usage reports — CreateImageUsageReport,
//! DescribeImageUsageReports, DescribeImageUsageReportEntries and
//! DeleteImageUsageReport. Each call in its turn (paced), pages checked.

use aws_sdk_ec2::types::{ImageUsageResourceTypeOptionRequest, ImageUsageResourceTypeRequest};

use super::guards::EndpointName;
use super::paging::Tokens;
use super::{AwsError, AwsErrorKind, ImageUsageReports, SdkAws};
use crate::ids::{AmiId, Region};
use crate::image::{UsageEntry, UsageReport};

/// Launch template versions a report looks through, counting back from the
/// latest: as many as DescribeImageReferences is asked to (EC2's default is 20).
const LAUNCH_TEMPLATE_VERSION_DEPTH: &str = "10000";

/// At most this many report ids in one Describe call (EC2's limit).
const REPORT_IDS_MAX: usize = 200;

/// Every page of a Describe call over `ids`, REPORT_IDS_MAX ids a call:
/// `page` asks for one page (ids, NextToken) and gives its items and the next token.
fn paged<T>(
    ids: &[String],
    action: &'static str,
    endpoint: &EndpointName,
    mut page: impl FnMut(&[String], Option<String>) -> Result<(Vec<T>, Option<String>), AwsError>,
) -> Result<Vec<T>, AwsError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(REPORT_IDS_MAX) {
        let (mut token, mut tokens) = (None, Tokens::default());
        loop {
            let (items, next) = page(chunk, token.take())?;
            found.extend(items);
            match tokens.next(action, next.as_deref(), endpoint)? {
                Some(next) => token = Some(next),
                None => break,
            }
        }
    }
    Ok(found)
}

impl ImageUsageReports for SdkAws {
    fn create_usage_report(
        &self,
        region: &Region,
        image_id: &AmiId,
        accounts: Option<&[String]>,
        token: &str,
    ) -> Result<String, AwsError> {
        let instances = ImageUsageResourceTypeRequest::builder().resource_type("ec2:Instance").build();
        let templates = ImageUsageResourceTypeRequest::builder()
            .resource_type("ec2:LaunchTemplate")
            .resource_type_options(
                ImageUsageResourceTypeOptionRequest::builder()
                    .option_name("version-depth")
                    .option_values(LAUNCH_TEMPLATE_VERSION_DEPTH)
                    .build(),
            )
            .build();
        let endpoint = self.endpoint(region);
        // The same token for a retry: a lost answer does not make a second report.
        let answer = self.send(region, "CreateImageUsageReport", |c| {
            c.create_image_usage_report()
                .image_id(image_id.as_str())
                .resource_types(instances.clone())
                .resource_types(templates.clone())
                .set_account_ids(accounts.map(<[String]>::to_vec))
                .client_token(token)
                .send()
        })?;
        answer.report_id().map(str::to_string).ok_or_else(|| {
            AwsError::new("CreateImageUsageReport", AwsErrorKind::Other, "EC2 returned no report id", &endpoint.name())
        })
    }

    fn usage_reports(&self, region: &Region, report_ids: &[String]) -> Result<Vec<UsageReport>, AwsError> {
        const ACTION: &str = "DescribeImageUsageReports";
        let endpoint = self.endpoint(region);
        paged(report_ids, ACTION, &endpoint, |ids, next| {
            let page = self.send(region, ACTION, |c| {
                c.describe_image_usage_reports().set_report_ids(Some(ids.to_vec())).set_next_token(next.clone()).send()
            })?;
            let reports = page
                .image_usage_reports()
                .iter()
                .filter_map(|report| {
                    Some(UsageReport {
                        report_id: report.report_id()?.to_string(),
                        image_id: report.image_id()?.parse().ok()?,
                        state: report.state().unwrap_or("").to_string(),
                        state_reason: report.state_reason().map(str::to_string),
                        accounts: report.account_ids().to_vec(),
                        resource_types: report
                            .resource_types()
                            .iter()
                            .filter_map(|t| t.resource_type().map(str::to_string))
                            .collect(),
                    })
                })
                .collect();
            Ok((reports, page.next_token().map(str::to_string)))
        })
    }

    fn usage_report_entries(&self, region: &Region, report_ids: &[String]) -> Result<Vec<UsageEntry>, AwsError> {
        const ACTION: &str = "DescribeImageUsageReportEntries";
        let endpoint = self.endpoint(region);
        paged(report_ids, ACTION, &endpoint, |ids, next| {
            let page = self.send(region, ACTION, |c| {
                c.describe_image_usage_report_entries()
                    .set_report_ids(Some(ids.to_vec()))
                    .set_next_token(next.clone())
                    .send()
            })?;
            let mut entries = Vec::new();
            for entry in page.image_usage_report_entries() {
                // An entry amitools cannot attribute makes the answer unusable:
                // deciding on the rest could delete an image another account uses.
                let (Some(report_id), Some(account_id), Some(resource_type)) =
                    (entry.report_id(), entry.account_id(), entry.resource_type())
                else {
                    return Err(AwsError::new(
                        ACTION,
                        AwsErrorKind::Other,
                        format!("EC2 returned a usage entry amitools cannot read ({entry:?})"),
                        &endpoint.name(),
                    ));
                };
                entries.push(UsageEntry {
                    report_id: report_id.to_string(),
                    account_id: account_id.to_string(),
                    resource_type: resource_type.to_string(),
                    // A count not given is taken as a use.
                    count: entry.usage_count().unwrap_or(1),
                });
            }
            Ok((entries, page.next_token().map(str::to_string)))
        })
    }

    fn delete_usage_report(&self, region: &Region, report_id: &str) -> Result<(), AwsError> {
        self.send(region, "DeleteImageUsageReport", |c| c.delete_image_usage_report().report_id(report_id).send())?;
        Ok(())
    }
}
