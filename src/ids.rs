//! Identifiers amitools accepts from users: AMI ids, instance ids, region
//! names. Each is a validated newtype, so a value that reaches EC2 has already
//! been checked, and a bad one is refused before any request is made.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::output::shown;

/// Why a user-supplied identifier was refused. The message names the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} '{value}': expected {expected}")]
pub struct InvalidId {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// EC2 resource ids: a prefix, then 8 (old style) or 17 lowercase hex digits.
fn is_resource_id(value: &str, prefix: &str) -> bool {
    value.strip_prefix(prefix).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

macro_rules! resource_id {
    ($name:ident, $prefix:literal, $what:literal, $expected:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(value: &str) -> Result<Self, InvalidId> {
                if is_resource_id(value, $prefix) {
                    Ok(Self(value.to_string()))
                } else {
                    Err(InvalidId { what: $what, value: shown(value), expected: $expected })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

resource_id!(AmiId, "ami-", "AMI id", "'ami-' and 8 or 17 hex digits, e.g. ami-0123456789abcdef0");
resource_id!(InstanceId, "i-", "instance id", "'i-' and 8 or 17 hex digits, e.g. i-0123456789abcdef0");

/// An AWS region name such as `us-east-1`, `eu-central-2`, `us-gov-west-1`,
/// `cn-north-1` or `ap-southeast-7`: lowercase words joined by dashes, the
/// last of them a number. Checked for form only; EC2 knows which exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Region(String);

impl Region {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Region {
    type Err = InvalidId;
    fn from_str(value: &str) -> Result<Self, InvalidId> {
        let parts: Vec<&str> = value.split('-').collect();
        let words_ok = parts.len() >= 3
            && parts[..parts.len() - 1]
                .iter()
                .all(|w| !w.is_empty() && w.len() <= 12 && w.bytes().all(|b| b.is_ascii_lowercase()));
        let number = parts.last().copied().unwrap_or("");
        let number_ok = !number.is_empty() && number.len() <= 2 && number.bytes().all(|b| b.is_ascii_digit());
        if words_ok && number_ok {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidId {
                what: "region",
                value: shown(value),
                expected: "a region name such as us-east-1 or eu-central-2",
            })
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ami_ids() {
        for good in ["ami-12345678", "ami-0123456789abcdef0", "ami-deadbeef"] {
            assert!(good.parse::<AmiId>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "ami-",
            "ami-1234567",
            "ami-123456789",
            "ami-0123456789ABCDEF0",
            "ami-0123456789abcdef",
            "ami-0123456789abcdefg",
            "i-12345678",
            " ami-12345678",
            "ami-12345678 ",
            "ámi-12345678",
        ] {
            let err = bad.parse::<AmiId>().unwrap_err();
            assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
        }
    }

    #[test]
    fn instance_ids() {
        assert!("i-0123456789abcdef0".parse::<InstanceId>().is_ok());
        assert!("i-abcdef01".parse::<InstanceId>().is_ok());
        assert!("i-abc".parse::<InstanceId>().is_err());
        assert!("ami-abcdef01".parse::<InstanceId>().is_err());
    }

    #[test]
    fn regions() {
        for good in ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-7", "il-central-1"] {
            assert!(good.parse::<Region>().is_ok(), "{good}");
        }
        for bad in ["", "us", "us-east", "us-east-x", "US-EAST-1", "us-east-100", "us--1", "us east 1", "us-east-1a"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(value in "\\PC{0,40}") {
            let _ = value.parse::<AmiId>();
            let _ = value.parse::<InstanceId>();
            let _ = value.parse::<Region>();
        }

        #[test]
        fn valid_ids_round_trip(short in "[0-9a-f]{8}", long in "[0-9a-f]{17}") {
            for hex in [&short, &long] {
                let ami: AmiId = format!("ami-{hex}").parse().unwrap();
                proptest::prop_assert_eq!(ami.to_string(), format!("ami-{hex}"));
                let instance: InstanceId = format!("i-{hex}").parse().unwrap();
                proptest::prop_assert_eq!(instance.as_str(), format!("i-{hex}"));
            }
        }

        #[test]
        fn valid_regions_round_trip(area in "[a-z]{2,3}", words in proptest::collection::vec("[a-z]{3,9}", 1..3), n in 1u8..=99) {
            let name = format!("{area}-{}-{n}", words.join("-"));
            proptest::prop_assert_eq!(name.parse::<Region>().unwrap().to_string(), name);
        }
    }

    #[test]
    fn long_values_are_shortened_in_errors() {
        let long = "x".repeat(10_000);
        let err = long.parse::<AmiId>().unwrap_err().to_string();
        assert!(err.len() < 300, "{}", err.len());
    }
}
