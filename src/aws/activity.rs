//! What the boundary has done so far, counted as it happens, for the status
//! lines of long work (prune's gathering, `children` across regions). The
//! counts are shared (an `Arc`) so that a status thread can read them while
//! the work blocks; they only ever grow, and a reader takes differences.

use std::ops::Sub;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Metered, SdkAws};

/// The live counters. Relaxed atomics: a status line needs no ordering.
#[derive(Debug, Default)]
pub struct Activity {
    throttled: AtomicU64,
    images_listed: AtomicU64,
    images_checked: AtomicU64,
    regions_answered: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCount {
    /// Answers that were throttling errors (each is sent again, paced).
    pub throttled: u64,
    /// Images read from DescribeImages pages.
    pub images_listed: u64,
    /// Images whose uses DescribeImageReferences has answered (or failed) for.
    pub images_checked: u64,
    /// Regions whose part of a question asked of several regions is done.
    pub regions_answered: u64,
}

impl Activity {
    pub fn now(&self) -> ActivityCount {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ActivityCount {
            throttled: read(&self.throttled),
            images_listed: read(&self.images_listed),
            images_checked: read(&self.images_checked),
            regions_answered: read(&self.regions_answered),
        }
    }

    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn listed(&self, images: usize) {
        self.images_listed.fetch_add(images as u64, Ordering::Relaxed);
    }

    pub(crate) fn checked(&self, images: usize) {
        self.images_checked.fetch_add(images as u64, Ordering::Relaxed);
    }

    pub(crate) fn region_answered(&self) {
        self.regions_answered.fetch_add(1, Ordering::Relaxed);
    }
}

impl Metered for SdkAws {
    fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }
}

impl Sub for ActivityCount {
    type Output = ActivityCount;

    /// What happened between two readings (`later - earlier`).
    fn sub(self, earlier: ActivityCount) -> ActivityCount {
        ActivityCount {
            throttled: self.throttled.saturating_sub(earlier.throttled),
            images_listed: self.images_listed.saturating_sub(earlier.images_listed),
            images_checked: self.images_checked.saturating_sub(earlier.images_checked),
            regions_answered: self.regions_answered.saturating_sub(earlier.regions_answered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_subtracted_to_tell_what_one_stage_did() {
        let activity = Activity::default();
        activity.throttled();
        let before = activity.now();
        activity.throttled();
        activity.listed(1000);
        activity.checked(10);
        activity.region_answered();
        let during = activity.now() - before;
        assert_eq!(
            during,
            ActivityCount { throttled: 1, images_listed: 1000, images_checked: 10, regions_answered: 1 }
        );
        assert_eq!(before - activity.now(), ActivityCount::default(), "never negative");
    }
}
