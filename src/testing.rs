//! An in-memory `Ec2` for unit tests of the domain logic (waiting, lineage).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::ec2::{Ec2, Ec2Error, Ec2ErrorKind, ImageCopy, NewImage, Tags};
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{Image, Instance};

type Describe<'a> = Box<dyn Fn(&AmiId) -> Result<Option<Image>, Ec2Error> + 'a>;

/// Images held in memory, with per-operation call counts.
#[derive(Default)]
pub struct FakeEc2<'a> {
    describe: Option<Describe<'a>>,
    pub images: RefCell<BTreeMap<AmiId, Image>>,
    pub describe_calls: Cell<usize>,
    /// DescribeImages calls made by `find_images` and `own_images` (one per region or chunk).
    pub bulk_calls: Cell<usize>,
}

impl<'a> FakeEc2<'a> {
    pub fn with_images(images: impl IntoIterator<Item = Image>) -> FakeEc2<'a> {
        let fake = FakeEc2::default();
        fake.images.borrow_mut().extend(images.into_iter().map(|i| (i.id.clone(), i)));
        fake
    }

    /// A fake whose describe_image answers are computed by `describe`.
    pub fn with_describe(describe: impl Fn(&AmiId) -> Result<Option<Image>, Ec2Error> + 'a) -> FakeEc2<'a> {
        FakeEc2 { describe: Some(Box::new(describe)), ..FakeEc2::default() }
    }

    pub fn describe_calls(&self) -> usize {
        self.describe_calls.get()
    }

    pub fn error(kind: Ec2ErrorKind) -> Ec2Error {
        Ec2Error {
            action: "DescribeImages",
            kind,
            code: None,
            message: format!("{kind:?}"),
            endpoint: "fake".into(),
            attempts: 1,
        }
    }
}

impl Ec2 for FakeEc2<'_> {
    fn describe_image(&self, _region: &Region, id: &AmiId) -> Result<Option<Image>, Ec2Error> {
        self.describe_calls.set(self.describe_calls.get() + 1);
        match &self.describe {
            Some(describe) => describe(id),
            None => Ok(self.images.borrow().get(id).cloned()),
        }
    }

    fn poll_image(&self, region: &Region, id: &AmiId, _within: std::time::Duration) -> Result<Option<Image>, Ec2Error> {
        self.describe_image(region, id)
    }

    fn find_images(&self, region: &Region, ids: &[AmiId]) -> Result<Vec<Image>, Ec2Error> {
        self.bulk_calls.set(self.bulk_calls.get() + ids.len().div_ceil(200));
        let images = self.images.borrow();
        Ok(ids.iter().filter_map(|id| images.get(id)).filter(|i| &i.region == region).cloned().collect())
    }

    fn own_images(&self, regions: &[Region], tag_key: Option<&str>) -> Result<Vec<Image>, Ec2Error> {
        self.bulk_calls.set(self.bulk_calls.get() + regions.len());
        let images = self.images.borrow();
        Ok(images
            .values()
            .filter(|i| regions.contains(&i.region))
            .filter(|i| i.owner.as_deref() != Some("amazon"))
            .filter(|i| tag_key.is_none_or(|k| i.tags.contains_key(k)))
            .cloned()
            .collect())
    }

    fn own_image_named(&self, region: &Region, name: &str) -> Result<Option<Image>, Ec2Error> {
        let images = self.images.borrow();
        Ok(images.values().find(|i| &i.region == region && i.name.as_deref() == Some(name)).cloned())
    }

    fn describe_instance(&self, _region: &Region, id: &InstanceId) -> Result<Instance, Ec2Error> {
        Ok(Instance { id: id.clone(), image_id: None })
    }

    fn create_image(&self, _region: &Region, _request: &NewImage) -> Result<AmiId, Ec2Error> {
        Err(FakeEc2::error(Ec2ErrorKind::Other))
    }

    fn copy_image(&self, _request: &ImageCopy) -> Result<AmiId, Ec2Error> {
        Err(FakeEc2::error(Ec2ErrorKind::Other))
    }

    fn create_tags(&self, _region: &Region, _id: &AmiId, _tags: &Tags, _dry_run: bool) -> Result<(), Ec2Error> {
        Ok(())
    }

    fn regions(&self) -> Result<Vec<Region>, Ec2Error> {
        let mut regions: Vec<Region> = self.images.borrow().values().map(|i| i.region.clone()).collect();
        regions.sort();
        regions.dedup();
        Ok(regions)
    }
}
