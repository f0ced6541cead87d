//! The plan as JSON: what `prune -o json` prints, `--plan-out` saves and
//! `--apply-plan` reads back. Reading treats the file as untrusted input:
//! size-capped, never a FIFO, every id and region parsed, and a plan for
//! another account or region refused before anything is deleted.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::apply::Deletion;
use super::rules::{days, Action, FamilyKind, Row, Rules};
use crate::ec2::{Ec2Error, ImageKey};
use crate::ids::{AmiId, Region};
use crate::output::shown;

/// What a plan file says it is.
pub const KIND: &str = "amitools-prune-plan";
pub const VERSION: u32 = 1;
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
    pub summary: Summary,
    /// Regions whose images could not be listed (nothing was deleted anywhere).
    pub unread_regions: Vec<Unread>,
    pub images: Vec<ImageDoc>,
}

#[derive(Serialize, Deserialize)]
pub struct RulesDoc {
    pub keep: usize,
    pub older_than: String,
    pub unused_for: String,
    pub family: String,
    pub keep_ancestors: bool,
    pub keep_snapshots: bool,
}

#[derive(Serialize)]
pub struct Summary {
    pub keep: usize,
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
}

fn rfc3339(moment: Option<OffsetDateTime>) -> Option<String> {
    moment.and_then(|m| m.format(&Rfc3339).ok())
}

/// What the plan was made with, besides the rows.
pub struct Made<'a> {
    pub account: &'a str,
    pub regions: &'a [Region],
    pub rules: &'a Rules,
    pub keep_snapshots: bool,
    pub now: OffsetDateTime,
    pub unread: &'a [(Region, Ec2Error)],
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
            }
        })
        .collect();
    let delete = rows.iter().filter(|r| r.action == Action::Delete).count();
    PlanDoc {
        kind: KIND,
        version: VERSION,
        account: made.account.to_string(),
        regions: made.regions.to_vec(),
        created: rfc3339(Some(made.now)).unwrap_or_default(),
        rules: RulesDoc {
            keep: made.rules.keep,
            older_than: days(made.rules.older_than),
            unused_for: days(made.rules.unused_for),
            family: made.rules.family.to_string(),
            keep_ancestors: made.rules.keep_ancestors,
            keep_snapshots: made.keep_snapshots,
        },
        summary: Summary { keep: rows.len() - delete, delete },
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
    pub rules: Rules,
    pub keep_snapshots: bool,
    pub deletions: Vec<Deletion>,
}

#[derive(Deserialize)]
/// The fields `--apply-plan` uses (`kind` is checked before: it says what the file is).
struct RawPlan {
    version: u32,
    account: String,
    regions: Vec<String>,
    rules: RulesDoc,
    images: Vec<RawImage>,
}

#[derive(Deserialize)]
struct RawImage {
    region: String,
    image_id: String,
    name: Option<String>,
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

/// Parse a plan's text.
pub fn parse(text: &str) -> Result<LoadedPlan, String> {
    let not_a_plan = || "not an amitools prune plan (make one with: amitools prune --plan-out FILE)".to_string();
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| not_a_plan())?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err(not_a_plan());
    }
    let raw: RawPlan = serde_json::from_value(value).map_err(|e| format!("a damaged prune plan: {e}"))?;
    if raw.version != VERSION {
        return Err(format!("a version {} prune plan; this amitools reads version {VERSION}", raw.version));
    }
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
    let rules = Rules {
        keep: raw.rules.keep,
        older_than: age(&raw.rules.older_than, "older_than")?,
        unused_for: age(&raw.rules.unused_for, "unused_for")?,
        family: raw.rules.family.parse::<FamilyKind>().map_err(|e| format!("rules.family: {e}"))?,
        keep_ancestors: raw.rules.keep_ancestors,
    };
    let mut deletions = Vec::new();
    for (n, image) in raw.images.into_iter().enumerate() {
        if image.action != Action::Delete {
            continue;
        }
        let entry = |e: String| format!("images[{n}]: {e}");
        let region: Region = image.region.parse().map_err(|e: crate::ids::InvalidId| entry(e.to_string()))?;
        let id: AmiId = image.image_id.parse().map_err(|e: crate::ids::InvalidId| entry(e.to_string()))?;
        if !regions.contains(&region) {
            return Err(entry(format!("region {region} is not one of the plan's regions")));
        }
        deletions.push(Deletion { key: (region, id), name: image.name, family: image.family });
    }
    Ok(LoadedPlan { account: raw.account, regions, rules, keep_snapshots: raw.rules.keep_snapshots, deletions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PLAN: &str = r#"{"kind":"amitools-prune-plan","version":1,"account":"123456789012",
        "regions":["us-east-1"],"created":"2026-11-30T12:00:00Z",
        "rules":{"keep":3,"older_than":"14d","unused_for":"30d","family":"prefix","keep_ancestors":false,"keep_snapshots":false},
        "images":[
          {"region":"us-east-1","image_id":"ami-00000001","name":"web-1","family":"web","action":"delete"},
          {"region":"us-east-1","image_id":"ami-00000002","name":"web-2","family":"web","action":"keep"}]}"#;

    #[test]
    fn reads_the_deletions_of_a_plan() {
        let plan = parse(PLAN).unwrap();
        assert_eq!(plan.account, "123456789012");
        assert_eq!(plan.rules.older_than, Duration::from_secs(14 * 86400));
        assert_eq!(plan.deletions.len(), 1);
        assert_eq!(plan.deletions[0].key.1.as_str(), "ami-00000001");
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
        assert!(edited("\"version\":1", "\"version\":2").contains("version 2"));
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
