//! `amitools copy -R us-west-2,eu-west-1,ap-southeast-2`: one copy per
//! destination region, each its own CopyImage (and idempotency token), a
//! region that fails not stopping the others, and `--wait` on all of them
//! in one loop, with one status line naming every region's state.

use serde::Serialize;

use super::copy::Plan;
use super::new_image::{after_create, dry_run_outcome};
use super::Context;
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::image::ImageState;
use crate::output::{write_json, OutputFormat};
use crate::progress::{self, StatusLine};
use crate::waiting::{human, wait_for_all, Observation, SystemClock, WaitOptions};

/// One destination's copy, as reported (one JSON object each).
#[derive(Debug, Serialize)]
struct RegionCopy {
    region: Region,
    /// None when CopyImage failed (or in a dry run).
    image_id: Option<AmiId>,
    name: Option<String>,
    /// With --wait: the state the copy ended in (or was last seen in);
    /// without: null (EC2's answer to CopyImage is only the id).
    state: Option<ImageState>,
    /// Why this region's copy failed; null when it did not.
    error: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dry_run: bool,
}

pub fn execute(plan: &Plan, destinations: &[Region], ctx: &mut Context) -> Result<()> {
    let requests = plan.requests(ctx)?;
    let options = plan.options();
    let aws = ctx.aws;
    let mut copies: Vec<RegionCopy> = Vec::with_capacity(destinations.len());
    if options.dry_run {
        for region in destinations {
            let name = options.dry_run_name();
            let answer = dry_run_outcome(aws.copy_image(&requests.request(region, &name, true)));
            match &answer {
                Ok(()) => ctx.note(format!("dry run: CopyImage to {region} would succeed; nothing was created")),
                Err(error) => ctx.warn(format!("{region}: {error}")),
            }
            copies.push(RegionCopy {
                region: region.clone(),
                image_id: None,
                name: Some(name),
                state: None,
                error: answer.err().map(|e| e.to_string()),
                dry_run: true,
            });
        }
        if ctx.output == OutputFormat::Json {
            write_json(ctx.out, &copies)?;
        }
        return outcome(&copies);
    }
    // Each copy is made, and its line printed, before the next is asked for:
    // an id once made is never lost, whatever happens to the regions after it.
    for region in destinations {
        let made = options.make(aws, region, &requests.tags, "CopyImage", |name| {
            aws.copy_image(&requests.request(region, name, false))
        });
        let copy = match made {
            Ok((id, name)) => {
                log::info!("copied {} ({}) to {id} ({region}) named '{name}'", plan.source(), requests.source_region);
                if ctx.output == OutputFormat::Table {
                    writeln!(ctx.out, "{region} {id}")
                        .and_then(|()| ctx.out.flush())
                        .map_err(|e| after_create(&id, e.into()))?;
                }
                RegionCopy {
                    region: region.clone(),
                    image_id: Some(id),
                    name: Some(name),
                    state: None,
                    error: None,
                    dry_run: false,
                }
            }
            Err(error) => {
                // Not silenced by -q: the copies are incomplete, and the exit code says so.
                ctx.warn(format!("{region}: {error}"));
                RegionCopy {
                    region: region.clone(),
                    image_id: None,
                    name: None,
                    state: None,
                    error: Some(error.to_string()),
                    dry_run: false,
                }
            }
        };
        progress::set_in_flight(None);
        copies.push(copy);
    }
    if options.wait {
        wait_for_copies(ctx, plan, &mut copies, options.timeout);
    }
    if ctx.output == OutputFormat::Json {
        write_json(ctx.out, &copies)?;
    }
    outcome(&copies)
}

/// Wait for every copy made, in one loop; each copy's end (or why it
/// failed) goes into its report, and each available one is shared
/// (--share-with).
fn wait_for_copies(ctx: &Context, plan: &Plan, copies: &mut [RegionCopy], timeout: std::time::Duration) {
    let waiting: Vec<usize> = (0..copies.len()).filter(|&n| copies[n].image_id.is_some()).collect();
    let images: Vec<(Region, AmiId)> =
        waiting.iter().filter_map(|&n| copies[n].image_id.clone().map(|id| (copies[n].region.clone(), id))).collect();
    let mut states: Vec<String> = vec!["not visible yet".to_string(); images.len()];
    let mut line = StatusLine::stderr(ctx.quiet);
    // Only for the person watching: how far each copy's snapshots are (one
    // DescribeSnapshots a poll a pending copy; never when no one sees it).
    let percent = line.enabled();
    let options = WaitOptions { timeout, ..WaitOptions::until_available() };
    let outcomes = wait_for_all(ctx.aws, &images, &options, &SystemClock::new(), &mut |n, seen, image, elapsed| {
        states[n] = match (seen, image) {
            (Observation::NotFound, _) => "not visible yet".to_string(),
            (Observation::State(ImageState::Pending), Some(image)) if percent => {
                match ctx.aws.snapshots_progress(&images[n].0, &image.usage.snapshots) {
                    Ok(Some(done)) => format!("pending {done}%"),
                    _ => "pending".to_string(),
                }
            }
            (Observation::State(state), _) => state.to_string(),
        };
        let each: Vec<String> =
            images.iter().zip(&states).map(|((region, _), state)| format!("{region} {state}")).collect();
        line.show(&format!("{}  (waiting for available, {})", each.join(" · "), human(elapsed)));
    });
    line.clear();
    for (n, outcome) in waiting.into_iter().zip(outcomes) {
        let copy = &mut copies[n];
        match outcome {
            Ok(image) => {
                ctx.note(format!("{} {} is {}", copy.region, image.id, image.state));
                copy.state = Some(image.state);
                if let Err(error) = plan.share(ctx, &copy.region, &image.id) {
                    ctx.warn(format!("{}: {} is available, but {error}", copy.region, image.id));
                    copy.error = Some(format!("available, but {error}"));
                }
            }
            Err(error) => {
                ctx.warn(format!("{}: {error}", copy.region));
                copy.state = match &error {
                    crate::waiting::WaitError::Unreachable { current, .. } => Some(current.clone()),
                    crate::waiting::WaitError::TimedOut { last, .. } => last.clone(),
                    _ => None,
                };
                copy.error = Some(error.to_string());
            }
        }
    }
}

/// Exit 1 when any region's copy failed, naming them.
fn outcome(copies: &[RegionCopy]) -> Result<()> {
    let failed: Vec<&str> = copies.iter().filter(|c| c.error.is_some()).map(|c| c.region.as_str()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::Failed(format!("{} of {} copies failed: {}", failed.len(), copies.len(), failed.join(", "))))
}
