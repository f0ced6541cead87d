//! The lineage tags: their names, formats and validation. Every command that
//! writes or reads lineage goes through this module. The graph built from
//! these tags, and its walks, live in `lineage::graph`.

pub mod fetch;
pub mod graph;

use std::fmt;
use std::str::FromStr;

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::aws::Tags;
use crate::ids::{AmiId, InstanceId, Region};
use crate::output::shown;

pub const SOURCE_IMAGE: &str = "source_image";
pub const SOURCE_INSTANCE: &str = "source_instance";
pub const SOURCE_REGION: &str = "source_region";
pub const CREATE_DATE: &str = "create_date";
pub const CREATE_TIMESTAMP: &str = "create_timestamp";

/// The five lineage tag names, in the order they are documented.
pub const TAG_NAMES: [&str; 5] = [SOURCE_IMAGE, SOURCE_INSTANCE, SOURCE_REGION, CREATE_DATE, CREATE_TIMESTAMP];

pub fn is_lineage_tag(key: &str) -> bool {
    TAG_NAMES.contains(&key)
}

const DATE_FORMAT: &[FormatItem<'static>] = format_description!("[year][month][day]T[hour][minute][second]Z");

/// The last second `create_date` can express: 9999-12-31T23:59:59Z.
pub const MAX_TIMESTAMP: i64 = 253_402_300_799;

/// A creation moment, to the second, from the Unix epoch to the end of year 9999.
/// `create_date` and `create_timestamp` are two spellings of one `CreateTime`,
/// so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreateTime(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("invalid create date '{0}': expected YYYYMMDDTHHMMSSZ in UTC, e.g. 20110909T233600Z")]
    DateFormat(String),
    #[error("invalid create date '{0}': no such date or time")]
    NoSuchDate(String),
    #[error("invalid create date '{0}': before 1970")]
    DateBeforeEpoch(String),
    #[error("invalid create timestamp '{0}': expected whole seconds since 1970-01-01 UTC, 0 to {MAX_TIMESTAMP}")]
    Timestamp(String),
}

impl CreateTime {
    pub fn from_timestamp(seconds: i64) -> Option<CreateTime> {
        (0..=MAX_TIMESTAMP).contains(&seconds).then_some(CreateTime(seconds))
    }

    pub fn now() -> CreateTime {
        CreateTime(OffsetDateTime::now_utc().unix_timestamp())
    }

    pub fn from_datetime(moment: OffsetDateTime) -> Option<CreateTime> {
        CreateTime::from_timestamp(moment.unix_timestamp())
    }

    pub fn timestamp(self) -> i64 {
        self.0
    }

    pub fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0).expect("CreateTime is always within time's range")
    }

    /// `YYYYMMDDTHHMMSSZ`, the `create_date` tag.
    pub fn date(self) -> String {
        self.datetime().format(DATE_FORMAT).expect("a four-digit year always formats")
    }

    /// Parse a `create_date` value strictly: exactly `YYYYMMDDTHHMMSSZ`, a real calendar moment.
    pub fn parse_date(value: &str) -> Result<CreateTime, TimeError> {
        let bytes = value.as_bytes();
        let shape_ok = bytes.len() == 16
            && bytes[8] == b'T'
            && bytes[15] == b'Z'
            && bytes[..8].iter().chain(&bytes[9..15]).all(u8::is_ascii_digit);
        if !shape_ok {
            return Err(TimeError::DateFormat(shown(value)));
        }
        let moment = PrimitiveDateTime::parse(value, DATE_FORMAT)
            .map_err(|_| TimeError::NoSuchDate(value.to_string()))?
            .assume_offset(UtcOffset::UTC);
        CreateTime::from_datetime(moment).ok_or_else(|| TimeError::DateBeforeEpoch(value.to_string()))
    }

    /// Parse a `create_timestamp` value: plain decimal seconds, no sign, no spaces.
    pub fn parse_timestamp(value: &str) -> Result<CreateTime, TimeError> {
        let digits_only = !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit());
        digits_only
            .then(|| value.parse::<i64>().ok())
            .flatten()
            .and_then(CreateTime::from_timestamp)
            .ok_or_else(|| TimeError::Timestamp(shown(value)))
    }

    /// `date`-style display in UTC, as the original README showed it:
    /// `Wed Apr 17 18:18:25 UTC 2013`.
    pub fn display(self) -> String {
        let format = format_description!(
            "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] UTC [year]"
        );
        self.datetime().format(format).expect("a four-digit year always formats")
    }
}

impl FromStr for CreateTime {
    type Err = TimeError;
    fn from_str(value: &str) -> Result<Self, TimeError> {
        CreateTime::parse_date(value)
    }
}

impl fmt::Display for CreateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.date())
    }
}

/// The lineage of an image amitools is about to create or tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    pub source_image: AmiId,
    /// None for a copy of an image that itself had no `source_instance`.
    pub source_instance: Option<InstanceId>,
    pub source_region: Region,
    pub created: CreateTime,
}

impl Lineage {
    /// The tags, exactly as they are written to EC2.
    pub fn to_tags(&self) -> Tags {
        let mut tags = Tags::new();
        tags.insert(SOURCE_IMAGE.into(), self.source_image.to_string());
        if let Some(instance) = &self.source_instance {
            tags.insert(SOURCE_INSTANCE.into(), instance.to_string());
        }
        tags.insert(SOURCE_REGION.into(), self.source_region.to_string());
        tags.insert(CREATE_DATE.into(), self.created.date());
        tags.insert(CREATE_TIMESTAMP.into(), self.created.timestamp().to_string());
        tags
    }
}

/// What an existing image's tags say about its lineage. Read leniently:
/// tags in the wild may be hand-written or broken, and a walk must still
/// show what it can, so a malformed value reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedLineage {
    pub source_image: Option<AmiId>,
    pub source_instance: Option<InstanceId>,
    pub source_region: Option<Region>,
    pub created: Option<CreateTime>,
}

impl RecordedLineage {
    pub fn from_tags(tags: &Tags) -> RecordedLineage {
        let get = |key: &str| tags.get(key).map(|v| v.trim());
        let created = get(CREATE_TIMESTAMP)
            .and_then(|v| CreateTime::parse_timestamp(v).ok())
            .or_else(|| get(CREATE_DATE).and_then(|v| CreateTime::parse_date(v).ok()));
        RecordedLineage {
            source_image: get(SOURCE_IMAGE).and_then(|v| v.parse().ok()),
            source_instance: get(SOURCE_INSTANCE).and_then(|v| v.parse().ok()),
            source_region: get(SOURCE_REGION).and_then(|v| v.parse().ok()),
            created,
        }
    }
}

/// Parse `KEY=VALUE` for `--tag`. EC2 allows keys of 1–128 and values of
/// 0–256 characters, and reserves the `aws:` prefix.
pub fn parse_tag(value: &str) -> Result<(String, String), String> {
    let Some((key, val)) = value.split_once('=') else {
        return Err(format!("invalid tag '{}': expected KEY=VALUE", shown(value)));
    };
    if key.is_empty() || key.chars().count() > 128 {
        return Err(format!("invalid tag '{}': the key must have 1 to 128 characters", shown(value)));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("invalid tag '{}': keys starting with 'aws:' are reserved by AWS", shown(value)));
    }
    if val.chars().count() > 256 {
        return Err(format!("invalid tag '{}': the value must have at most 256 characters", shown(value)));
    }
    Ok((key.to_string(), val.to_string()))
}

/// Check user `--tag`s: none may be a lineage tag, and no key may repeat.
pub fn check_user_tags(user: &[(String, String)]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (key, value) in user {
        if is_lineage_tag(key) {
            return Err(format!(
                "--tag {key}={value}: '{key}' is a lineage tag that amitools sets itself; use 'amitools tag' to change lineage"
            ));
        }
        if !seen.insert(key) {
            return Err(format!("--tag {key}: given more than once"));
        }
    }
    Ok(())
}

/// Merge user `--tag`s into lineage tags; a user tag may not replace a lineage tag.
pub fn merge_user_tags(lineage: Tags, user: &[(String, String)]) -> Result<Tags, String> {
    check_user_tags(user)?;
    let mut tags = lineage;
    tags.extend(user.iter().cloned());
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_readme_example() {
        let t = CreateTime::parse_date("20110909T233600Z").unwrap();
        assert_eq!(t.timestamp(), 1_315_611_360);
        assert_eq!(CreateTime::parse_timestamp("1315611360").unwrap(), t);
        assert_eq!(t.date(), "20110909T233600Z");
        assert_eq!(CreateTime::from_timestamp(1_366_222_705).unwrap().display(), "Wed Apr 17 18:18:25 UTC 2013");
        assert_eq!(CreateTime::from_timestamp(1_367_539_200).unwrap().display(), "Fri May  3 00:00:00 UTC 2013");
    }

    #[test]
    fn range_ends() {
        assert_eq!(CreateTime::from_timestamp(0).unwrap().date(), "19700101T000000Z");
        assert_eq!(CreateTime::from_timestamp(MAX_TIMESTAMP).unwrap().date(), "99991231T235959Z");
        assert!(CreateTime::from_timestamp(-1).is_none());
        assert!(CreateTime::from_timestamp(MAX_TIMESTAMP + 1).is_none());
    }

    #[test]
    fn bad_dates() {
        for bad in [
            "",
            "2013",
            "20130230T000000Z",
            "20131301T000000Z",
            "20130229T000000Z",
            "20130101T246000Z",
            "20130101T000060Z",
            "20130101 000000Z",
            "20130101T000000",
            "2013-01-01T00:00:00Z",
            "+2013010T000000Z",
            "19691231T235959Z",
            "２0130101T000000Z",
        ] {
            assert!(CreateTime::parse_date(bad).is_err(), "{bad}");
        }
        assert!(CreateTime::parse_date("20120229T000000Z").is_ok());
        let msg = CreateTime::parse_date("20130230T000000Z").unwrap_err().to_string();
        assert!(msg.contains("'20130230T000000Z'"), "{msg}");
    }

    #[test]
    fn bad_timestamps() {
        for bad in ["", "-1", "+5", " 5", "5 ", "1e9", "0x10", "253402300800", "99999999999999999999", "١٢"] {
            assert!(CreateTime::parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn date_and_timestamp_round_trip(seconds in 0..=MAX_TIMESTAMP) {
            let t = CreateTime::from_timestamp(seconds).unwrap();
            prop_assert_eq!(CreateTime::parse_date(&t.date()).unwrap(), t);
            prop_assert_eq!(CreateTime::parse_timestamp(&seconds.to_string()).unwrap(), t);
            prop_assert_eq!(t.date().len(), 16);
        }

        #[test]
        fn date_parser_never_panics(value in "\\PC{0,24}") {
            let _ = CreateTime::parse_date(&value);
            let _ = CreateTime::parse_timestamp(&value);
        }

        #[test]
        fn tag_parser_never_panics_and_round_trips(key in "[a-zA-Z0-9_.:/=+@ -]{1,40}", value in "\\PC{0,40}") {
            let _ = parse_tag(&value);
            if !key.contains('=') && !key.to_ascii_lowercase().starts_with("aws:") {
                prop_assert_eq!(parse_tag(&format!("{key}={value}")).unwrap(), (key.clone(), value.clone()));
            }
        }
    }

    #[test]
    fn lineage_tags_are_exact() {
        let lineage = Lineage {
            source_image: "ami-12345678".parse().unwrap(),
            source_instance: Some("i-0123456789abcdef0".parse().unwrap()),
            source_region: "us-east-1".parse().unwrap(),
            created: CreateTime::from_timestamp(1_315_611_360).unwrap(),
        };
        let tags = lineage.to_tags();
        assert_eq!(tags.len(), 5);
        assert_eq!(tags[CREATE_DATE], "20110909T233600Z");
        assert_eq!(tags[CREATE_TIMESTAMP], "1315611360");
        assert_eq!(RecordedLineage::from_tags(&tags).source_image, Some(lineage.source_image.clone()));
    }

    #[test]
    fn user_tags_merge_but_never_override_lineage() {
        let base: Tags = [("source_image".to_string(), "ami-12345678".to_string())].into();
        let merged = merge_user_tags(base.clone(), &[("team".into(), "infra".into())]).unwrap();
        assert_eq!(merged["team"], "infra");
        let err = merge_user_tags(base, &[("source_image".into(), "x".into())]).unwrap_err();
        assert!(err.contains("source_image"), "{err}");
    }

    #[test]
    fn tag_parsing() {
        assert_eq!(parse_tag("team=infra").unwrap(), ("team".into(), "infra".into()));
        assert_eq!(parse_tag("empty=").unwrap(), ("empty".into(), "".into()));
        assert_eq!(parse_tag("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_tag("noequals").is_err());
        assert!(parse_tag("=v").is_err());
        assert!(parse_tag("aws:x=v").unwrap_err().contains("reserved"));
    }
}
