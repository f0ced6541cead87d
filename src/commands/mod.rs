//! One module per subcommand, each with the same shape: `prepare` validates
//! the arguments without any I/O (bad input never reaches AWS), then
//! `Plan::execute` makes the domain calls and renders the result.

mod ancestors;
mod children;
mod copy;
mod create;
mod listing;
mod new_image;
mod prune;
mod tag;
mod waiton;

use std::fmt::Display;
use std::io::Write;

use crate::cli::{Cli, Command};
use crate::credentials;
use crate::ec2::{ConnectOptions, Ec2, SdkEc2};
use crate::error::{Error, Result};
use crate::ids::Region;
use crate::logging;
use crate::output::OutputFormat;

/// What a command runs with once arguments are valid and EC2 is connected.
pub struct Context<'a> {
    pub ec2: &'a dyn Ec2,
    /// The region in use (flag, environment, credential file or profile).
    pub region: Region,
    pub output: OutputFormat,
    /// Data goes here; diagnostics go to stderr.
    pub out: &'a mut dyn Write,
    pub quiet: bool,
}

impl Context<'_> {
    /// A note for the person at the terminal, on stderr; silenced by -q.
    pub fn note(&self, message: impl Display) {
        if !self.quiet {
            eprintln!("amitools: {}", logging::redact(&message.to_string()));
        }
    }
}

enum Plan {
    Create(create::Plan),
    Tag(tag::Plan),
    Waiton(waiton::Plan),
    Ancestors(ancestors::Plan),
    Children(children::Plan),
    Copy(copy::Plan),
    Prune(prune::Plan),
}

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    let global = cli.global;
    let plan = match cli.command {
        Command::Create(args) => Plan::Create(create::prepare(args)?),
        Command::Tag(args) => Plan::Tag(tag::prepare(args)?),
        Command::Waiton(args) => Plan::Waiton(waiton::prepare(args)?),
        Command::Ancestors(args) => Plan::Ancestors(ancestors::prepare(args)?),
        Command::Children(args) => Plan::Children(children::prepare(args)?),
        Command::Copy(args) => {
            Plan::Copy(copy::prepare(args.image_id, args.source_region, args.dest_region, args.copy)?)
        }
        Command::Clone(args) => Plan::Copy(copy::prepare(args.image_id, None, None, args.copy)?),
        Command::Prune(args) => Plan::Prune(prune::prepare(args)?),
    };
    credentials::check_environment_is_text(|name| std::env::var_os(name))?;
    let env = |name: &str| std::env::var(name).ok();
    let auth = credentials::resolve(global.region.as_ref(), global.profile.as_deref(), env)?;
    credentials::check_profile_files(env)?;
    if let Some(creds) = &auth.credentials {
        logging::add_secrets(creds.secrets());
    }
    forget_empty_endpoint_variables();
    let (endpoint_url, endpoint_for_all_services) = match global.endpoint_url {
        Some(url) => (Some(url), true),
        None => match endpoint_url_from_environment()? {
            Some((url, all)) => (Some(url), all),
            None => (None, false),
        },
    };
    let (ec2, region) = SdkEc2::connect(ConnectOptions {
        auth,
        endpoint_url: endpoint_url.as_deref(),
        endpoint_for_all_services,
        region_endpoints: global.region_endpoints,
    })?;
    let mut ctx = Context { ec2: &ec2, region, output: global.output, out, quiet: global.quiet };
    match plan {
        Plan::Create(plan) => plan.execute(&mut ctx),
        Plan::Tag(plan) => plan.execute(&mut ctx),
        Plan::Waiton(plan) => plan.execute(&mut ctx),
        Plan::Ancestors(plan) => plan.execute(&mut ctx),
        Plan::Children(plan) => plan.execute(&mut ctx),
        Plan::Copy(plan) => plan.execute(&mut ctx),
        Plan::Prune(plan) => plan.execute(&mut ctx),
    }
}

/// An empty AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) means "not
/// set" to a shell user (`export AWS_ENDPOINT_URL=`), but the SDK takes it as
/// an endpoint and panics resolving it ("URL was unset"). Unset such variables
/// before the SDK reads the environment; amitools is still single-threaded here.
fn forget_empty_endpoint_variables() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(name, value)| value.is_empty() && name.to_string_lossy().starts_with("AWS_ENDPOINT_URL"))
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        std::env::remove_var(name);
    }
}

/// The AWS SDKs' endpoint variables, the service-specific one first; checked
/// like --endpoint-url (a malformed URL is bad input, exit 2). With it, whether
/// the URL serves every service (AWS_ENDPOINT_URL) or EC2 alone
/// (AWS_ENDPOINT_URL_EC2: Auto Scaling and STS then go where the SDK sends
/// them). Without either, the SDK still honours a profile's `services` configuration.
fn endpoint_url_from_environment() -> Result<Option<(String, bool)>> {
    for (name, all_services) in [("AWS_ENDPOINT_URL_EC2", false), ("AWS_ENDPOINT_URL", true)] {
        if let Some(value) = std::env::var(name).ok().filter(|v| !v.is_empty()) {
            return crate::cli::parse_endpoint_url(&value)
                .map(|url| Some((url, all_services)))
                .map_err(|e| Error::Usage(format!("{name}: {e}")));
        }
    }
    Ok(None)
}
