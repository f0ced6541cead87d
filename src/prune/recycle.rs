//! Whether a deletion can be undone: Recycle Bin retention rules, matched
//! to an image as Recycle Bin matches them. Pure.

use time::OffsetDateTime;

use crate::image::{Image, RetentionRule};

/// What deleting an image means for getting it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// No rule in effect covers it: gone for good.
    Permanent,
    /// Restorable from the Recycle Bin until this long after deletion (the longest matching rule wins).
    Recoverable { days: u32, rule: String },
    /// The rules could not be read.
    Unknown(String),
}

impl Recovery {
    /// In words, as the plan shows it; `now` dates the deadline.
    pub fn text(&self, now: OffsetDateTime) -> String {
        match self {
            Recovery::Permanent => "permanent".to_string(),
            Recovery::Recoverable { days, rule } => {
                let until = now + time::Duration::days(i64::from(*days));
                format!("recoverable until {} (Recycle Bin rule {rule})", until.date())
            }
            Recovery::Unknown(why) => format!("unknown ({why})"),
        }
    }
}

fn has_any(image: &Image, tags: &[(String, Option<String>)]) -> bool {
    tags.iter().any(|(key, value)| match (image.tags.get(key), value) {
        (Some(_), None) => true,
        (Some(actual), Some(wanted)) => actual == wanted,
        (None, _) => false,
    })
}

/// Tag-level rules retain images with at least one of their tags;
/// Region-level rules retain every image without one of their exclusion tags.
/// Rules not yet in effect do not count. Of several, the longest retention wins.
pub fn recovery_of(image: &Image, rules: &[RetentionRule]) -> Recovery {
    rules
        .iter()
        .filter(|rule| rule.active)
        .filter(|rule| {
            if rule.resource_tags.is_empty() {
                !has_any(image, &rule.exclude_tags)
            } else {
                has_any(image, &rule.resource_tags)
            }
        })
        .max_by_key(|rule| rule.retention_days)
        .map_or(Recovery::Permanent, |rule| Recovery::Recoverable { days: rule.retention_days, rule: rule.id.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::made;
    use time::macros::datetime;

    fn rule(id: &str, days: u32, tags: &[(&str, Option<&str>)], exclude: &[(&str, Option<&str>)]) -> RetentionRule {
        let owned =
            |list: &[(&str, Option<&str>)]| list.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect();
        RetentionRule {
            id: id.into(),
            retention_days: days,
            resource_tags: owned(tags),
            exclude_tags: owned(exclude),
            active: true,
        }
    }

    #[test]
    fn tag_level_region_level_exclusions_and_the_longest_rule() {
        let mut image = made("us-east-1", 1, None);
        image.tags.insert("team".into(), "web".into());
        assert_eq!(recovery_of(&image, &[]), Recovery::Permanent);
        let tagged = rule("tagged", 7, &[("team", Some("web"))], &[]);
        let other_team = rule("other", 30, &[("team", Some("api"))], &[]);
        let any_team = rule("any", 3, &[("team", None)], &[]);
        let region = rule("region", 14, &[], &[("scratch", None)]);
        assert_eq!(recovery_of(&image, std::slice::from_ref(&other_team)), Recovery::Permanent);
        assert_eq!(
            recovery_of(&image, &[tagged.clone(), other_team, any_team, region.clone()]),
            Recovery::Recoverable { days: 14, rule: "region".into() }
        );
        image.tags.insert("scratch".into(), "yes".into());
        assert_eq!(
            recovery_of(&image, &[tagged.clone(), region]),
            Recovery::Recoverable { days: 7, rule: "tagged".into() }
        );
        let pending = RetentionRule { active: false, ..tagged };
        assert_eq!(recovery_of(&image, &[pending]), Recovery::Permanent);
        let now = datetime!(2026-11-30 12:00 UTC);
        assert_eq!(
            Recovery::Recoverable { days: 7, rule: "r1".into() }.text(now),
            "recoverable until 2026-12-07 (Recycle Bin rule r1)"
        );
    }
}
