//! Images as rows and records: what `ancestors` and `children` print.

use serde::Serialize;

use crate::aws::Tags;
use crate::cli::Column;
use crate::ids::{AmiId, InstanceId, Region};
use crate::image::{AncestryEntry, Image, ImageState};
use crate::lineage::graph::{created_from, parent_of, Key, Link, Origin};
use crate::lineage::{CreateTime, RecordedLineage};
use crate::output::{shown, Table};

/// Shown in every other column of an image that could not be found.
pub const NOT_FOUND: &str = "(not found)";
/// Shown for what EC2's ancestry record does not say of an image you cannot see.
const NOT_VISIBLE: &str = "(not visible)";
/// Shown for a value the image does not have.
const NONE: &str = "-";

/// Everything amitools knows about one image in a lineage listing; the JSON shape.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRecord {
    pub image_id: AmiId,
    pub region: Region,
    /// DescribeImages shows it.
    pub found: bool,
    /// Known only from EC2's ancestry record (GetImageAncestry): deregistered,
    /// or another account's image you cannot see.
    pub recorded: bool,
    pub name: Option<String>,
    pub state: Option<ImageState>,
    /// `YYYYMMDDTHHMMSSZ`, from the lineage tags or else EC2's CreationDate.
    pub create_date: Option<String>,
    pub create_timestamp: Option<i64>,
    pub source_image: Option<AmiId>,
    pub source_region: Option<Region>,
    /// A `source_region` tag that is not a region (`Virginia`): the walk went
    /// to `source_region` instead, and says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_region_tag_ignored: Option<String>,
    pub source_instance: Option<InstanceId>,
    /// Where the link to the parent came from: "tag", "ec2" or "ancestry".
    pub origin: Option<Origin>,
    pub owner: Option<String>,
    pub description: Option<String>,
    /// The amitools:revoked tag: `DATE WHAT[: REASON]` (see `amitools revoke`).
    pub revoked: Option<String>,
    /// The account whose credentials read the image: set with --accounts
    /// (null without: then every image was read by your own account).
    pub account: Option<String>,
    /// Its AMI watermarks' keys (`ACCOUNT:NAME`).
    pub watermarks: Vec<String>,
    pub tags: Tags,
}

impl ImageRecord {
    pub fn new(key: &Key, image: Option<&Image>, tags_only: bool) -> ImageRecord {
        let (region, id) = key.clone();
        let Some(image) = image else {
            return ImageRecord {
                image_id: id,
                region,
                found: false,
                recorded: false,
                name: None,
                state: None,
                create_date: None,
                create_timestamp: None,
                source_image: None,
                source_region: None,
                source_region_tag_ignored: None,
                source_instance: None,
                origin: None,
                owner: None,
                description: None,
                revoked: None,
                account: None,
                watermarks: Vec::new(),
                tags: Tags::new(),
            };
        };
        ImageRecord::found(image, parent_of(image, tags_only))
    }

    /// A visible image and the link the walk followed from it.
    pub fn found(image: &Image, link: Option<Link>) -> ImageRecord {
        let recorded = RecordedLineage::from_tags(&image.tags);
        let created = created_from(image, &recorded);
        // The tag link's region fell back to the image's own: say what the tag said.
        let source_region_tag_ignored = match (&link, image.tags.get(crate::lineage::SOURCE_REGION)) {
            (Some(link), Some(raw)) if link.origin == Origin::Tag && recorded.source_region.is_none() => {
                Some(raw.clone())
            }
            _ => None,
        };
        ImageRecord {
            image_id: image.id.clone(),
            region: image.region.clone(),
            found: true,
            recorded: false,
            name: image.name.clone(),
            state: Some(image.state.clone()),
            create_date: created.map(CreateTime::date),
            create_timestamp: created.map(CreateTime::timestamp),
            source_image: link.as_ref().map(|l| l.parent.clone()),
            source_region: link.as_ref().map(|l| l.region.clone()),
            source_region_tag_ignored,
            source_instance: recorded.source_instance.or_else(|| image.source_instance_id.clone()),
            origin: link.map(|l| l.origin),
            owner: image.owner.clone(),
            description: image.description.clone(),
            revoked: image.tags.get(crate::revocation::REVOKED_TAG).cloned(),
            account: image.account.clone(),
            watermarks: image.watermarks.iter().map(|w| w.key.clone()).collect(),
            tags: image.tags.clone(),
        }
    }

    /// An image known only from EC2's ancestry record.
    pub fn recorded(entry: &AncestryEntry, link: Option<Link>) -> ImageRecord {
        let created = entry.creation_date.and_then(CreateTime::from_datetime);
        ImageRecord {
            image_id: entry.id.clone(),
            region: entry.region.clone(),
            found: false,
            recorded: true,
            name: None,
            state: None,
            create_date: created.map(CreateTime::date),
            create_timestamp: created.map(CreateTime::timestamp),
            source_image: link.as_ref().map(|l| l.parent.clone()),
            source_region: link.as_ref().map(|l| l.region.clone()),
            source_region_tag_ignored: None,
            source_instance: None,
            origin: link.map(|l| l.origin),
            owner: entry.owner_alias.clone(),
            description: None,
            revoked: None,
            account: None,
            watermarks: Vec::new(),
            tags: Tags::new(),
        }
    }

    pub fn cell(&self, column: Column) -> String {
        if self.recorded {
            let text = |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| NOT_VISIBLE.to_string());
            return match column {
                Column::ImageId => self.image_id.to_string(),
                Column::CreateDate => {
                    text(self.create_timestamp.and_then(CreateTime::from_timestamp).map(CreateTime::display))
                }
                Column::CreateTs => text(self.create_timestamp.map(|t| t.to_string())),
                Column::SourceRegion => text(self.source_region.as_ref().map(ToString::to_string)),
                Column::Owner => text(self.owner.clone()),
                Column::Origin => text(self.origin.map(|o| o.as_str().to_string())),
                Column::Account => text(self.account.clone()),
                Column::Watermarks => NOT_VISIBLE.to_string(),
                Column::SourceInstance | Column::Name | Column::State | Column::Description | Column::Revoked => {
                    NOT_VISIBLE.to_string()
                }
            };
        }
        if !self.found {
            return if column == Column::ImageId { self.image_id.to_string() } else { NOT_FOUND.to_string() };
        }
        let text = |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| NONE.to_string());
        match column {
            Column::ImageId => self.image_id.to_string(),
            Column::CreateDate => {
                text(self.create_timestamp.and_then(CreateTime::from_timestamp).map(CreateTime::display))
            }
            Column::CreateTs => text(self.create_timestamp.map(|t| t.to_string())),
            Column::SourceInstance => text(self.source_instance.as_ref().map(ToString::to_string)),
            Column::SourceRegion => match (&self.source_region, &self.source_region_tag_ignored) {
                (Some(region), Some(raw)) => format!("{region} (tag '{}' is not a region)", shown(raw)),
                (region, _) => text(region.as_ref().map(ToString::to_string)),
            },
            Column::Name => text(self.name.clone()),
            Column::State => text(self.state.as_ref().map(ToString::to_string)),
            Column::Owner => text(self.owner.clone()),
            Column::Description => text(self.description.clone()),
            Column::Origin => text(self.origin.map(|o| o.as_str().to_string())),
            Column::Revoked => text(self.revoked.clone()),
            Column::Account => text(self.account.clone()),
            Column::Watermarks => text(Some(self.watermarks.join(","))),
        }
    }
}

pub fn header(column: Column) -> &'static str {
    match column {
        Column::ImageId => "IMAGE_ID",
        Column::CreateDate => "CREATE_DATE",
        Column::CreateTs => "CREATE_TS",
        Column::SourceInstance => "SOURCE_INSTANCE",
        Column::SourceRegion => "SOURCE_REGION",
        Column::Name => "NAME",
        Column::State => "STATE",
        Column::Owner => "OWNER",
        Column::Description => "DESCRIPTION",
        Column::Origin => "ORIGIN",
        Column::Revoked => "REVOKED",
        Column::Account => "ACCOUNT",
        Column::Watermarks => "WATERMARKS",
    }
}

/// A table of records with the chosen columns, optionally led by a DEPTH column.
pub fn table<'a>(
    records: impl IntoIterator<Item = (Option<usize>, &'a ImageRecord)>,
    columns: &[Column],
    depth: bool,
) -> Table {
    let mut head: Vec<String> = Vec::new();
    if depth {
        head.push("DEPTH".into());
    }
    head.extend(columns.iter().map(|c| header(*c).to_string()));
    let mut table = Table::new(head);
    for (level, record) in records {
        let mut row = Vec::new();
        if depth {
            row.push(level.unwrap_or(0).to_string());
        }
        row.extend(columns.iter().map(|c| record.cell(*c)));
        table.rows.push(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{made, tagged};

    /// A `source_region` tag that is no region: the walk stays in the image's
    /// region, and the listing says so rather than showing it as the tag's.
    #[test]
    fn a_source_region_tag_that_is_no_region_is_shown_as_ignored() {
        let mut image = tagged("us-east-1", 2, Some(("us-east-1", 1)));
        image.tags.insert("source_region".into(), "Virginia".into());
        let record = ImageRecord::new(&(image.region.clone(), image.id.clone()), Some(&image), false);
        assert_eq!(record.cell(Column::SourceRegion), "us-east-1 (tag 'Virginia' is not a region)");
        assert_eq!(serde_json::to_value(&record).unwrap()["source_region_tag_ignored"], "Virginia");
        let plain = made("us-east-1", 3, Some(("eu-west-1", 1)));
        let record = ImageRecord::new(&(plain.region.clone(), plain.id.clone()), Some(&plain), false);
        assert_eq!(record.cell(Column::SourceRegion), "eu-west-1");
        assert!(serde_json::to_value(&record).unwrap().get("source_region_tag_ignored").is_none());
    }
}
