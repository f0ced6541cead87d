//! Fixtures for unit tests: ids, regions and images as the tests name them.
//! The in-memory `Aws` itself lives beside the traits it implements (`aws::fake`).

pub use crate::aws::fake::{FakeAws, OWN_ACCOUNT};
use crate::aws::ImageKey;
use crate::ids::{AmiId, Region};
use crate::image::Image;
use crate::lineage::{CreateTime, Lineage, RecordedLineage};

pub fn region(name: &str) -> Region {
    name.parse().unwrap()
}

/// ami-00000001, ami-00000002, …
pub fn id(n: u32) -> AmiId {
    format!("ami-{n:08x}").parse().unwrap()
}

pub fn key(r: &str, n: u32) -> ImageKey {
    (region(r), id(n))
}

/// An own image `n` in `r`, tagged as made from `parent` (region `pr`) at
/// second `n`, as `amitools create` leaves it: EC2 records the same source.
pub fn made(r: &str, n: u32, parent: Option<(&str, u32)>) -> Image {
    let mut image = tagged(r, n, parent);
    let recorded = RecordedLineage::from_tags(&image.tags);
    image.source_image_id = recorded.source_image;
    image.source_image_region = recorded.source_region;
    image
}

/// An own image `n` in `r` whose lineage is known only from its tags (an
/// image retro-tagged with `amitools tag`).
pub fn tagged(r: &str, n: u32, parent: Option<(&str, u32)>) -> Image {
    let mut image = Image::new(id(n), region(r));
    image.owner = Some(OWN_ACCOUNT.into());
    if let Some((pr, p)) = parent {
        image.tags = Lineage {
            source_image: id(p),
            source_instance: Some("i-12345678".parse().unwrap()),
            source_region: region(pr),
            created: CreateTime::from_timestamp(1_000_000 + n as i64).unwrap(),
        }
        .to_tags();
    }
    image
}

/// Usage reports asked about once, never waited for (the fake answers at once).
pub fn no_waiting() -> crate::prune::shared_use::Waiting<'static> {
    crate::prune::shared_use::Waiting {
        within: std::time::Duration::ZERO,
        poll: std::time::Duration::from_secs(1),
        now: &std::time::Instant::now,
        sleep: &|_| {},
    }
}
