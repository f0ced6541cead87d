//! `amitools waiton AMI_ID [STATE]`, and the waiting with a status line
//! that `create --wait` and `copy --wait` share.

use super::Context;
use crate::cli::WaitonArgs;
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::image::Image;
use crate::output::{write_json, OutputFormat};
use crate::progress::StatusLine;
use crate::waiting::{human, wait_for, Mode, Observation, SystemClock, Target, WaitError, WaitOptions};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    options: WaitOptions,
}

pub fn prepare(args: WaitonArgs) -> Result<Plan> {
    if args.nowait_exist && args.state == Target::Exists {
        return Err(Error::Usage(
            "--nowait-exist cannot be used with the state 'exists': it would make the wait a single check".into(),
        ));
    }
    let options = WaitOptions {
        target: args.state,
        mode: if args.dumb { Mode::Dumb } else { Mode::Smart },
        timeout: args.timeout,
        interval: args.interval,
        exist_timeout: args.exist_timeout,
        nowait_exist: args.nowait_exist,
    };
    Ok(Plan { image_id: args.image_id, options })
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let region = ctx.region.clone();
        let image = wait_with_progress(ctx, &region, &self.image_id, &self.options)?;
        if ctx.output == OutputFormat::Json {
            write_json(ctx.out, &image)?;
        }
        Ok(())
    }
}

/// Wait, showing `ami-…  pending  1m5s` on a terminal, cleared at the end.
pub fn wait_with_progress(
    ctx: &Context,
    region: &Region,
    id: &AmiId,
    options: &WaitOptions,
) -> Result<Image, WaitError> {
    let mut line = StatusLine::stderr(ctx.quiet);
    let target = options.target.to_string();
    let mut progress = |seen: &Observation, elapsed| {
        let state = match seen {
            Observation::NotFound => "not visible yet".to_string(),
            Observation::State(state) => state.to_string(),
        };
        line.show(&format!("{id}  {state}  (waiting for {target}, {})", human(elapsed)));
    };
    let result = wait_for(ctx.aws, region, id, options, &SystemClock::new(), &mut progress);
    line.clear();
    result
}
