//! Image names: validation against EC2's rules, generation of unique names,
//! and the retry when EC2 says a generated name is taken. `create` and
//! `copy` share this, so both name and retry the same way.

use crate::aws::{AwsError, AwsErrorKind};
use crate::ids::AmiId;
use crate::output::shown;

pub const DEFAULT_PREFIX: &str = "AMI";
/// How many generated names to try before giving up on InvalidAMIName.Duplicate.
pub const GENERATED_NAME_TRIES: usize = 5;

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 128;

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "()[]./-'@_ ".contains(c)
}

/// Check a name as EC2 would: 3–128 characters of letters, digits and `( ) [ ] . / - ' @ _` or space.
pub fn validate_name(name: &str) -> Result<(), String> {
    let shown = shown(name);
    let length = name.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&length) {
        return Err(format!("invalid image name '{shown}': EC2 needs 3 to 128 characters, this has {length}"));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "invalid image name '{shown}': '{bad}' is not allowed (letters, digits, spaces and ( ) [ ] . / - ' @ _ are)"
        ));
    }
    Ok(())
}

/// Room a prefix must leave for `-<10-digit seconds>-<15-digit random>`.
const GENERATED_SUFFIX_MAX: usize = 1 + 11 + 1 + 15;

/// Check a `--random-name-prefix` so that every name made from it is valid.
pub fn validate_prefix(prefix: &str) -> Result<(), String> {
    let shown = shown(prefix);
    if prefix.is_empty() {
        return Err("invalid name prefix '': it must not be empty".to_string());
    }
    if prefix.chars().count() + GENERATED_SUFFIX_MAX > MAX_LEN {
        return Err(format!(
            "invalid name prefix '{shown}': at most {} characters, so generated names fit EC2's 128",
            MAX_LEN - GENERATED_SUFFIX_MAX
        ));
    }
    if let Some(bad) = prefix.chars().find(|c| !allowed(*c)) {
        return Err(format!("invalid name prefix '{shown}': '{bad}' is not allowed in image names"));
    }
    Ok(())
}

/// `<prefix>-<unix seconds>-<large random number>`, e.g. `AMI-1366162881-135159873121564`.
pub fn generate_name(prefix: &str, unix_seconds: i64, random: u64) -> String {
    format!("{prefix}-{unix_seconds}-{random}")
}

/// A 15-digit random number: with the seconds, unique enough that a clash is news.
pub fn random_suffix() -> u64 {
    fastrand::u64(100_000_000_000_000..1_000_000_000_000_000)
}

/// How the new image is to be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Naming {
    /// `--name`: used as is; a clash is the user's to resolve.
    Explicit(String),
    /// Generated from a prefix; a clash means generate another.
    Generated { prefix: String },
}

/// What `with_unique_name` needs to make names.
pub struct NameSource<'a> {
    pub naming: &'a Naming,
    pub now: &'a dyn Fn() -> i64,
    pub random: &'a dyn Fn() -> u64,
}

/// Asked on a clash: is the image holding this name the one we just made?
/// (Its id if so.) See `with_unique_name`.
/// Given a name EC2 says is taken (and the image EC2 named as its holder, if
/// it did), the image this run made under that name, if it is this run's.
pub type Adopt<'a> = dyn FnMut(&str, Option<AmiId>) -> Result<Option<AmiId>, AwsError> + 'a;

/// The tag that marks an image as made by one particular run, so that a run
/// whose request was retried recognises its own image — and only its own:
/// two runs in the same second from the same instance carry equal lineage tags.
pub const RUN_MARKER: &str = "amitools:run";

/// A fresh run marker value: 128 random bits.
pub fn run_marker() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// The image EC2's InvalidAMIName.Duplicate message names as the holder
/// ("AMI name x is already in use by AMI ami-0123…"), if it names one.
pub fn holder_named_in(message: &str) -> Option<AmiId> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("ami-"))
        .find_map(|word| word.parse().ok())
}

#[derive(Debug, thiserror::Error)]
pub enum NamingError {
    #[error(
        "image name '{0}' is already in use in this region; choose another with -n/--name, or omit -n to generate one"
    )]
    Taken(String),
    #[error("{GENERATED_NAME_TRIES} generated names in a row were already in use (last: '{0}'); try again or pass -n/--name")]
    Exhausted(String),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

/// Run `make` (CreateImage or CopyImage) with a name, retrying with a fresh
/// generated name when EC2 answers InvalidAMIName.Duplicate.
/// Returns the new image id and the name it got.
///
/// A clash can also be our own doing: the SDK retries a request whose
/// response was lost, and the retry finds the name taken by the image the
/// first attempt made. Only then (the SDK made more than one attempt) is
/// `adopt` asked whether the holder is ours, so that it is reported rather
/// than orphaned, and no second image is made. A clash at the first attempt
/// is never ours, however alike the images.
pub fn with_unique_name(
    source: NameSource<'_>,
    mut make: impl FnMut(&str) -> Result<AmiId, AwsError>,
    adopt: &mut Adopt<'_>,
) -> Result<(AmiId, String), NamingError> {
    let tries = match source.naming {
        Naming::Explicit(_) => 1,
        Naming::Generated { .. } => GENERATED_NAME_TRIES,
    };
    let mut last = String::new();
    for attempt in 1..=tries {
        let name = match source.naming {
            Naming::Explicit(name) => name.clone(),
            Naming::Generated { prefix } => generate_name(prefix, (source.now)(), (source.random)()),
        };
        match make(&name) {
            Ok(id) => return Ok((id, name)),
            Err(e) if e.kind == AwsErrorKind::DuplicateName => {
                // Only a retried request can have met its own first attempt.
                let ours = if e.attempts > 1 { adopt(&name, holder_named_in(&e.message))? } else { None };
                if let Some(id) = ours {
                    log::warn!("image name '{name}' is taken by {id}, which this run made (a retried request)");
                    return Ok((id, name));
                }
                log::warn!("image name '{name}' is taken (try {attempt} of {tries})");
                last = name;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(match source.naming {
        Naming::Explicit(name) => NamingError::Taken(name.clone()),
        Naming::Generated { .. } => NamingError::Exhausted(last),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;

    #[test]
    fn names() {
        assert!(validate_name("AMI-1366162881-135159873121564").is_ok());
        assert!(validate_name("web (prod) [v2] 1.0/x @team's_build").is_ok());
        assert!(validate_name("ab").is_err());
        assert!(validate_name(&"a".repeat(128)).is_ok());
        assert!(validate_name(&"a".repeat(129)).is_err());
        let err = validate_name("web#1").unwrap_err();
        assert!(err.contains("'web#1'") && err.contains("'#'"), "{err}");
        assert!(validate_name("café-01").is_err());
    }

    #[test]
    fn generated_names_have_the_documented_shape() {
        let name = generate_name("AMI", 1_366_162_881, random_suffix());
        let parts: Vec<&str> = name.split('-').collect();
        assert_eq!(parts[0], "AMI");
        assert_eq!(parts[1], "1366162881");
        assert_eq!(parts[2].len(), 15);
        assert!(validate_name(&name).is_ok());
    }

    #[test]
    fn prefixes() {
        assert!(validate_prefix("AMI").is_ok());
        assert!(validate_prefix("").is_err());
        assert!(validate_prefix("a#b").is_err());
        let longest = "p".repeat(MAX_LEN - GENERATED_SUFFIX_MAX);
        assert!(validate_prefix(&longest).is_ok());
        assert!(validate_name(&generate_name(&longest, 9_999_999_999, 999_999_999_999_999)).is_ok());
        assert!(validate_prefix(&format!("{longest}p")).is_err());
    }

    proptest! {
        #[test]
        fn any_valid_prefix_makes_valid_names(prefix in "[a-zA-Z0-9()\\[\\]./'@_ -]{1,100}", secs in 0i64..=9_999_999_999, r in 100_000_000_000_000u64..1_000_000_000_000_000) {
            if validate_prefix(&prefix).is_ok() {
                prop_assert!(validate_name(&generate_name(&prefix, secs, r)).is_ok());
            }
        }

        #[test]
        fn name_validation_never_panics(name in "\\PC{0,200}") {
            let _ = validate_name(&name);
            let _ = validate_prefix(&name);
        }
    }

    fn duplicate() -> AwsError {
        AwsError {
            action: "CreateImage",
            kind: AwsErrorKind::DuplicateName,
            code: Some("InvalidAMIName.Duplicate".into()),
            message: "taken".into(),
            endpoint: String::new(),
            attempts: 1,
        }
    }

    #[test]
    fn generated_name_clash_is_retried_with_a_new_name() {
        let naming = Naming::Generated { prefix: "AMI".into() };
        let counter = Cell::new(0u64);
        let random = || {
            counter.set(counter.get() + 1);
            100_000_000_000_000 + counter.get()
        };
        let mut seen = Vec::new();
        let mut asked = 0;
        let (id, name) = with_unique_name(
            NameSource { naming: &naming, now: &|| 1000, random: &random },
            |name| {
                seen.push(name.to_string());
                if seen.len() < 3 {
                    Err(duplicate())
                } else {
                    Ok("ami-12345678".parse().unwrap())
                }
            },
            &mut |_, _| {
                asked += 1;
                Ok(None)
            },
        )
        .unwrap();
        assert_eq!(asked, 0, "a clash at the first attempt is never ours");
        assert_eq!(id.as_str(), "ami-12345678");
        assert_eq!(seen.len(), 3);
        assert_eq!(name, seen[2]);
        assert_ne!(seen[0], seen[1]);
    }

    #[test]
    fn generated_names_give_up_after_the_bound() {
        let naming = Naming::Generated { prefix: "AMI".into() };
        let mut calls = 0;
        let err = with_unique_name(
            NameSource { naming: &naming, now: &|| 1, random: &|| 2 },
            |_| {
                calls += 1;
                Err(duplicate())
            },
            &mut |_, _| Ok(None),
        )
        .unwrap_err();
        assert_eq!(calls, GENERATED_NAME_TRIES);
        assert!(matches!(err, NamingError::Exhausted(_)));
    }

    #[test]
    fn a_clash_with_our_own_image_adopts_it() {
        let naming = Naming::Explicit("web-1".into());
        let mut asked = Vec::new();
        let (id, _) = with_unique_name(
            NameSource { naming: &naming, now: &|| 1, random: &|| 2 },
            |_| {
                Err(AwsError {
                    attempts: 2,
                    message: "AMI name web-1 is already in use by AMI ami-0123456789abcdef0".into(),
                    ..duplicate()
                })
            },
            &mut |name, holder| {
                asked.push((name.to_string(), holder.clone()));
                Ok(holder)
            },
        )
        .unwrap();
        assert_eq!(id.as_str(), "ami-0123456789abcdef0");
        assert_eq!(asked, vec![("web-1".to_string(), Some(id.clone()))], "EC2's message names the holder");
    }

    #[test]
    fn the_holder_is_read_from_ec2s_message() {
        let cases = [
            ("AMI name web-1 is already in use by AMI ami-0123456789abcdef0", Some("ami-0123456789abcdef0")),
            ("AMI name ami-x is already in use by AMI ami-12345678.", Some("ami-12345678")),
            ("AMI name web-1 is already in use by AMI in this region", None),
            ("", None),
        ];
        for (message, expected) in cases {
            assert_eq!(holder_named_in(message).as_ref().map(AmiId::as_str), expected, "{message}");
        }
        assert_eq!(run_marker().len(), 32);
        assert_ne!(run_marker(), run_marker());
    }

    #[test]
    fn explicit_name_clash_is_an_error_naming_it() {
        let naming = Naming::Explicit("web-1".into());
        let mut calls = 0;
        let err = with_unique_name(
            NameSource { naming: &naming, now: &|| 1, random: &|| 2 },
            |_| {
                calls += 1;
                Err(duplicate())
            },
            &mut |_, _| Ok(None),
        )
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(err.to_string().contains("'web-1'"));
    }
}
