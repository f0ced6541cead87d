//! The plan as JSON: what `prune -o json` prints, `--plan-out` saves and
//! `--apply-plan` reads back. Reading treats the file as untrusted input:
//! size-capped, never a FIFO, every id and region parsed, a plan older than
//! `--max-plan-age` (or dated in the future) refused, and a plan for another
//! account or region refused before anything is deleted. The plan's
//! decisions are not trusted either: its rules and scope are, and apply runs
//! them again on the images as they are (see `apply`).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::apply::Retirement;
use super::gather::Scope;
use super::rules::{days, Action, FamilyKind, Row, Rules};
use crate::aws::{AwsError, ImageKey};
use crate::ids::{AmiId, Region};
use crate::output::shown;
use crate::sharing::grantees_of;

/// What a plan file says it is.
pub const KIND: &str = "amitools-prune-plan";
/// 2: the scope (`-N`, `--filter`, `--descendants-of`) is recorded, so that
/// apply can run the plan's rules again on the same images.
pub const VERSION: u32 = 2;
/// A plan dated this far ahead of the clock is refused as forged or made on a wrong clock.
pub const FUTURE_SLACK: time::Duration = time::Duration::minutes(5);
/// Plans of 10,000 images are about 10 MB; anything far larger is not one.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Serialize)]
pub struct PlanDoc {
    pub kind: &'static str,
    pub version: u32,
    pub account: String,
    pub regions: Vec<Region>,
    pub created: String,
    pub rules: RulesDoc,
    pub scope: ScopeDoc,
    pub summary: Summary,
    /// Regions whose images could not be listed (nothing was deleted anywhere).
    pub unread_regions: Vec<Unread>,
    pub images: Vec<ImageDoc>,
}

#[derive(Serialize, Deserialize)]
pub struct RulesDoc {
    pub keep: usize,
    pub older_than: String,
    /// --deprecate-after, --disable-after (null: not asked; absent in plans made before them).
    #[serde(default)]
    pub deprecate_after: Option<String>,
    #[serde(default)]
    pub disable_after: Option<String>,
    pub unused_for: String,
    pub family: String,
    pub keep_ancestors: bool,
    pub keep_snapshots: bool,
    /// --include-shared, --include-public (absent in plans made before them: false).
    #[serde(default)]
    pub include_shared: bool,
    #[serde(default)]
    pub include_public: bool,
}

/// Which images the plan considered.
#[derive(Serialize, Deserialize)]
pub struct ScopeDoc {
    pub name_prefix: Option<String>,
    /// `--filter tag:KEY=VALUE`, as [KEY, VALUE] pairs.
    pub tags: Vec<(String, String)>,
    pub descendants_of: Option<RawKey>,
}

#[derive(Serialize, Deserialize)]
pub struct RawKey {
    pub region: String,
    pub image_id: String,
}

#[derive(Serialize)]
pub struct Summary {
    pub keep: usize,
    pub deprecate: usize,
    pub disable: usize,
    pub delete: usize,
}

#[derive(Serialize)]
pub struct Unread {
    pub region: Region,
    pub error: String,
}

#[derive(Serialize)]
pub struct KeyDoc {
    pub region: Region,
    pub image_id: AmiId,
}

impl From<&ImageKey> for KeyDoc {
    fn from((region, image_id): &ImageKey) -> KeyDoc {
        KeyDoc { region: region.clone(), image_id: image_id.clone() }
    }
}

#[derive(Serialize)]
pub struct ImageDoc {
    pub region: Region,
    pub image_id: AmiId,
    pub name: Option<String>,
    pub family: String,
    pub state: String,
    pub action: Action,
    /// The deciding reason, in words; `reasons` has all, `rules` their stable names.
    pub reason: String,
    pub reasons: Vec<String>,
    pub rules: Vec<&'static str>,
    pub created: Option<String>,
    pub last_launched: Option<String>,
    pub protection: Option<String>,
    pub snapshots: Vec<String>,
    pub copy_of: Option<KeyDoc>,
    pub ends_ancestry_of: Vec<KeyDoc>,
    /// For a deletion: `permanent`, `recoverable until DATE (Recycle Bin rule ID)` or `unknown (…)`.
    pub recovery: Option<String>,
    /// Whether anyone may launch it (DescribeImages' Public; null: not reported).
    pub public: Option<bool>,
    /// Who else may launch it (as `sharing::grantees_of` orders them): `all`, account ids, organization and OU ARNs
    /// (DescribeImageAttribute); null where it was not asked — only images
    /// every other rule would delete are.
    pub shared_with: Option<Vec<String>>,
    /// --include-shared, for a shared image deleted: the usage report that
    /// showed no use, and the accounts it covered (`all`: every account);
    /// with --accounts, `report_id` null: each account was asked itself.
    pub usage_report: Option<UsageReportDoc>,
}

#[derive(Serialize)]
pub struct UsageReportDoc {
    pub report_id: Option<String>,
    pub accounts_checked: Vec<String>,
}

fn rfc3339(moment: Option<OffsetDateTime>) -> Option<String> {
    moment.and_then(|m| m.format(&Rfc3339).ok())
}

/// What the plan was made with, besides the rows.
pub struct Made<'a> {
    pub account: &'a str,
    pub regions: &'a [Region],
    pub rules: &'a Rules,
    pub scope: &'a Scope,
    /// The region in use: where --descendants-of's image is.
    pub home: &'a Region,
    pub keep_snapshots: bool,
    pub now: OffsetDateTime,
    pub unread: &'a [(Region, AwsError)],
}

pub fn document(rows: &[Row], made: &Made) -> PlanDoc {
    let images: Vec<ImageDoc> = rows
        .iter()
        .map(|row| {
            let reasons: Vec<String> = row.reasons.iter().map(|r| r.text(row, made.rules, made.now)).collect();
            ImageDoc {
                region: row.image.region.clone(),
                image_id: row.image.id.clone(),
                name: row.image.name.clone(),
                family: row.family.clone(),
                state: row.image.state.to_string(),
                action: row.action,
                reason: reasons.first().cloned().unwrap_or_default(),
                rules: row.reasons.iter().map(|r| r.rule()).collect(),
                reasons,
                created: rfc3339(row.image.creation_date),
                last_launched: rfc3339(row.image.usage.last_launched),
                protection: row.image.usage.protection.clone(),
                snapshots: row.image.usage.snapshots.clone(),
                copy_of: row.copy_of.as_ref().map(KeyDoc::from),
                ends_ancestry_of: row.ends_ancestry_of.iter().map(KeyDoc::from).collect(),
                recovery: row.recovery.as_ref().map(|r| r.text(made.now)),
                public: match &row.sharing {
                    Some(sharing) if sharing.public => Some(true),
                    _ => row.image.usage.public,
                },
                shared_with: row.sharing.as_ref().map(|s| grantees_of(s).iter().map(ToString::to_string).collect()),
                usage_report: row.checked_elsewhere.as_ref().map(|(report_id, covered)| UsageReportDoc {
                    report_id: report_id.clone(),
                    accounts_checked: match covered {
                        crate::prune::shared_use::Covered::Every => vec!["all".to_string()],
                        crate::prune::shared_use::Covered::These(accounts) => accounts.clone(),
                    },
                }),
            }
        })
        .collect();
    let count = |action: Action| rows.iter().filter(|r| r.action == action).count();
    PlanDoc {
        kind: KIND,
        version: VERSION,
        account: made.account.to_string(),
        regions: made.regions.to_vec(),
        created: rfc3339(Some(made.now)).unwrap_or_default(),
        rules: RulesDoc {
            keep: made.rules.keep,
            older_than: days(made.rules.older_than),
            deprecate_after: made.rules.deprecate_after.map(days),
            disable_after: made.rules.disable_after.map(days),
            unused_for: days(made.rules.unused_for),
            family: made.rules.family.to_string(),
            keep_ancestors: made.rules.keep_ancestors,
            keep_snapshots: made.keep_snapshots,
            include_shared: made.rules.include_shared,
            include_public: made.rules.include_public,
        },
        scope: ScopeDoc {
            name_prefix: made.scope.name_prefix.clone(),
            tags: made.scope.tags.clone(),
            descendants_of: made
                .scope
                .descendants_of
                .as_ref()
                .map(|id| RawKey { region: made.home.to_string(), image_id: id.to_string() }),
        },
        summary: Summary {
            keep: count(Action::Keep),
            deprecate: count(Action::Deprecate),
            disable: count(Action::Disable),
            delete: count(Action::Delete),
        },
        unread_regions: made
            .unread
            .iter()
            .map(|(region, error)| Unread { region: region.clone(), error: error.to_string() })
            .collect(),
        images,
    }
}

/// A plan read back: what `--apply-plan` executes.
#[derive(Debug)]
pub struct LoadedPlan {
    pub account: String,
    pub regions: Vec<Region>,
    pub created: OffsetDateTime,
    pub rules: Rules,
    pub scope: Scope,
    /// Where --descendants-of's image is (else the plan's first region).
    pub home: Region,
    pub keep_snapshots: bool,
    /// What the plan deprecates, disables and deletes, in its order.
    pub retirements: Vec<Retirement>,
}

#[derive(Deserialize)]
/// The fields `--apply-plan` uses (`kind` is checked before: it says what the file is).
struct RawPlan {
    version: u32,
    account: String,
    regions: Vec<String>,
    created: String,
    rules: RulesDoc,
    scope: ScopeDoc,
    images: Vec<RawImage>,
}

#[derive(Deserialize)]
struct RawImage {
    region: String,
    image_id: String,
    family: String,
    action: Action,
}

/// Read and check a plan file; the error is one line naming the file.
pub fn read(path: &Path) -> Result<LoadedPlan, String> {
    let shown_path = shown(&path.to_string_lossy());
    let problem = |what: String| format!("plan file {shown_path}: {what}");
    let metadata = std::fs::metadata(path).map_err(|e| problem(e.to_string()))?;
    if let Some(reason) = crate::credentials::unreadable_reason(&metadata, MAX_BYTES, "a prune plan") {
        return Err(problem(reason));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| problem(e.to_string()))?;
    parse(&text).map_err(problem)
}

/// A plan may be applied only while it is recent: an old plan's picture of
/// the account (what is in use, what is newest) has gone stale.
pub fn check_age(created: OffsetDateTime, now: OffsetDateTime, max_age: std::time::Duration) -> Result<(), String> {
    let age = now - created;
    if age < -FUTURE_SLACK {
        return Err(format!(
            "made at {}, which is in the future (a forged plan, or a wrong clock); make a new plan",
            rfc3339(Some(created)).unwrap_or_default()
        ));
    }
    if age > max_age {
        return Err(format!(
            "made {} ago, more than --max-plan-age {}; make a new plan (or raise --max-plan-age)",
            super::rules::age(age),
            days(max_age)
        ));
    }
    Ok(())
}

/// Parse a plan's text.
pub fn parse(text: &str) -> Result<LoadedPlan, String> {
    let not_a_plan = || "not an amitools prune plan (make one with: amitools prune --plan-out FILE)".to_string();
    // Editors on Windows save UTF-8 with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| not_a_plan())?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err(not_a_plan());
    }
    let raw: RawPlan = serde_json::from_value(value).map_err(|e| format!("a damaged prune plan: {e}"))?;
    if raw.version != VERSION {
        return Err(format!(
            "a version {} prune plan; this amitools reads version {VERSION} (make the plan again)",
            raw.version
        ));
    }
    let created = OffsetDateTime::parse(&raw.created, &Rfc3339)
        .map_err(|_| format!("created '{}' is not an RFC 3339 date", shown(&raw.created)))?;
    if raw.account.len() != 12 || !raw.account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account '{}' is not an AWS account id", shown(&raw.account)));
    }
    let regions = raw
        .regions
        .iter()
        .map(|r| r.parse::<Region>().map_err(|e| e.to_string()))
        .collect::<Result<Vec<Region>, String>>()?;
    let age = |value: &str, field: &str| crate::waiting::parse_age(value).map_err(|e| format!("rules.{field}: {e}"));
    if raw.rules.keep == 0 {
        return Err("rules.keep: must be at least 1".to_string());
    }
    let stage = |value: &Option<String>, field: &str| value.as_deref().map(|v| age(v, field)).transpose();
    let rules = Rules {
        keep: raw.rules.keep,
        older_than: age(&raw.rules.older_than, "older_than")?,
        deprecate_after: stage(&raw.rules.deprecate_after, "deprecate_after")?,
        disable_after: stage(&raw.rules.disable_after, "disable_after")?,
        unused_for: age(&raw.rules.unused_for, "unused_for")?,
        family: raw.rules.family.parse::<FamilyKind>().map_err(|e| format!("rules.family: {e}"))?,
        keep_ancestors: raw.rules.keep_ancestors,
        include_shared: raw.rules.include_shared,
        include_public: raw.rules.include_public && raw.rules.include_shared,
    };
    super::rules::check_stages(rules.deprecate_after, rules.disable_after, rules.older_than)
        .map_err(|e| format!("rules: {e}"))?;
    let descendants_of = match &raw.scope.descendants_of {
        None => None,
        Some(key) => Some((
            key.region.parse::<Region>().map_err(|e| format!("scope.descendants_of: {e}"))?,
            key.image_id.parse::<AmiId>().map_err(|e| format!("scope.descendants_of: {e}"))?,
        )),
    };
    if let Some(prefix) = &raw.scope.name_prefix {
        crate::naming::validate_prefix(prefix).map_err(|e| format!("scope.name_prefix: {e}"))?;
    }
    let home = match &descendants_of {
        Some((region, _)) => region.clone(),
        None => regions.first().cloned().ok_or_else(|| "regions: empty".to_string())?,
    };
    let scope =
        Scope { name_prefix: raw.scope.name_prefix, tags: raw.scope.tags, descendants_of: descendants_of.map(|k| k.1) };
    let mut retirements = Vec::new();
    for (n, image) in raw.images.into_iter().enumerate() {
        if image.action == Action::Keep {
            continue;
        }
        let entry = |e: String| format!("images[{n}]: {e}");
        let region: Region = image.region.parse().map_err(|e: crate::ids::InvalidId| entry(e.to_string()))?;
        let id: AmiId = image.image_id.parse().map_err(|e: crate::ids::InvalidId| entry(e.to_string()))?;
        if !regions.contains(&region) {
            return Err(entry(format!("region {region} is not one of the plan's regions")));
        }
        retirements.push(Retirement { key: (region, id), family: image.family, action: image.action });
    }
    Ok(LoadedPlan {
        account: raw.account,
        regions,
        created,
        rules,
        scope,
        home,
        keep_snapshots: raw.rules.keep_snapshots,
        retirements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PLAN: &str = r#"{"kind":"amitools-prune-plan","version":2,"account":"123456789012",
        "regions":["us-east-1"],"created":"2026-11-30T12:00:00Z",
        "rules":{"keep":3,"older_than":"14d","unused_for":"30d","family":"prefix","keep_ancestors":false,"keep_snapshots":false},
        "scope":{"name_prefix":null,"tags":[["env","staging"]],"descendants_of":null},
        "images":[
          {"region":"us-east-1","image_id":"ami-00000001","name":"web-1","family":"web","action":"delete"},
          {"region":"us-east-1","image_id":"ami-00000002","name":"web-2","family":"web","action":"keep"}]}"#;

    #[test]
    fn reads_the_deletions_of_a_plan() {
        let plan = parse(PLAN).unwrap();
        assert_eq!(plan.account, "123456789012");
        assert_eq!(plan.rules.older_than, Duration::from_secs(14 * 86400));
        assert_eq!(plan.retirements.len(), 1);
        assert_eq!(plan.retirements[0].key.1.as_str(), "ami-00000001");
        assert_eq!(plan.scope.tags, vec![("env".to_string(), "staging".to_string())]);
        assert_eq!(plan.home.as_str(), "us-east-1");
        // Saved by an editor with a byte-order mark: the same plan.
        assert_eq!(parse(&format!("\u{feff}{PLAN}")).unwrap().retirements.len(), 1);
    }

    #[test]
    fn old_and_future_plans_are_refused() {
        let created = time::macros::datetime!(2026-11-30 12:00 UTC);
        let week = Duration::from_secs(7 * 86400);
        assert!(check_age(created, created + time::Duration::days(6), week).is_ok());
        let old = check_age(created, created + time::Duration::days(8), week).unwrap_err();
        assert_eq!(old, "made 8 days ago, more than --max-plan-age 7d; make a new plan (or raise --max-plan-age)");
        assert!(check_age(created, created - time::Duration::minutes(4), week).is_ok(), "clocks differ a little");
        let future = check_age(created, created - time::Duration::hours(1), week).unwrap_err();
        assert!(future.contains("in the future"), "{future}");
    }

    #[test]
    fn refuses_what_is_not_a_plan() {
        let cases = [
            ("", "not an amitools prune plan"),
            ("[]", "not an amitools prune plan"),
            (r#"{"kind":"something-else"}"#, "not an amitools prune plan"),
            (r#"{"kind":"amitools-prune-plan"}"#, "a damaged prune plan"),
        ];
        for (text, expected) in cases {
            assert!(parse(text).unwrap_err().starts_with(expected), "{text}");
        }
        let edited = |from: &str, to: &str| parse(&PLAN.replace(from, to)).unwrap_err();
        assert!(edited("\"version\":2", "\"version\":1").contains("version 1 prune plan"));
        assert!(edited("2026-11-30T12:00:00Z", "yesterday").contains("created 'yesterday'"));
        assert!(edited("123456789012", "12345").contains("'12345' is not an AWS account id"));
        assert!(edited("ami-00000001", "ami-zz").contains("images[0]"));
        assert!(edited(
            "\"region\":\"us-east-1\",\"image_id\":\"ami-00000001\"",
            "\"region\":\"eu-west-1\",\"image_id\":\"ami-00000001\""
        )
        .contains("not one of the plan's regions"));
        assert!(edited("\"14d\"", "\"soon\"").contains("rules.older_than"));
        assert!(edited("\"keep\":3", "\"keep\":0").contains("rules.keep: must be at least 1"));
    }

    #[test]
    fn refuses_fifos_and_huge_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("plan.fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(read(&fifo).unwrap_err().contains("not a regular file"));
        let huge = dir.path().join("huge.json");
        std::fs::File::create(&huge).unwrap().set_len(MAX_BYTES + 1).unwrap();
        assert!(read(&huge).unwrap_err().contains("a prune plan is at most"));
        assert!(read(&dir.path().join("missing.json")).unwrap_err().starts_with("plan file "));
    }
}
