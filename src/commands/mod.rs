//! One module per subcommand, each with the same shape: `prepare` validates
//! the arguments without any I/O (bad input never reaches AWS), then
//! `Plan::execute` makes the domain calls and renders the result.
//!
//! As cargo builds its `GlobalContext` once in main and hands it to every
//! command, `lib::run` prepares the command (`prepare`), resolves
//! credentials, region and the EC2 client once (`connect`), and executes the
//! command with a `Context`. Unit tests execute commands in-process against
//! the in-memory fake, with buffers for stdout and stderr.

mod ancestors;
mod children;
mod copy;
mod copy_regions;
mod create;
mod listing;
mod new_image;
mod picture;
mod prune;
mod revoke;
mod share;
mod staged;
mod tag;
#[cfg(test)]
mod tests;
mod waiton;
mod watermark;

use std::cell::RefCell;
use std::fmt::Display;
use std::io::Write;

use crate::accounts::Member;
use crate::aws::{Aws, ConnectOptions, SdkAws};
use crate::cli::{Command, GlobalArgs};
use crate::credentials;
use crate::error::{Error, Result};
use crate::ids::Region;
use crate::logging;
use crate::output::OutputFormat;

/// What a command runs with once arguments are valid and EC2 is connected.
pub struct Context<'a> {
    /// The AWS handle of the account the credentials belong to: every
    /// question to AWS goes through it. Several accounts later are several
    /// handles (each its own `SdkAws`, with its regions' clients and pacing)
    /// beside this one; commands need not change to keep using it.
    pub aws: &'a dyn Aws,
    /// Your own account's id when other accounts are read (--accounts);
    /// None otherwise.
    pub account: Option<String>,
    /// The other accounts read (--accounts), each with its own AWS handle;
    /// empty without the option. Only the lineage commands use them.
    pub members: Vec<Member>,
    /// The region in use (flag, environment, credential file or profile).
    pub region: Region,
    pub output: OutputFormat,
    /// Data goes here…
    pub out: &'a mut dyn Write,
    /// …notes and warnings here (stderr; a buffer in tests).
    pub err: RefCell<&'a mut dyn Write>,
    pub quiet: bool,
}

impl Context<'_> {
    /// A note for the person at the terminal; silenced by -q.
    pub fn note(&self, message: impl Display) {
        if !self.quiet {
            self.warn(message);
        }
    }

    /// A warning that -q does not silence: what stdout shows is incomplete
    /// (and the exit code says so).
    pub fn warn(&self, message: impl Display) {
        // A closed stderr must not turn into an error of the command itself.
        let _ = writeln!(self.err.borrow_mut(), "amitools: {}", logging::redact(&message.to_string()));
    }
}

/// The regions a command searches: `--regions` (each once, in the order
/// given, however often it was named), every enabled region with
/// `--all-regions`, else the region in use.
#[derive(Debug, Clone)]
pub struct RegionChoice {
    named: Vec<Region>,
    all: bool,
}

impl RegionChoice {
    pub fn new(named: Vec<Region>, all: bool) -> RegionChoice {
        let mut distinct: Vec<Region> = Vec::new();
        for region in named {
            if !distinct.contains(&region) {
                distinct.push(region);
            }
        }
        RegionChoice { named: distinct, all }
    }

    pub fn is_all(&self) -> bool {
        self.all
    }

    /// The regions, asking EC2 only for `--all-regions`.
    pub fn resolve(&self, ctx: &Context) -> Result<Vec<Region>> {
        if self.all {
            // Each region once, whatever EC2's answer says.
            let mut regions = ctx.aws.regions(false)?;
            regions.sort();
            regions.dedup();
            Ok(regions)
        } else if self.named.is_empty() {
            Ok(vec![ctx.region.clone()])
        } else {
            Ok(self.named.clone())
        }
    }
}

/// A command whose arguments are valid: made without any I/O.
pub enum Plan {
    Create(create::Plan),
    Tag(tag::Plan),
    Waiton(waiton::Plan),
    Ancestors(ancestors::Plan),
    Children(children::Plan),
    Copy(copy::Plan),
    Prune(prune::Plan),
    Share(share::Plan),
    Revoke(revoke::Plan),
    Watermark(watermark::Plan),
}

/// Check the command's arguments (and files it reads, such as a prune plan); no AWS call.
pub fn prepare(command: Command) -> Result<Plan> {
    Ok(match command {
        Command::Create(args) => Plan::Create(create::prepare(args)?),
        Command::Tag(args) => Plan::Tag(tag::prepare(args)?),
        Command::Waiton(args) => Plan::Waiton(waiton::prepare(args)?),
        Command::Ancestors(args) => Plan::Ancestors(ancestors::prepare(args)?),
        Command::Children(args) => Plan::Children(children::prepare(args)?),
        Command::Copy(args) => {
            Plan::Copy(copy::prepare(args.image_id, args.source_region, args.dest_region, args.copy)?)
        }
        Command::Clone(args) => Plan::Copy(copy::prepare(args.image_id, None, Vec::new(), args.copy)?),
        Command::Prune(args) => Plan::Prune(prune::prepare(args)?),
        Command::Share(args) => Plan::Share(share::prepare_share(args)?),
        Command::Unshare(args) => Plan::Share(share::prepare_unshare(args)?),
        Command::Revoke(args) => Plan::Revoke(revoke::prepare_revoke(args)?),
        Command::Restore(args) => Plan::Revoke(revoke::prepare_restore(args)?),
        Command::Watermark(args) => Plan::Watermark(watermark::prepare(args)?),
    })
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        match self {
            Plan::Create(plan) => plan.execute(ctx),
            Plan::Tag(plan) => plan.execute(ctx),
            Plan::Waiton(plan) => plan.execute(ctx),
            Plan::Ancestors(plan) => plan.execute(ctx),
            Plan::Children(plan) => plan.execute(ctx),
            Plan::Copy(plan) => plan.execute(ctx),
            Plan::Prune(plan) => plan.execute(ctx),
            Plan::Share(plan) => plan.execute(ctx),
            Plan::Revoke(plan) => plan.execute(ctx),
            Plan::Watermark(plan) => plan.execute(ctx),
        }
    }
}

/// Resolve credentials, region and endpoints from the flags, the environment
/// and the AWS files (checked first: bad input is exit 2 before any call),
/// and build the EC2 client every command uses. Returns it with the region in use.
pub fn connect(global: &GlobalArgs) -> Result<(SdkAws, Region)> {
    credentials::check_environment_is_text(|name| std::env::var_os(name))?;
    let env = |name: &str| std::env::var(name).ok();
    let auth = credentials::resolve(global.region.as_ref(), global.profile.as_deref(), env)?;
    credentials::check_profile_files(env)?;
    if let Some(creds) = &auth.credentials {
        logging::add_secrets(creds.secrets());
    }
    forget_empty_endpoint_variables();
    let (endpoint_url, endpoint_for_all_services) = match &global.endpoint_url {
        Some(url) => (Some(url.clone()), true),
        None => match endpoint_url_from_environment()? {
            Some((url, all)) => (Some(url), all),
            None => (None, false),
        },
    };
    Ok(SdkAws::connect(ConnectOptions {
        auth,
        endpoint_url: endpoint_url.as_deref(),
        endpoint_for_all_services,
        region_endpoints: global.region_endpoints.clone(),
    })?)
}

/// The accounts read besides your own (--accounts, --role).
pub struct Accounts {
    /// Your own account's id, when other accounts are asked for.
    pub own: Option<String>,
    pub members: Vec<Member>,
    /// Accounts (or profiles) that could not be read — `account 222222222222`,
    /// `profile 'workload'` — and why.
    pub skipped: Vec<(String, String)>,
}

/// -o dot and -o mermaid draw a lineage: ancestors, children and the plan
/// of revoke and restore have one.
pub fn check_output_applies(plan: &Plan, output: OutputFormat) -> Result<()> {
    if !output.is_picture() || matches!(plan, Plan::Ancestors(_) | Plan::Children(_) | Plan::Revoke(_)) {
        return Ok(());
    }
    Err(Error::Usage(
        "-o dot and -o mermaid are for ancestors, children, revoke and restore; use -o table or -o json here".into(),
    ))
}

/// --accounts is for the commands that read lineage across accounts; the
/// others would silently act in your own account only. Bad input: exit 2,
/// no call to AWS.
pub fn check_accounts_apply(plan: &Plan, global: &GlobalArgs) -> Result<()> {
    if global.role.is_some() && global.accounts.is_empty() && !global.organization {
        return Err(Error::Usage(
            "--role needs --accounts ID[,ID…] or --organization: the accounts to assume it in".into(),
        ));
    }
    match plan {
        _ if global.accounts.is_empty() && global.profiles.is_empty() && !global.organization => Ok(()),
        Plan::Ancestors(_) | Plan::Children(_) | Plan::Revoke(_) => Ok(()),
        Plan::Prune(prune) if prune.includes_shared() => Ok(()),
        Plan::Prune(_) => Err(Error::Usage(
            "prune uses --accounts only with --include-shared (to ask those accounts what uses your shared images)".into(),
        )),
        _ => Err(Error::Usage(
            "--accounts and --role are used by children, ancestors, revoke, restore and prune --include-shared only; this command acts in your own account"
                .into(),
        )),
    }
}

/// Assume --role in each of --accounts (your own account is always read,
/// with your own credentials). A role that cannot be assumed skips its
/// account (named later, exit 1); not knowing who you are is an error.
pub fn connect_accounts(aws: &SdkAws, region: &Region, global: &GlobalArgs) -> Result<Accounts> {
    if global.accounts.is_empty() && global.profiles.is_empty() && !global.organization {
        return Ok(Accounts { own: None, members: Vec::new(), skipped: Vec::new() });
    }
    let (own, partition) = aws.caller_identity()?;
    let mut members: Vec<Member> = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();
    let mut accounts = global.accounts.clone();
    if global.organization {
        // Not knowing the organization's accounts is an error: the answer would be silently partial.
        let listed = aws.organization_accounts().map_err(|e| {
            Error::Failed(format!(
                "--organization: the organization's accounts could not be listed ({e}); ask from the management account or a delegated administrator, or name them with --accounts"
            ))
        })?;
        for (account, state) in listed {
            if state == "ACTIVE" {
                accounts.push(account);
            } else {
                log::info!("--organization: account {account} is {state}, not read");
            }
        }
    }
    if let Some(role) = &global.role {
        for account in &accounts {
            let label = format!("account {account}");
            let seen = account == &own
                || members.iter().any(|m| &m.account == account)
                || skipped.iter().any(|(l, _)| l == &label);
            if seen {
                continue;
            }
            match aws.assume_role(account, role, &partition) {
                Ok(handle) => members.push(Member { account: account.clone(), aws: Box::new(handle) }),
                Err(error) => skipped.push((label, error.to_string())),
            }
        }
    }
    for profile in &global.profiles {
        match connect_profile(global, region, profile) {
            // Your own account (or one already read) is read once.
            Ok((account, _)) if account == own || members.iter().any(|m| m.account == account) => {
                log::info!("profile '{profile}' is account {account}, already read");
            }
            Ok((account, handle)) => members.push(Member { account, aws: Box::new(handle) }),
            Err(error) => skipped.push((format!("profile '{}'", crate::output::shown(profile)), error.to_string())),
        }
    }
    Ok(Accounts { own: Some(own), members, skipped })
}

/// One --profiles account: its own credentials, in the region in use, and who it is.
fn connect_profile(global: &GlobalArgs, region: &Region, profile: &str) -> Result<(String, SdkAws)> {
    let env = |name: &str| std::env::var(name).ok();
    let auth = credentials::resolve(Some(region), Some(profile), env)?;
    if let Some(creds) = &auth.credentials {
        logging::add_secrets(creds.secrets());
    }
    let (endpoint_url, endpoint_for_all_services) = match &global.endpoint_url {
        Some(url) => (Some(url.clone()), true),
        None => match endpoint_url_from_environment()? {
            Some((url, all)) => (Some(url), all),
            None => (None, false),
        },
    };
    let (handle, _) = SdkAws::connect(ConnectOptions {
        auth,
        endpoint_url: endpoint_url.as_deref(),
        endpoint_for_all_services,
        region_endpoints: global.region_endpoints.clone(),
    })?;
    let (account, _) = handle.caller_identity()?;
    let handle = handle.for_account(&account);
    Ok((account, handle))
}

/// The command succeeded; accounts skipped make its answer incomplete (exit 1).
pub fn accounts_outcome(skipped: &[(String, String)]) -> Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = skipped.iter().map(|(label, _)| label.strip_prefix("account ").unwrap_or(label)).collect();
    Err(Error::Failed(format!(
        "{} account(s) could not be read, the answer may be incomplete: {}",
        names.len(),
        names.join(", ")
    )))
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
