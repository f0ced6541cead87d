//! `amitools watermark AMI NAME [--remove]`: attach an AMI watermark to an
//! image of yours (EC2 copies it to every image made from it later), or
//! detach one. The name is checked before any call.

use serde::Serialize;

use super::Context;
use crate::cli::{check_watermark_name, WatermarkArgs};
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::output::{write_json, OutputFormat};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    /// A name, or with --remove a whole key (`ACCOUNT:NAME`).
    name: String,
    remove: bool,
}

pub fn prepare(args: WatermarkArgs) -> Result<Plan> {
    // With --remove a key (ACCOUNT:NAME) may be given: another account's
    // watermark can be on your image (copied from its image).
    let name = match (args.remove, args.name.split_once(':')) {
        (true, Some((account, name))) => {
            crate::cli::parse_account_id(account).map_err(Error::Usage)?;
            name
        }
        _ => args.name.as_str(),
    };
    check_watermark_name(name).map_err(Error::Usage)?;
    Ok(Plan { image_id: args.image_id, name: args.name, remove: args.remove })
}

#[derive(Serialize)]
struct Report<'a> {
    image_id: &'a AmiId,
    region: &'a Region,
    watermark_key: &'a str,
    removed: bool,
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let region = ctx.region.clone();
        let key = if self.remove {
            let key = match self.name.contains(':') {
                true => self.name.clone(),
                false => format!("{}:{}", ctx.aws.account_id()?, self.name),
            };
            ctx.aws.detach_watermark(&region, &self.image_id, &key)?;
            key
        } else {
            ctx.aws.attach_watermark(&region, &self.image_id, &self.name)?
        };
        match ctx.output {
            OutputFormat::Json => write_json(
                ctx.out,
                &Report { image_id: &self.image_id, region: &region, watermark_key: &key, removed: self.remove },
            )?,
            _ => writeln!(ctx.out, "{}", crate::output::escape_untrusted(&key))?,
        }
        Ok(())
    }
}
