//! The account (the `Account` trait, through the SDK): who the credentials
//! belong to (STS GetCallerIdentity) and the Recycle Bin's retention rules.

use super::paging::Tokens;
use super::{Account, AwsError, AwsErrorKind, SdkAws};
use crate::ids::Region;
use crate::image::RetentionRule;

impl SdkAws {
    /// Who the credentials are (STS GetCallerIdentity): the account id, and
    /// the partition of the identity's ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn caller_identity(&self) -> Result<(String, String), AwsError> {
        const ACTION: &str = "GetCallerIdentity";
        let (client, endpoint) = self.sts_client(&self.config);
        let out = self.wait_for(&self.home_region, "sts", ACTION, &endpoint, || client.get_caller_identity().send())?;
        let account = out
            .account()
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .ok_or_else(|| {
                AwsError::new(ACTION, AwsErrorKind::Other, "STS returned no valid account id", &endpoint.name())
            })?;
        let partition = out
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
            .unwrap_or("aws")
            .to_string();
        Ok((account, partition))
    }
}

impl SdkAws {
    /// Every account of the organization (AWS Organizations ListAccounts,
    /// every page; asked of the management account or a delegated
    /// administrator), each with its state as Organizations says it
    /// (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`; the older
    /// `Status` where no `State` is given).
    pub fn organization_accounts(&self) -> Result<Vec<(String, String)>, AwsError> {
        const ACTION: &str = "ListAccounts";
        let (seen, endpoint) = self.other_service_endpoint("organizations", &self.home_region);
        let config = aws_sdk_organizations::config::Builder::from(&self.config)
            .region(aws_sdk_ec2::config::Region::new(self.home_region.to_string()))
            .interceptor(super::guards::ResponseGuard)
            .interceptor(seen)
            .interceptor(self.pace_observer(&self.home_region, "organizations"))
            .retry_partition(self.retry_partition.clone())
            .build();
        let client = aws_sdk_organizations::Client::from_conf(config);
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = Tokens::default();
        loop {
            let next = token.take();
            let page = self.wait_for(&self.home_region, "organizations", ACTION, &endpoint, || {
                client.list_accounts().set_next_token(next.clone()).send()
            })?;
            for account in page.accounts() {
                let Some(id) = account.id().filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())) else {
                    continue;
                };
                let state = match (account.state(), account.status()) {
                    (Some(state), _) => state.as_str().to_string(),
                    (None, Some(status)) => status.as_str().to_string(),
                    (None, None) => String::new(),
                };
                accounts.push((id.to_string(), state));
            }
            match tokens.next(ACTION, page.next_token(), &endpoint)? {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        Ok(accounts)
    }
}

impl Account for SdkAws {
    fn account_id(&self) -> Result<String, AwsError> {
        self.caller_identity().map(|(account, _)| account)
    }

    fn recycle_bin_rules(&self, region: &Region) -> Result<Vec<RetentionRule>, AwsError> {
        use aws_sdk_rbin::types::{ResourceType as RbinType, RetentionPeriodUnit, RuleStatus};
        let (client, endpoint) = self.recycle_bin(region);
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        let mut tokens = Tokens::default();
        loop {
            let next = token.take();
            let page = self.wait_for(region, "rbin", "ListRules", &endpoint, || {
                client.list_rules().resource_type(RbinType::Ec2Image).set_next_token(next.clone()).send()
            })?;
            ids.extend(page.rules().iter().filter_map(|r| r.identifier().map(str::to_string)));
            match tokens.next("ListRules", page.next_token(), &endpoint)? {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let tags = |list: &[aws_sdk_rbin::types::ResourceTag]| {
            list.iter()
                .map(|t| (t.resource_tag_key().to_string(), t.resource_tag_value().map(str::to_string)))
                .collect()
        };
        let mut rules = Vec::with_capacity(ids.len());
        for id in ids {
            let rule =
                self.wait_for(region, "rbin", "GetRule", &endpoint, || client.get_rule().identifier(&id).send())?;
            // A period in a unit amitools does not know cannot be stated: leave the rule out.
            let Some(period) =
                rule.retention_period().filter(|p| p.retention_period_unit() == &RetentionPeriodUnit::Days)
            else {
                continue;
            };
            rules.push(RetentionRule {
                id,
                retention_days: period.retention_period_value().max(0) as u32,
                resource_tags: tags(rule.resource_tags()),
                exclude_tags: tags(rule.exclude_resource_tags()),
                active: rule.status() == Some(&RuleStatus::Available),
            });
        }
        Ok(rules)
    }
}
