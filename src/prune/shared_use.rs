//! Whether other accounts use the shared images `prune --include-shared`
//! would delete: EC2's AMI usage reports (CreateImageUsageReport for each
//! image, covering the accounts it is shared with — or every account when it
//! is shared with an organization, an OU or everyone — then
//! DescribeImageUsageReports until each is `available`, within a bound, and
//! DescribeImageUsageReportEntries). Anything short of a complete report that
//! shows no use leaves the use unknown, and the image kept. The clock and
//! the sleep come in, so the waiting is tested without waiting.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::accounts::Member;
use crate::aws::{Aws, ImageKey};
use crate::ids::{AmiId, Region};
use crate::image::{Sharing, UsageEntry, UsageReport};

/// What the reports' resource types are: both, or the report is incomplete.
const RESOURCE_TYPES: [&str; 2] = ["ec2:Instance", "ec2:LaunchTemplate"];

/// Which accounts a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Covered {
    Every,
    These(Vec<String>),
}

/// What the usage report says about one image.
#[derive(Debug, Clone, PartialEq)]
pub enum OtherUse {
    /// A complete report: no account among `covered` uses it.
    Unused { report_id: String, covered: Covered },
    /// Asked in each account it is shared with, with that account's
    /// credentials (--accounts): none of them uses it.
    UnusedThere { accounts: Vec<String> },
    /// These accounts use it (instances, launch templates).
    Used(Vec<UsageEntry>),
    /// No complete answer: why.
    Unknown(String),
}

/// How long to wait for the reports, and how: injected.
pub struct Waiting<'a> {
    pub within: Duration,
    pub poll: Duration,
    pub now: &'a dyn Fn() -> Instant,
    pub sleep: &'a dyn Fn(Duration),
}

/// The accounts a report must cover for `sharing`: its accounts, or every
/// account when an organization, an OU or everyone may launch the image.
pub fn needed(sharing: &Sharing) -> Covered {
    if sharing.public || !sharing.organizations.is_empty() || !sharing.organizational_units.is_empty() {
        Covered::Every
    } else {
        let mut accounts = sharing.accounts.clone();
        accounts.sort();
        accounts.dedup();
        Covered::These(accounts)
    }
}

/// Whether a report (as EC2 describes it) covers what `needed` asks.
fn covers(report: &UsageReport, needed: &Covered) -> bool {
    let types = RESOURCE_TYPES.iter().all(|t| report.resource_types.iter().any(|r| r == t));
    let accounts = match needed {
        // A report over every account is made without account ids.
        Covered::Every => report.accounts.is_empty(),
        Covered::These(wanted) => report.accounts.is_empty() || wanted.iter().all(|a| report.accounts.contains(a)),
    };
    types && accounts
}

/// The shared images whose every account amitools reads (--accounts): each
/// account is asked what of its own uses them — DescribeImageReferences
/// (instances, launch templates, SSM parameters, Image Builder recipes) and
/// its launch configurations — exactly, as `children --uses` asks, without a
/// usage report's lag. The others are left to the usage reports.
pub fn uses_in_accounts(
    members: &[Member],
    shared: &[(ImageKey, Sharing)],
) -> (HashMap<ImageKey, OtherUse>, Vec<(ImageKey, Sharing)>) {
    let readable = |accounts: &[String]| accounts.iter().all(|a| members.iter().any(|m| &m.account == a));
    let (direct, rest): (Vec<_>, Vec<_>) = shared.iter().cloned().partition(|(_, sharing)| {
        matches!(needed(sharing), Covered::These(accounts) if !accounts.is_empty() && readable(&accounts))
    });
    // Per image: the uses found, why some account could not say, and the accounts that answered.
    let mut uses: HashMap<ImageKey, Vec<UsageEntry>> = HashMap::new();
    let mut unknown: HashMap<ImageKey, String> = HashMap::new();
    let mut answered: HashMap<ImageKey, Vec<String>> = HashMap::new();
    for member in members {
        let keys: Vec<ImageKey> = direct
            .iter()
            .filter(|(_, sharing)| sharing.accounts.contains(&member.account))
            .map(|(key, _)| key.clone())
            .collect();
        if keys.is_empty() {
            continue;
        }
        for (key, counts) in crate::prune::gather::use_counts(&*member.aws, &keys) {
            match counts {
                Err(why) => {
                    unknown
                        .entry(key)
                        .or_insert(format!("what uses it in account {} is unknown: {why}", member.account));
                }
                Ok(counts) => {
                    uses.entry(key.clone()).or_default().extend(entries_of(&member.account, &counts));
                    answered.entry(key).or_default().push(member.account.clone());
                }
            }
        }
    }
    let mut result: HashMap<ImageKey, OtherUse> = HashMap::new();
    for (key, _) in &direct {
        let verdict = if let Some(why) = unknown.remove(key) {
            // One account that cannot say outweighs every other answer.
            OtherUse::Unknown(why)
        } else if let Some(entries) = uses.remove(key).filter(|e| !e.is_empty()) {
            OtherUse::Used(entries)
        } else {
            let mut accounts = answered.remove(key).unwrap_or_default();
            accounts.sort();
            OtherUse::UnusedThere { accounts }
        };
        result.insert(key.clone(), verdict);
    }
    (result, rest)
}

/// An account's uses as usage-report entries (one per kind of resource).
fn entries_of(account: &str, counts: &crate::uses::UseCounts) -> Vec<UsageEntry> {
    [
        ("ec2:Instance", counts.instances),
        ("ec2:LaunchTemplate", counts.launch_templates),
        (crate::aws::LAUNCH_CONFIGURATION, counts.launch_configurations),
        ("ssm:Parameter", counts.ssm_parameters),
        ("imagebuilder:Recipe", counts.image_builder_recipes),
        ("other", counts.other),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(kind, count)| UsageEntry {
        report_id: String::new(),
        account_id: account.to_string(),
        resource_type: kind.to_string(),
        count: count as i64,
    })
    .collect()
}

/// The usage report of each image in `shared`, waited for within the bound,
/// and what it says. The reports are deleted afterwards (EC2 would after 30 days).
pub fn other_uses(aws: &dyn Aws, shared: &[(ImageKey, Sharing)], waiting: &Waiting) -> HashMap<ImageKey, OtherUse> {
    // One token per image and run: a retried CreateImageUsageReport makes no second report.
    let run = format!("{:016x}", fastrand::u64(..));
    let mut result: HashMap<ImageKey, OtherUse> = HashMap::new();
    // (report id, key, what it must cover), per region.
    let mut made: HashMap<Region, Vec<(String, ImageKey, Covered)>> = HashMap::new();
    for ((region, id), sharing) in shared {
        let key = (region.clone(), id.clone());
        let covered = needed(sharing);
        let accounts = match &covered {
            Covered::Every => None,
            Covered::These(accounts) => Some(accounts.as_slice()),
        };
        match aws.create_usage_report(region, id, accounts, &token(&run, id)) {
            Ok(report_id) => made.entry(region.clone()).or_default().push((report_id, key, covered)),
            Err(error) => {
                result.insert(key, OtherUse::Unknown(format!("the usage report could not be made: {error}")));
            }
        }
    }
    let deadline = (waiting.now)() + waiting.within;
    for (region, reports) in &made {
        let ids: Vec<String> = reports.iter().map(|(id, _, _)| id.clone()).collect();
        let described = wait_for(aws, region, &ids, waiting, deadline);
        let mut available: Vec<String> = Vec::new();
        for (report_id, key, covered) in reports {
            let verdict = match described.as_ref().map(|all| all.iter().find(|r| &r.report_id == report_id)) {
                Err(error) => Some(OtherUse::Unknown(format!("the usage report could not be read: {error}"))),
                Ok(None) => Some(OtherUse::Unknown(format!("EC2 no longer lists usage report {report_id}"))),
                Ok(Some(report)) => match report.state.as_str() {
                    "available" if covers(report, covered) => {
                        available.push(report_id.clone());
                        None
                    }
                    "available" => Some(OtherUse::Unknown(format!(
                        "usage report {report_id} covers fewer accounts or resource types than the image is shared with"
                    ))),
                    "pending" => Some(OtherUse::Unknown(format!(
                        "usage report {report_id} was not ready within {}",
                        crate::waiting::human(waiting.within)
                    ))),
                    "error" => Some(OtherUse::Unknown(format!(
                        "usage report {report_id} failed: {}",
                        report
                            .state_reason
                            .as_deref()
                            .map(crate::output::shown)
                            .unwrap_or_else(|| "no reason given".into())
                    ))),
                    other => Some(OtherUse::Unknown(format!(
                        "usage report {report_id} is in state '{}'",
                        crate::output::shown(other)
                    ))),
                },
            };
            if let Some(verdict) = verdict {
                result.insert(key.clone(), verdict);
            }
        }
        let entries = if available.is_empty() { Ok(Vec::new()) } else { aws.usage_report_entries(region, &available) };
        for (report_id, key, covered) in reports.iter().filter(|(id, _, _)| available.contains(id)) {
            let verdict = match &entries {
                Err(error) => OtherUse::Unknown(format!("usage report {report_id} could not be read: {error}")),
                Ok(entries) => {
                    let uses: Vec<UsageEntry> =
                        entries.iter().filter(|e| &e.report_id == report_id && e.count > 0).cloned().collect();
                    if uses.is_empty() {
                        OtherUse::Unused { report_id: report_id.clone(), covered: covered.clone() }
                    } else {
                        OtherUse::Used(uses)
                    }
                }
            };
            result.insert(key.clone(), verdict);
        }
        for (report_id, _, _) in reports {
            if let Err(error) = aws.delete_usage_report(region, report_id) {
                log::info!("{region}: usage report {report_id} not deleted ({error}); EC2 deletes it after 30 days");
            }
        }
    }
    result
}

/// DescribeImageUsageReports until none is pending or the deadline passes.
fn wait_for(
    aws: &dyn Aws,
    region: &Region,
    ids: &[String],
    waiting: &Waiting,
    deadline: Instant,
) -> Result<Vec<UsageReport>, crate::aws::AwsError> {
    loop {
        let reports = aws.usage_reports(region, ids)?;
        let pending = reports.iter().any(|r| r.state == "pending");
        let now = (waiting.now)();
        if !pending || now >= deadline {
            return Ok(reports);
        }
        (waiting.sleep)(waiting.poll.min(deadline - now));
    }
}

/// CreateImageUsageReport's idempotency token: one per image and run (at most 64 characters).
fn token(run: &str, id: &AmiId) -> String {
    format!("amitools-{run}-{id}").chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, made, no_waiting, region, FakeAws};
    use std::cell::Cell;

    fn shared_with(accounts: &[&str]) -> Sharing {
        Sharing { accounts: accounts.iter().map(|a| a.to_string()).collect(), ..Sharing::default() }
    }

    fn asked(fake: &FakeAws, sharing: Sharing, waiting: &Waiting) -> OtherUse {
        let key = (region("us-east-1"), id(1));
        other_uses(fake, &[(key.clone(), sharing)], waiting).remove(&key).unwrap()
    }

    #[test]
    fn a_complete_report_without_uses_lets_it_go_and_one_with_uses_keeps_it() {
        let mut fake = FakeAws::with_images([made("us-east-1", 1, None)]);
        let verdict = asked(&fake, shared_with(&["210987654321"]), &no_waiting());
        assert!(
            matches!(&verdict, OtherUse::Unused { covered: Covered::These(a), .. } if a == &["210987654321"]),
            "{verdict:?}"
        );
        fake.other_uses = vec![(id(1), "210987654321".into(), "ec2:LaunchTemplate".into(), 1)];
        let verdict = asked(&fake, shared_with(&["210987654321"]), &no_waiting());
        assert!(matches!(&verdict, OtherUse::Used(entries) if entries.len() == 1), "{verdict:?}");
        // An organization share needs a report over every account: made without account ids.
        let org = Sharing {
            organizations: vec!["arn:aws:organizations::111122223333:organization/o-abcdef1234".into()],
            ..Sharing::default()
        };
        assert_eq!(needed(&org), Covered::Every);
        assert!(matches!(asked(&fake, org, &no_waiting()), OtherUse::Used(_)));
        assert!(fake.usage_reports.borrow().is_empty(), "every report deleted afterwards");
    }

    #[test]
    fn a_late_or_failed_report_leaves_the_use_unknown() {
        let mut fake = FakeAws::with_images([made("us-east-1", 1, None)]);
        fake.report_state = Some("pending".into());
        // A clock that moves a minute per look; the bound is two minutes.
        let start = Instant::now();
        let looks = Cell::new(0u64);
        let now = || start + Duration::from_secs(60 * looks.get());
        let sleep = |_| looks.set(looks.get() + 1);
        let waiting =
            Waiting { within: Duration::from_secs(120), poll: Duration::from_secs(60), now: &now, sleep: &sleep };
        let verdict = asked(&fake, shared_with(&["210987654321"]), &waiting);
        assert!(matches!(&verdict, OtherUse::Unknown(why) if why.contains("was not ready within 2m")), "{verdict:?}");
        assert_eq!(looks.get(), 2, "slept until the bound, then gave up");
        fake.report_state = Some("error".into());
        let verdict = asked(&fake, shared_with(&["210987654321"]), &no_waiting());
        assert!(matches!(&verdict, OtherUse::Unknown(why) if why.contains("failed")), "{verdict:?}");
    }

    #[test]
    fn a_report_over_fewer_accounts_than_shared_with_is_incomplete() {
        let report = UsageReport {
            report_id: "amiur-1".into(),
            image_id: id(1),
            state: "available".into(),
            state_reason: None,
            accounts: vec!["210987654321".into()],
            resource_types: vec!["ec2:Instance".into(), "ec2:LaunchTemplate".into()],
        };
        assert!(covers(&report, &Covered::These(vec!["210987654321".into()])));
        assert!(!covers(&report, &Covered::These(vec!["210987654321".into(), "333344445555".into()])));
        assert!(!covers(&report, &Covered::Every));
        let instances_only = UsageReport { resource_types: vec!["ec2:Instance".into()], accounts: vec![], ..report };
        assert!(!covers(&instances_only, &Covered::Every));
    }
}
