//! What `create`, `copy` and `clone` share: validating the naming and extra
//! tags, making the image under a unique name, reporting its id before
//! anything else can fail, and `--wait`.

use serde::Serialize;

use super::waiton::wait_with_progress;
use super::Context;
use crate::aws::{Aws, AwsError, AwsErrorKind, Tags};
use crate::cli::NewImageArgs;
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::lineage::{self, check_user_tags, merge_user_tags, CreateTime, Lineage};
use crate::naming::{self, with_unique_name, NameSource, Naming};
use crate::output::{write_json, OutputFormat};
use crate::progress::{self, InFlight};
use crate::waiting::WaitOptions;

/// EC2's limit on tags per resource.
pub const TAGS_PER_RESOURCE_MAX: usize = 50;

/// Pauses between looks for the image holding a name after a retried
/// request (about 30 s in all): a new image can take seconds to be visible.
const ADOPT_BACKOFF: [u64; 5] = [1, 2, 4, 8, 15];

/// Validated options for a new image.
#[derive(Debug)]
pub struct NewImageOptions {
    pub naming: Naming,
    pub description: Option<String>,
    pub user_tags: Vec<(String, String)>,
    pub wait: bool,
    /// How long --wait waits.
    pub timeout: std::time::Duration,
    pub dry_run: bool,
    /// This run's marker value (the `amitools:run` tag on the image).
    pub run_marker: String,
}

impl NewImageOptions {
    pub fn from_args(args: NewImageArgs) -> Result<NewImageOptions> {
        let naming = match args.name {
            Some(name) => {
                naming::validate_name(&name).map_err(Error::Usage)?;
                Naming::Explicit(name)
            }
            None => {
                naming::validate_prefix(&args.random_name_prefix).map_err(Error::Usage)?;
                Naming::Generated { prefix: args.random_name_prefix }
            }
        };
        if let Some(description) = &args.description {
            // EC2's limit; caught here so the error names it before any call.
            if description.chars().count() > 255 {
                return Err(Error::Usage(format!(
                    "invalid description: at most 255 characters, this has {}",
                    description.chars().count()
                )));
            }
        }
        check_user_tags(&args.tags).map_err(Error::Usage)?;
        // The lineage tags and the run marker are always there.
        let room = TAGS_PER_RESOURCE_MAX - lineage::TAG_NAMES.len() - 1;
        if args.tags.len() > room {
            return Err(Error::Usage(format!(
                "{} -t/--tag given; with the {} lineage tags and amitools' run marker, an image can carry at most {room} more (EC2 allows {TAGS_PER_RESOURCE_MAX} tags per resource)",
                args.tags.len(),
                lineage::TAG_NAMES.len()
            )));
        }
        if args.dry_run && args.wait {
            return Err(Error::Usage(
                "--dry-run and --wait cannot be used together: a dry run creates nothing to wait for".into(),
            ));
        }
        Ok(NewImageOptions {
            naming,
            description: args.description,
            user_tags: args.tags,
            wait: args.wait,
            timeout: args.timeout,
            dry_run: args.dry_run,
            run_marker: naming::run_marker(),
        })
    }

    /// Tags on the new image only: the run's marker, by which a retried
    /// request recognises the image its first attempt made.
    pub fn image_only_tags(&self) -> Tags {
        Tags::from([(naming::RUN_MARKER.to_string(), self.run_marker.clone())])
    }

    /// The tags for the new image: its lineage plus the user's.
    pub fn tags(&self, lineage: &Lineage) -> Result<Tags> {
        merge_user_tags(lineage.to_tags(), &self.user_tags).map_err(Error::Usage)
    }

    /// A name to use for a dry run (which creates nothing, so cannot clash).
    pub fn dry_run_name(&self) -> String {
        match &self.naming {
            Naming::Explicit(name) => name.clone(),
            Naming::Generated { prefix } => {
                naming::generate_name(prefix, CreateTime::now().timestamp(), naming::random_suffix())
            }
        }
    }

    /// Run `make` under a unique name (retrying generated names on a clash).
    /// On a clash after a retried request, the image holding the name is the
    /// one this run made only if it carries this run's marker: then it is
    /// adopted. EC2 may not show a new image for a few seconds, so the holder
    /// is looked for again, with backoff, for up to about half a minute.
    pub fn make(
        &self,
        aws: &dyn Aws,
        region: &Region,
        tags: &Tags,
        action: &'static str,
        mut make: impl FnMut(&str) -> std::result::Result<AmiId, AwsError>,
    ) -> Result<(AmiId, String)> {
        // From the moment a request is sent, an interrupt must say an image may exist.
        let make = |name: &str| {
            let in_flight =
                |id: Option<String>| InFlight { action, name: name.to_string(), region: region.to_string(), id };
            progress::set_in_flight(Some(in_flight(None)));
            let result = make(name);
            match &result {
                Ok(id) => progress::set_in_flight(Some(in_flight(Some(id.to_string())))),
                Err(_) => progress::set_in_flight(None),
            }
            result
        };
        let now = || CreateTime::now().timestamp();
        let source = NameSource { naming: &self.naming, now: &now, random: &naming::random_suffix };
        let marker = (naming::RUN_MARKER, self.run_marker.as_str());
        let mut adopt = |name: &str, named_by_ec2: Option<AmiId>| {
            let ours = |image: &crate::image::Image| {
                image.tags.get(marker.0).map(String::as_str) == Some(marker.1)
                    && tags.iter().all(|(k, v)| image.tags.get(k) == Some(v))
            };
            let mut pauses = ADOPT_BACKOFF.iter().map(|s| std::time::Duration::from_secs(*s));
            loop {
                let holder = match &named_by_ec2 {
                    Some(id) => aws.describe_image(region, id)?,
                    None => aws.own_image_named(region, name)?,
                };
                if let Some(image) = holder {
                    return Ok(ours(&image).then_some(image.id));
                }
                // Not visible yet: EC2 knows the name before DescribeImages shows the image.
                let Some(pause) = pauses.next() else { return Ok(None) };
                log::info!("the image holding '{name}' is not visible yet; looking again in {pause:?}");
                std::thread::sleep(pause);
            }
        };
        Ok(with_unique_name(source, make, &mut adopt)?)
    }
}

#[derive(Serialize)]
struct NewImageReport<'a> {
    /// None in a dry run: no image exists, and a placeholder id could be taken for one.
    image_id: Option<&'a AmiId>,
    name: &'a str,
    region: &'a Region,
    tags: &'a Tags,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
}

/// The outcome of a DryRun request: "would succeed" is EC2's answer as an error.
pub fn dry_run_outcome(result: std::result::Result<AmiId, AwsError>) -> Result<()> {
    match result {
        Err(e) if e.kind == AwsErrorKind::DryRunSucceeded => Ok(()),
        Err(e) => Err(e.into()),
        Ok(id) => Err(Error::Failed(format!("EC2 ignored the dry run and made image {id}"))),
    }
}

/// Report a dry run: what would be made.
pub fn report_dry_run(ctx: &mut Context, action: &str, name: &str, region: &Region, tags: &Tags) -> Result<()> {
    ctx.note(format!("dry run: {action} would succeed; nothing was created"));
    if ctx.output == OutputFormat::Json {
        let report = NewImageReport { image_id: None, name, region, tags, dry_run: true };
        write_json(ctx.out, &report)?;
    } else {
        ctx.note(format!("name: {name}"));
        for (key, value) in tags {
            ctx.note(format!("tag: {key}={value}"));
        }
    }
    Ok(())
}

/// Print the new image's id at once (it must never be lost), then wait if asked.
pub fn report_and_wait(
    ctx: &mut Context,
    options: &NewImageOptions,
    id: &AmiId,
    name: &str,
    region: &Region,
    tags: &Tags,
) -> Result<()> {
    let printed = match ctx.output {
        // (Pictures are refused before any call: check_output_applies.)
        OutputFormat::Table | OutputFormat::Dot | OutputFormat::Mermaid => {
            writeln!(ctx.out, "{id}").map_err(Error::from)
        }
        OutputFormat::Json => {
            write_json(ctx.out, &NewImageReport { image_id: Some(id), name, region, tags, dry_run: false })
                .map_err(Error::from)
        }
    };
    printed.and_then(|()| ctx.out.flush().map_err(Error::from)).map_err(|e| after_create(id, e))?;
    // The id is out: an interrupt from here on is an ordinary one.
    progress::set_in_flight(None);
    if options.wait {
        wait_with_progress(
            ctx,
            region,
            id,
            &WaitOptions { timeout: options.timeout, ..WaitOptions::until_available() },
        )
        .map_err(|e| after_create(id, e.into()))?;
    }
    Ok(())
}

/// An error after EC2 made the image: the message says the image exists.
pub fn after_create(id: &AmiId, error: Error) -> Error {
    Error::AfterCreate { id: id.clone(), source: Box::new(error) }
}
