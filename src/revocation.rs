//! Revoking images and restoring them (`amitools revoke`, `restore`): what
//! each image needs, and the `amitools:revoked` tag that records what revoke
//! did so that restore undoes exactly that. Pure: images and the clock come
//! in, steps come out.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::image::{Image, ImageState};

/// The tag revoke puts on each image it revokes: `DATE WHAT[: REASON]`.
pub const REVOKED_TAG: &str = "amitools:revoked";
/// EC2's longest tag value.
const TAG_VALUE_MAX: usize = 256;
/// The longest `DATE WHAT: ` part: "2026-12-02T21:40:00Z deprecated: ".
const MARK_PREFIX_MAX: usize = 20 + 1 + "deprecated".len() + 2;
/// The longest --reason: what fits in the tag beside the date and the change.
pub const REASON_MAX: usize = TAG_VALUE_MAX - MARK_PREFIX_MAX;

/// What revoke changed on an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// EnableImageDeprecation: restore cancels it (DisableImageDeprecation).
    Deprecated,
    /// DisableImage: restore enables it again (EnableImage).
    Disabled,
    /// It was deprecated (or disabled) already: restore leaves it so.
    Nothing,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Deprecated => "deprecated",
            Change::Disabled => "disabled",
            Change::Nothing => "nothing",
        }
    }
}

/// The revoked tag's value, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at: OffsetDateTime,
    pub change: Change,
    pub reason: Option<String>,
}

impl Mark {
    pub fn value(&self) -> String {
        let at = self.at.replace_nanosecond(0).unwrap_or(self.at).format(&Rfc3339).unwrap_or_default();
        match &self.reason {
            Some(reason) => format!("{at} {}: {reason}", self.change.as_str()),
            None => format!("{at} {}", self.change.as_str()),
        }
    }

    /// Parse a tag value; None for one amitools did not write (restore then
    /// leaves the image alone: it cannot know what to undo).
    pub fn parse(value: &str) -> Option<Mark> {
        let (head, reason) = match value.split_once(": ") {
            Some((head, reason)) => (head, Some(reason.to_string())),
            None => (value, None),
        };
        let (at, change) = head.split_once(' ')?;
        let change = match change {
            "deprecated" => Change::Deprecated,
            "disabled" => Change::Disabled,
            "nothing" => Change::Nothing,
            _ => return None,
        };
        Some(Mark { at: OffsetDateTime::parse(at, &Rfc3339).ok()?, change, reason })
    }

    /// The mark on an image, if amitools revoked it.
    pub fn of(image: &Image) -> Option<Mark> {
        image.tags.get(REVOKED_TAG).and_then(|value| Mark::parse(value))
    }
}

/// --reason checked: text, no control characters, short enough for the tag.
pub fn check_reason(reason: &str) -> Result<String, String> {
    let shown = crate::output::shown(reason);
    if reason.trim().is_empty() {
        return Err("--reason is empty".to_string());
    }
    if reason.chars().any(char::is_control) {
        return Err(format!("--reason '{shown}': control characters are not allowed"));
    }
    let length = reason.chars().count();
    if length > REASON_MAX {
        return Err(format!(
            "--reason is {length} characters: at most {REASON_MAX} fit in the {REVOKED_TAG} tag beside its date"
        ));
    }
    Ok(reason.to_string())
}

/// What revoke does to one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeStep {
    /// Change it, then tag it.
    Change(Change),
    /// Deprecated (or disabled) already: only tagged, and restore will leave it so.
    AlreadySo(&'static str),
    /// Revoked by amitools already: left as it is (restore it to revoke it otherwise).
    AlreadyRevoked(Mark),
    /// Another account's image: only its owner can revoke it.
    NotOwned(Option<String>),
    /// A state that cannot be deprecated or disabled (pending, failed, …).
    State(ImageState),
}

/// What revoke does to `image` (owned by `account`): deprecate it, or with
/// `disable`, disable it.
pub fn revoke_step(image: &Image, account: &str, disable: bool, now: OffsetDateTime) -> RevokeStep {
    if image.owner.as_deref() != Some(account) {
        return RevokeStep::NotOwned(image.owner.clone());
    }
    if let Some(mark) = Mark::of(image) {
        return RevokeStep::AlreadyRevoked(mark);
    }
    match (&image.state, disable) {
        (ImageState::Disabled, _) => RevokeStep::AlreadySo("disabled"),
        (ImageState::Available, true) => RevokeStep::Change(Change::Disabled),
        (ImageState::Available, false) if image.usage.is_deprecated(now) => RevokeStep::AlreadySo("deprecated"),
        (ImageState::Available, false) => RevokeStep::Change(Change::Deprecated),
        (state, _) => RevokeStep::State(state.clone()),
    }
}

/// What restore does to one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStep {
    /// Undo the change revoke recorded (Nothing: only the tag goes), then remove the tag.
    Undo(Mark),
    /// No revoked tag amitools wrote: left alone.
    NotRevoked,
    NotOwned(Option<String>),
}

pub fn restore_step(image: &Image, account: &str) -> RestoreStep {
    if image.owner.as_deref() != Some(account) {
        return RestoreStep::NotOwned(image.owner.clone());
    }
    match Mark::of(image) {
        Some(mark) => RestoreStep::Undo(mark),
        None => RestoreStep::NotRevoked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{made, OWN_ACCOUNT};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-02 21:40:12.5 UTC);

    #[test]
    fn the_mark_round_trips_and_foreign_values_are_not_ours() {
        let mark = Mark { at: NOW, change: Change::Deprecated, reason: Some("CVE-2026-1234: openssl".into()) };
        assert_eq!(mark.value(), "2026-12-02T21:40:12Z deprecated: CVE-2026-1234: openssl");
        let back = Mark::parse(&mark.value()).unwrap();
        assert_eq!((back.change, back.reason.as_deref()), (Change::Deprecated, Some("CVE-2026-1234: openssl")));
        let bare = Mark { at: NOW, change: Change::Nothing, reason: None };
        assert_eq!(Mark::parse(&bare.value()).unwrap().change, Change::Nothing);
        for foreign in ["yes", "2026-12-02 deprecated", "2026-12-02T21:40:12Z gone", ""] {
            assert_eq!(Mark::parse(foreign), None, "{foreign}");
        }
        // The longest reason fits in EC2's 256 characters.
        let longest = Mark { at: NOW, change: Change::Deprecated, reason: Some("x".repeat(REASON_MAX)) };
        assert!(longest.value().chars().count() <= 256);
        assert!(check_reason(&"x".repeat(REASON_MAX + 1)).unwrap_err().contains("at most 223"));
        assert!(check_reason("a\nb").unwrap_err().contains("control characters"));
        assert!(check_reason(" ").is_err());
    }

    #[test]
    fn each_image_gets_the_step_its_state_and_owner_allow() {
        let own = |state: ImageState| {
            let mut image = made("us-east-1", 1, None);
            image.state = state;
            image
        };
        let available = own(ImageState::Available);
        assert_eq!(revoke_step(&available, OWN_ACCOUNT, false, NOW), RevokeStep::Change(Change::Deprecated));
        assert_eq!(revoke_step(&available, OWN_ACCOUNT, true, NOW), RevokeStep::Change(Change::Disabled));
        let mut deprecated = own(ImageState::Available);
        deprecated.usage.deprecation_time = Some(NOW - time::Duration::days(3));
        assert_eq!(revoke_step(&deprecated, OWN_ACCOUNT, false, NOW), RevokeStep::AlreadySo("deprecated"));
        assert_eq!(revoke_step(&deprecated, OWN_ACCOUNT, true, NOW), RevokeStep::Change(Change::Disabled));
        let disabled = own(ImageState::Disabled);
        assert_eq!(revoke_step(&disabled, OWN_ACCOUNT, false, NOW), RevokeStep::AlreadySo("disabled"));
        assert_eq!(
            revoke_step(&own(ImageState::Pending), OWN_ACCOUNT, false, NOW),
            RevokeStep::State(ImageState::Pending)
        );
        assert_eq!(
            revoke_step(&available, "999999999999", false, NOW),
            RevokeStep::NotOwned(Some(OWN_ACCOUNT.to_string()))
        );
        let mut revoked = own(ImageState::Available);
        let mark = Mark { at: NOW, change: Change::Deprecated, reason: None };
        revoked.tags.insert(REVOKED_TAG.into(), mark.value());
        assert!(matches!(revoke_step(&revoked, OWN_ACCOUNT, true, NOW), RevokeStep::AlreadyRevoked(_)));
        assert!(matches!(restore_step(&revoked, OWN_ACCOUNT), RestoreStep::Undo(m) if m.change == Change::Deprecated));
        assert_eq!(restore_step(&available, OWN_ACCOUNT), RestoreStep::NotRevoked);
    }
}
