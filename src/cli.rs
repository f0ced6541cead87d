//! The command line, as clap derive definitions. These also generate the
//! shell completions and man pages, so help text written here is seen in
//! `--help`, `man amitools-…` and the completion menus alike.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ids::{AmiId, InstanceId, Region};
use crate::output::OutputFormat;

const MAIN_EXAMPLES: &str = "\
Examples:
  AMI=$(amitools create i-0123456789abcdef0) && amitools waiton \"$AMI\"
  amitools ancestors ami-0123456789abcdef0
  amitools children --all-regions ami-0123456789abcdef0
  amitools tag ami-0123456789abcdef0 --from-api
  amitools copy -R eu-west-1 --wait ami-0123456789abcdef0
  amitools prune -N web --keep 5              # the plan; --apply deletes

Credentials: --profile's alone when given; else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
the file named by AWS_CREDENTIAL_FILE, the AWS profile chain (SSO, ..., instance role).
Region: -r/--region, AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile,
instance metadata.";

fn main_after_help() -> String {
    format!("{MAIN_EXAMPLES}\n\n{}", crate::error::exit_codes_help(false))
}

fn waiton_after_help() -> String {
    format!(
        "Examples:
  amitools waiton ami-0123456789abcdef0
  amitools waiton --timeout 2h ami-0123456789abcdef0 available
  amitools waiton --nowait-exist ami-0123456789abcdef0 exists

{}",
        crate::error::exit_codes_help(true)
    )
}

/// Create, copy, tag, wait on and clean up AWS machine images, and walk their lineage.
#[derive(Debug, Parser)]
#[command(
    name = "amitools",
    version,
    about,
    long_about = "Create, copy, tag, wait on and clean up AWS machine images (AMIs), and answer \
                  what plain `aws ec2` cannot: which image was made from which, back to the root \
                  and forward to every descendant, when, from what instance, in what state each is \
                  now, and which may go without breaking what runs.",
    after_help = main_after_help(),
    subcommand_required = true,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts, before or after its name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]
    #[arg(short = 'r', long, global = true, value_name = "REGION", display_order = 101)]
    pub region: Option<Region>,

    /// Named profile from the AWS config and credentials files
    #[arg(long, global = true, value_name = "NAME", display_order = 102)]
    pub profile: Option<String>,

    /// Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]
    #[arg(long, global = true, value_name = "URL", value_parser = parse_endpoint_url, display_order = 103)]
    pub endpoint_url: Option<String>,

    /// Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region
    #[arg(long = "region-endpoint", global = true, value_name = "REGION=URL", value_parser = parse_region_endpoint, display_order = 103)]
    pub region_endpoints: Vec<(Region, String)>,

    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Table, display_order = 104)]
    pub output: OutputFormat,

    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count, display_order = 105)]
    pub verbose: u8,

    /// Only errors on stderr: no notes, no progress
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose", display_order = 106)]
    pub quiet: bool,

    /// Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]
    #[arg(long, global = true, value_name = "ID,…", value_delimiter = ',', value_parser = parse_account_id,
          requires = "role", display_order = 107)]
    pub accounts: Vec<String>,

    /// The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_role_name, display_order = 108)]
    pub role: Option<String>,

    /// With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts
    #[arg(long, global = true, requires = "role", conflicts_with_all = ["accounts", "profiles"], display_order = 107)]
    pub organization: bool,

    /// Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)
    #[arg(long, global = true, value_name = "NAME,…", value_delimiter = ',', conflicts_with = "accounts",
          value_parser = parse_profile_name, display_order = 109)]
    pub profiles: Vec<String>,
}

/// A profile name as the AWS config files can hold it: printable, no
/// whitespace or brackets (which would end a `[profile …]` header).
pub fn parse_profile_name(value: &str) -> Result<String, String> {
    let fine = !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '[' | ']' | '#' | ';'));
    if fine {
        Ok(value.to_string())
    } else {
        Err(format!("'{}' is not a profile name", crate::output::shown(value)))
    }
}

/// An AWS account id: exactly 12 digits.
pub fn parse_account_id(value: &str) -> Result<String, String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err(format!("'{}' is not an AWS account id (12 digits)", crate::output::shown(value)))
    }
}

/// An IAM role name, with its path if it has one (`deploy/amitools-read`):
/// IAM's characters (letters, digits, `+=,.@_-`), at most 64 in the name.
pub fn parse_role_name(value: &str) -> Result<String, String> {
    let bad = |why: &str| format!("'{}' is not an IAM role name: {why}", crate::output::shown(value));
    if value.starts_with("arn:") {
        return Err(bad("give the role's name (the part after role/), not its ARN"));
    }
    let name = value.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.len() > 64 || value.starts_with('/') || value.len() > 512 {
        return Err(bad("1 to 64 characters, with an optional path before a '/'"));
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b)) || value.contains("//") {
        return Err(bad("only letters, digits and + = , . @ _ - are allowed"));
    }
    Ok(value.to_string())
}

/// `http(s)://host[:port][/path]`: refuse anything else before the SDK sees it
/// (a malformed URL is bad input, exit 2, not a network failure).
/// `REGION=URL` for --region-endpoint.
fn parse_region_endpoint(value: &str) -> Result<(Region, String), String> {
    let (region, url) =
        value.split_once('=').ok_or_else(|| format!("'{}': expected REGION=URL", crate::output::shown(value)))?;
    let region: Region = region.parse().map_err(|e: crate::ids::InvalidId| e.to_string())?;
    Ok((region, parse_endpoint_url(url)?))
}

pub fn parse_endpoint_url(value: &str) -> Result<String, String> {
    // The value is shown without its user-info: it may hold a password.
    let shown_value = crate::output::shown(&without_user_info(value));
    let bad = |why: &str| format!("'{shown_value}' is not an http:// or https:// URL: {why}");
    let url = url::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "'{shown_value}' holds a user name or password, which amitools never sends to an endpoint; remove it (AWS requests are signed with your AWS credentials)"
        ));
    }
    Ok(value.to_string())
}

/// `text` with the user-info of every URL in it (`https://user:secret@host`)
/// replaced by `***`, for messages: clap and amitools echo bad values.
pub fn without_user_info(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', ' ', '\'', '"']).unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(user_end) => {
                out.push_str("***");
                rest = &tail[user_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Create(CreateArgs),
    Tag(TagArgs),
    Waiton(WaitonArgs),
    Ancestors(AncestorsArgs),
    Children(ChildrenArgs),
    Copy(CopyArgs),
    Clone(CloneArgs),
    Prune(PruneArgs),
    Share(ShareArgs),
    Unshare(UnshareArgs),
    Revoke(RevokeArgs),
    Restore(RestoreArgs),
    Watermark(WatermarkArgs),
}

/// Attach an AMI watermark to an image of yours (or remove one).
///
/// EC2 copies a watermark to every image later made from the image by
/// CreateImage and CopyImage, so that `amitools children` finds a whole
/// lineage in one query a region. The key is ACCOUNT:NAME (your account).
/// Watermarks cannot be attached to public images; removing one affects this
/// image only (the images made from it keep theirs). Prints the key.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools watermark ami-0123456789abcdef0 approved-base
  amitools watermark --remove ami-0123456789abcdef0 approved-base
  amitools watermark --remove ami-0123456789abcdef0 123456789012:approved-base

Permissions: ec2:AttachImageWatermark (ec2:DetachImageWatermark with --remove),
sts:GetCallerIdentity with --remove NAME.")]
pub struct WatermarkArgs {
    /// The image (yours, in the region in use)
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    /// The watermark's name: 3-128 letters, digits, spaces and ( ) [ ] . / - ' @ _; with --remove also a whole key ACCOUNT:NAME
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Detach the watermark instead
    #[arg(long)]
    pub remove: bool,
}

/// A watermark name as EC2 takes it (3-128 of its characters).
pub fn check_watermark_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ()[]./-'@_".contains(c);
    let count = name.chars().count();
    if (3..=128).contains(&count) && name.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not a watermark name: 3 to 128 letters, digits, spaces and ( ) [ ] . / - ' @ _",
            crate::output::shown(name)
        ))
    }
}

/// Options shared by the commands that make an image (create, copy, clone).
#[derive(Debug, Args)]
pub struct NewImageArgs {
    /// Name for the new image [default: PREFIX-<unix seconds>-<random number>]
    #[arg(short = 'n', long, value_name = "NAME", conflicts_with = "random_name_prefix")]
    pub name: Option<String>,

    /// Prefix for the generated name
    #[arg(short = 'N', long, value_name = "PREFIX", default_value = crate::naming::DEFAULT_PREFIX)]
    pub random_name_prefix: String,

    /// Description for the new image
    #[arg(short = 'd', long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden
    #[arg(short = 't', long = "tag", value_name = "KEY=VALUE", value_parser = crate::lineage::parse_tag)]
    pub tags: Vec<(String, String)>,

    /// Wait until the image is available (as `amitools waiton`); the id is printed first
    #[arg(long)]
    pub wait: bool,

    /// With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours
    #[arg(long, value_name = "DURATION", default_value = "1h", requires = "wait", value_parser = crate::waiting::parse_duration, allow_hyphen_values = true)]
    pub timeout: std::time::Duration,

    /// Ask EC2 whether the request would succeed (permissions, parameters); create nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Create an image from an instance, named and tagged with its lineage.
///
/// Like `aws ec2 create-image`, but the image gets a unique generated name and
/// the five lineage tags (source_image, source_instance, source_region,
/// create_date, create_timestamp) in the CreateImage call itself, on the image
/// and its snapshots, so no image ever exists without its lineage.
///
/// Prints the new image id alone on a line, so `AMI=$(amitools create i-…)` works.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools create i-0123456789abcdef0
  amitools create -N web -d 'nightly web build' -t team=web i-0123456789abcdef0
  AMI=$(amitools create --no-reboot i-0123456789abcdef0) && amitools waiton \"$AMI\"
  amitools create --dry-run i-0123456789abcdef0")]
pub struct CreateArgs {
    /// The instance to make the image from
    #[arg(value_name = "INSTANCE_ID")]
    pub instance_id: InstanceId,

    #[command(flatten)]
    pub new_image: NewImageArgs,

    /// Do not shut the instance down first (the file system may be inconsistent)
    #[arg(long)]
    pub no_reboot: bool,

    /// Attach this AMI watermark to the new image (as `amitools watermark`), so that every image made from it carries it
    #[arg(long, value_name = "NAME", conflicts_with = "dry_run")]
    pub watermark: Option<String>,
}

/// Set the lineage tags on an image made some other way.
///
/// For images from before amitools, or from another pipeline. Every value is
/// validated before any call; exactly one of --create-date and
/// --create-timestamp is given and the other is computed. With --from-api,
/// values not given are filled from what EC2 recorded for the image.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools tag ami-0123456789abcdef0 --from-api
  amitools tag ami-0123456789abcdef0 --source-image ami-12345678 \\
      --source-instance i-12345678 --source-region us-east-1 --create-date 20130417T181825Z
  amitools tag ami-0123456789abcdef0 --from-api --create-timestamp 1366222705 --dry-run")]
pub struct TagArgs {
    /// The image to tag
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    /// The AMI the image was made from
    #[arg(long, value_name = "AMI_ID")]
    pub source_image: Option<AmiId>,

    /// The instance the image was made from (optional: an image made by CopyImage, RegisterImage or an import has none)
    #[arg(long, value_name = "INSTANCE_ID")]
    pub source_instance: Option<InstanceId>,

    /// The region of the source AMI
    #[arg(long, value_name = "REGION")]
    pub source_region: Option<Region>,

    /// When the image was made, UTC: YYYYMMDDTHHMMSSZ
    #[arg(long, value_name = "DATE", value_parser = crate::lineage::CreateTime::parse_date, conflicts_with = "create_timestamp")]
    pub create_date: Option<crate::lineage::CreateTime>,

    /// When the image was made, in seconds since 1970-01-01 UTC
    #[arg(long, value_name = "SECONDS", value_parser = crate::lineage::CreateTime::parse_timestamp, allow_hyphen_values = true)]
    pub create_timestamp: Option<crate::lineage::CreateTime>,

    /// Fill values not given from what EC2 recorded (SourceImageId, SourceImageRegion,
    /// SourceInstanceId, CreationDate)
    #[arg(long)]
    pub from_api: bool,

    /// Show what would be set; set nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Wait for an image to reach a state.
///
/// Smart by default: stops at once (exit 3) when the image is in a state from
/// which the target can never be reached, e.g. waiting for `available` while
/// it is `failed`. Right after CreateImage EC2 may not show the image yet;
/// "not found" counts as "not visible yet" for --exist-timeout.
///
/// STATE: available (default), pending, failed, exists (visible in any state),
/// invalid, deregistered, transient, error, disabled.
#[derive(Debug, Args)]
#[command(after_help = waiton_after_help())]
pub struct WaitonArgs {
    /// The image to wait on
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    /// The state to wait for
    #[arg(value_name = "STATE", default_value = "available", hide_possible_values = true,
          value_parser = state_parser())]
    pub state: crate::waiting::Target,

    /// Wait strictly for STATE until the timeout, even when it can never be reached
    #[arg(long)]
    pub dumb: bool,

    /// An image not visible at the first check is "not found" (exit 5) at once
    #[arg(long)]
    pub nowait_exist: bool,

    /// Give up after this long (90s, 15m, 1h, 1h30m or seconds)
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::waiting::parse_duration, allow_hyphen_values = true)]
    pub timeout: std::time::Duration,

    /// Longest pause between two checks (at least 1s)
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = crate::waiting::parse_duration, allow_hyphen_values = true)]
    pub interval: std::time::Duration,

    /// How long "not found" means "not visible yet", within --timeout
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::waiting::parse_duration, allow_hyphen_values = true)]
    pub exist_timeout: std::time::Duration,
}

/// Options shared by `copy` and `clone`.
#[derive(Debug, Args)]
pub struct CopyOptions {
    #[command(flatten)]
    pub new_image: NewImageArgs,

    /// Encrypt the copy's snapshots (with the account's default EBS key unless --kms-key-id)
    #[arg(long)]
    pub encrypted: bool,

    /// KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN
    #[arg(long, value_name = "KEY", requires = "encrypted")]
    pub kms_key_id: Option<String>,

    /// Do not copy the source's own tags (the lineage tags are always set)
    #[arg(long)]
    pub no_copy_tags: bool,

    /// Once available (--wait), share each copy as `share --with` does: an account id, organization ARN or OU ARN (repeatable, or comma-separated)
    #[arg(long = "share-with", value_name = "WHO", value_parser = crate::sharing::parse_grantees, requires = "wait")]
    pub share_with: Vec<Vec<crate::image::Grantee>>,
}

/// Copy an image to another region (or the same one), keeping its lineage.
///
/// Like `aws ec2 copy-image`, with amitools' naming and lineage tags: the copy
/// records the source image and its region as its parent, the source's
/// source_instance, and the time of the copy, set in the CopyImage call
/// itself. The source's other tags come along unless --no-copy-tags.
///
/// Prints the new image id (it lives in the destination region). With several
/// destinations (-R a,b,c), one `REGION ID` line per copy as each is made; a
/// region that fails does not stop the others (exit 1 if any failed).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools copy -R eu-west-1 ami-0123456789abcdef0
  amitools copy -R us-west-2,eu-west-1,ap-southeast-2 --wait ami-0123456789abcdef0
  amitools copy --source-region us-east-1 -R us-west-2 --encrypted --wait ami-0123456789abcdef0
  AMI=$(amitools copy -R eu-west-1 -N web ami-0123456789abcdef0)")]
pub struct CopyArgs {
    /// The image to copy
    #[arg(value_name = "SOURCE_AMI")]
    pub image_id: AmiId,

    /// The region the source image is in [default: the current region]
    #[arg(long, value_name = "REGION")]
    pub source_region: Option<Region>,

    /// The region(s) to copy to: repeatable or comma-separated, one copy each, made and waited on concurrently [default: the current region]
    #[arg(short = 'R', long, value_name = "REGION", value_delimiter = ',')]
    pub dest_region: Vec<Region>,

    #[command(flatten)]
    pub copy: CopyOptions,
}

/// Make your own copy of an image, in the same region, keeping its lineage.
///
/// A copy with a new id that you own: insurance against a third party
/// withdrawing the image. `amitools copy` with source and destination region
/// both the current region.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools clone ami-0123456789abcdef0
  amitools clone -n 'ubuntu base (ours)' --wait ami-0123456789abcdef0")]
pub struct CloneArgs {
    /// The image to clone
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    #[command(flatten)]
    pub copy: CopyOptions,
}

/// Whom `share` and `unshare` change, and how carefully.
#[derive(Debug, Args)]
pub struct SharingArgs {
    /// The image (in the region in use)
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    /// An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)
    #[arg(short = 'w', long = "with", value_name = "WHO", value_parser = crate::sharing::parse_grantees)]
    pub with: Vec<Vec<crate::image::Grantee>>,

    /// Everyone: the image and its snapshots public (refused for encrypted snapshots and under image block public access)
    #[arg(long)]
    pub public: bool,

    /// Also the image's copies (made by CopyImage from it or from a copy of it), found as `children` finds them
    #[arg(long)]
    pub copies: bool,

    /// With --copies: the regions searched for copies [default: the current region]
    #[arg(long, value_name = "REGIONS", value_delimiter = ',', conflicts_with = "all_regions", requires = "copies")]
    pub regions: Vec<Region>,

    /// With --copies: every region enabled for the account
    #[arg(long, requires = "copies")]
    pub all_regions: bool,

    /// Show every change (and what is already so); change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// The images revoke and restore act on.
#[derive(Debug, Args)]
pub struct Selection {
    /// The images (in the region in use)
    #[arg(value_name = "AMI_ID", required = true)]
    pub image_ids: Vec<AmiId>,

    /// Each image and every image made from it, found as `children` finds them
    #[arg(long)]
    pub descendants: bool,

    /// With --descendants: the regions searched [default: the current region]
    #[arg(
        long,
        value_name = "REGIONS",
        value_delimiter = ',',
        conflicts_with = "all_regions",
        requires = "descendants"
    )]
    pub regions: Vec<Region>,

    /// With --descendants: every region enabled for the account
    #[arg(long, requires = "descendants")]
    pub all_regions: bool,

    /// Carry the plan out (without it, nothing is changed)
    #[arg(long)]
    pub apply: bool,

    /// Leave out the header line
    #[arg(long)]
    pub no_header: bool,
}

/// Revoke images: stop new launches of an image and of everything made from it.
///
/// First a plan (nothing changed): each image with its state, region, what
/// uses it in this account (instances, launch templates, launch configurations,
/// SSM parameters, recipes) and whether it is shared or public, then a summary.
/// With --apply each of your images is deprecated (hidden from other accounts'
/// listings; launches keep working) or, with --disable, disabled (nothing can
/// launch it; EC2 removes its sharing), and tagged amitools:revoked with the
/// date, what was done and --reason, so that `amitools restore` undoes exactly
/// that. One image failing does not stop the others.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools revoke --descendants --all-regions ami-0123456789abcdef0
  amitools revoke --descendants --all-regions --reason 'CVE-2026-1234' --apply ami-0123456789abcdef0
  amitools revoke --disable --apply ami-0123456789abcdef0 ami-0fedcba9876543210
  amitools -o dot revoke --descendants --all-regions ami-0123456789abcdef0 | dot -Tsvg > plan.svg

Permissions: ec2:DescribeImages, ec2:DescribeImageReferences, ec2:DescribeInstances,
ec2:DescribeImageAttribute, autoscaling:DescribeLaunchConfigurations, sts:GetCallerIdentity,
ec2:DescribeRegions (--all-regions); to change, ec2:EnableImageDeprecation (or ec2:DisableImage)
and ec2:CreateTags.")]
pub struct RevokeArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Disable instead of deprecate: every use shown stops launching
    #[arg(long)]
    pub disable: bool,

    /// Why, recorded in the amitools:revoked tag (at most 223 characters)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

/// Undo a revoke: exactly what `amitools revoke` did to each image.
///
/// For each image tagged amitools:revoked by revoke: its deprecation is
/// cancelled (DisableImageDeprecation) or it is enabled again (EnableImage),
/// as the tag records, and the tag removed. An image that was deprecated
/// before revoke stays deprecated; images revoke did not tag are listed and
/// left alone. EC2 does not give a disabled image its sharing back. First a
/// plan; --apply carries it out.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools restore --descendants --all-regions ami-0123456789abcdef0
  amitools restore --descendants --all-regions --apply ami-0123456789abcdef0

Permissions: as revoke's to read (the plan shows the same uses); to change,
ec2:DisableImageDeprecation, ec2:EnableImage and ec2:DeleteTags.")]
pub struct RestoreArgs {
    #[command(flatten)]
    pub selection: Selection,
}

/// Share an image with other accounts so that they can launch and copy it.
///
/// Grants the launch permission to each account, organization and
/// organizational unit named, and to each account also the create-volume
/// permission on every snapshot of the image: sharing an image alone does not
/// share its snapshots, and without them the other account can launch it but
/// not copy it. The snapshots are changed first, the image last. Already
/// granted is said, not an error. EC2 grants snapshot permissions to accounts
/// only: an organization's accounts can launch the image but not copy it.
/// Snapshots encrypted with the AWS managed key (aws/ebs) cannot be shared at
/// all (KMS tells it; refused before any change): copy the image with a
/// customer managed key and share the copy. With a customer managed key, the other
/// accounts also need permissions on the key. --show tells who may launch the
/// image and create volumes from each snapshot.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools share ami-0123456789abcdef0 --with 210987654321
  amitools share ami-0123456789abcdef0 --with 210987654321,333344445555 --dry-run
  amitools share ami-0123456789abcdef0 --with arn:aws:organizations::111122223333:organization/o-abcdef1234
  amitools share ami-0123456789abcdef0 --public
  amitools share ami-0123456789abcdef0 --with 210987654321 --copies --all-regions
  amitools share --show ami-0123456789abcdef0 -o json

Permissions: ec2:DescribeImages, ec2:DescribeImageAttribute, ec2:DescribeSnapshots,
ec2:DescribeSnapshotAttribute, sts:GetCallerIdentity, ec2:GetImageBlockPublicAccessState (--public),
kms:DescribeKey (encrypted snapshots), ec2:DescribeRegions (--copies --all-regions); to change,
ec2:ModifyImageAttribute and ec2:ModifySnapshotAttribute.")]
pub struct ShareArgs {
    #[command(flatten)]
    pub sharing: SharingArgs,

    /// Show who may launch the image and create volumes from each snapshot; change nothing
    #[arg(long, conflicts_with_all = ["with", "public", "dry_run"])]
    pub show: bool,
}

/// Stop sharing an image: the launch permission and the snapshots' create-volume permission.
///
/// Removes the launch permission of each account, organization and
/// organizational unit named (--public: everyone's), then each account's
/// create-volume permission on every snapshot of the image. Already absent is
/// said, not an error. Instances the other accounts already run keep running.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools unshare ami-0123456789abcdef0 --with 210987654321
  amitools unshare ami-0123456789abcdef0 --public --dry-run
  amitools unshare ami-0123456789abcdef0 --with 210987654321 --copies --regions us-west-2,eu-west-1

Permissions: ec2:DescribeImages, ec2:DescribeImageAttribute, ec2:DescribeSnapshots,
ec2:DescribeSnapshotAttribute, sts:GetCallerIdentity, ec2:DescribeRegions (--copies --all-regions);
to change, ec2:ModifyImageAttribute and ec2:ModifySnapshotAttribute.")]
pub struct UnshareArgs {
    #[command(flatten)]
    pub sharing: SharingArgs,
}

/// Delete old images and their snapshots, per family, never what is in use.
///
/// Plans by default and changes nothing: one row per image with ACTION (keep
/// or delete) and the REASON. Only --apply (or --apply-plan FILE) deletes, and
/// only images every rule allows: older than --older-than, not among the
/// --keep newest of their family (per region), not protected, not the source
/// of a pending image, not launched within --unused-for (plus the day EC2
/// takes to report a launch), and not used by any instance (any state),
/// launch template version, SSM parameter, Image Builder recipe or Auto
/// Scaling launch configuration, and not public or shared with other
/// accounts (their uses are invisible from yours). Whatever cannot be checked is kept.
/// Deleting deregisters the image and deletes the snapshots no other image uses.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools prune                                   # the plan for the current region
  amitools prune -N web --keep 5 --older-than 30d
  amitools prune --all-regions --plan-out plan.json && amitools prune --apply-plan plan.json
  amitools prune --family tag:app --filter tag:env=staging --apply
  amitools prune --descendants-of ami-0123456789abcdef0 --keep-ancestors -o json
  amitools prune --include-shared --apply           # shared images no other account uses, too

Permissions: ec2:DescribeImages, ec2:DescribeImageReferences, ec2:DescribeImageAttribute,
ec2:DescribeRegions (--all-regions), autoscaling:DescribeLaunchConfigurations, rbin:ListRules,
rbin:GetRule; with --include-shared, ec2:CreateImageUsageReport, ec2:DescribeImageUsageReports,
ec2:DescribeImageUsageReportEntries, ec2:DeleteImageUsageReport; to delete, ec2:DeregisterImage and
ec2:DeleteSnapshot.")]
pub struct PruneArgs {
    /// Consider the images in these regions [default: the current region]
    #[arg(long, value_name = "REGIONS", value_delimiter = ',', conflicts_with = "all_regions")]
    pub regions: Vec<Region>,

    /// Consider every region enabled for the account
    #[arg(long)]
    pub all_regions: bool,

    /// Only images named PREFIX-… (as `create -N PREFIX` names them)
    #[arg(short = 'N', long, value_name = "PREFIX")]
    pub name_prefix: Option<String>,

    /// Only images with this tag (repeatable: all must match)
    #[arg(long = "filter", value_name = "tag:KEY=VALUE", value_parser = parse_tag_filter)]
    pub filters: Vec<(String, String)>,

    /// Only this image (in the current region) and the images made from it
    #[arg(long, value_name = "AMI_ID")]
    pub descendants_of: Option<AmiId>,

    /// Keep this many newest available images of each family, per region
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub keep: u32,

    /// Keep images younger than this (14d, 36h, 90d); older ones are deleted
    #[arg(long, value_name = "DURATION", default_value = "14d", value_parser = crate::waiting::parse_age, allow_hyphen_values = true)]
    pub older_than: std::time::Duration,

    /// Deprecate images this old (launches keep working; uses and sharing do not stop it)
    #[arg(long, value_name = "DURATION", value_parser = crate::waiting::parse_age, allow_hyphen_values = true)]
    pub deprecate_after: Option<std::time::Duration>,

    /// Disable images this old (nothing can launch them; checked as deletion is)
    #[arg(long, value_name = "DURATION", value_parser = crate::waiting::parse_age, allow_hyphen_values = true)]
    pub disable_after: Option<std::time::Duration>,

    /// Keep images launched from within this (EC2 reports launches up to a day late: a day is added)
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = crate::waiting::parse_age, allow_hyphen_values = true)]
    pub unused_for: std::time::Duration,

    /// What makes a family: prefix (of generated names), tag:KEY, or source (same source image)
    #[arg(long, value_name = "KIND", default_value = "prefix", value_parser = parse_family)]
    pub family: crate::prune::rules::FamilyKind,

    /// Also keep every ancestor of every kept image
    #[arg(long)]
    pub keep_ancestors: bool,

    /// Delete shared images too when EC2's AMI usage reports show no use in the accounts they are shared with, and the reports' lag (7d) has passed
    #[arg(long)]
    pub include_shared: bool,

    /// With --include-shared: public images too (their reports cover every account)
    #[arg(long, requires = "include_shared")]
    pub include_public: bool,

    /// With --include-shared (or a plan made with it): how long to wait for the usage reports (90s, 15m, 1h or seconds)
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = crate::waiting::parse_duration)]
    pub usage_report_timeout: std::time::Duration,

    /// Deregister images but leave their snapshots
    #[arg(long)]
    pub keep_snapshots: bool,

    /// Carry out what the plan says: deprecate, disable, delete (each image re-checked just before)
    #[arg(long, conflicts_with = "apply_plan")]
    pub apply: bool,

    /// Also save the plan as JSON to FILE (for --apply-plan)
    #[arg(long, value_name = "FILE", conflicts_with = "apply_plan")]
    pub plan_out: Option<std::path::PathBuf>,

    /// Carry out a saved plan's deprecations, disables and deletions that its rules still allow, each re-checked just before
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name_prefix", "filters", "descendants_of", "keep", "older_than", "deprecate_after", "disable_after", "unused_for", "family", "keep_ancestors", "include_shared", "include_public"])]
    pub apply_plan: Option<std::path::PathBuf>,

    /// Refuse a saved plan older than this (--apply-plan)
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = crate::waiting::parse_age, requires = "apply_plan", allow_hyphen_values = true)]
    pub max_plan_age: std::time::Duration,

    /// Leave out the header line
    #[arg(long)]
    pub no_header: bool,
}

/// `tag:KEY=VALUE` for prune --filter.
fn parse_tag_filter(value: &str) -> Result<(String, String), String> {
    let bad = || format!("'{}': expected tag:KEY=VALUE", crate::output::shown(value));
    let rest = value.strip_prefix("tag:").ok_or_else(bad)?;
    let (key, tag_value) = rest.split_once('=').ok_or_else(bad)?;
    if key.is_empty() || key.chars().count() > 128 || tag_value.chars().count() > 256 {
        return Err(bad());
    }
    Ok((key.to_string(), tag_value.to_string()))
}

fn parse_family(value: &str) -> Result<crate::prune::rules::FamilyKind, String> {
    value.parse()
}

/// waiton's STATE: the names are listed for completions; parsing is `Target::parse`.
fn state_parser() -> impl clap::builder::TypedValueParser<Value = crate::waiting::Target> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(crate::waiting::Target::all_names())
        .map(|name| crate::waiting::Target::parse(&name).expect("every listed name parses"))
}

/// The columns of `ancestors` and `children --flat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Column {
    ImageId,
    CreateDate,
    CreateTs,
    SourceInstance,
    SourceRegion,
    Name,
    State,
    Owner,
    Description,
    /// Where the link to the parent came from: tag or ec2
    Origin,
    /// When and why `amitools revoke` revoked it (its amitools:revoked tag)
    Revoked,
    /// The account whose credentials read the image (with --accounts)
    Account,
    /// Its AMI watermarks (ACCOUNT:NAME, comma-separated)
    Watermarks,
}

pub const DEFAULT_COLUMNS: [Column; 4] =
    [Column::ImageId, Column::CreateDate, Column::CreateTs, Column::SourceInstance];

/// How to print a list of images.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Columns to show, in order: image_id, create_date, create_ts, source_instance,
    /// source_region, name, state, owner, description, origin, revoked, account, watermarks
    #[arg(short = 'C', long, value_name = "COLUMNS", value_enum, value_delimiter = ',',
          default_values_t = DEFAULT_COLUMNS.to_vec(), hide_default_value = true)]
    pub columns: Vec<Column>,

    /// Leave out the header line
    #[arg(long)]
    pub no_header: bool,

    /// Print only the image ids, one per line
    #[arg(long, conflicts_with_all = ["columns", "no_header"])]
    pub ids: bool,

    /// Follow only lineage tags, not what EC2 recorded (SourceImageId)
    #[arg(long)]
    pub tags_only: bool,
}

/// Show the images an image was made from, back to the root.
///
/// One row per image, the start image first and each row's parent below it.
/// The walk follows the source_image tag (into another region when
/// source_region says so), falling back to what EC2 recorded (SourceImageId)
/// where an image has no lineage tags. A parent that no longer exists, or
/// that you cannot see, is the last row, marked (not found).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools ancestors ami-0123456789abcdef0
  amitools ancestors -C image_id,name,state,origin ami-0123456789abcdef0
  amitools ancestors --ids ami-0123456789abcdef0 | tail -n 1     # the root
  amitools ancestors -o json ami-0123456789abcdef0
  amitools -o mermaid ancestors ami-0123456789abcdef0     # for a ```mermaid block")]
pub struct AncestorsArgs {
    /// The image to start from
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    #[command(flatten)]
    pub list: ListArgs,

    /// Stop after this many generations
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub max_depth: u32,
}

/// Show the images made from an image, and from those, as a tree.
///
/// EC2 has no API for this question. In each region amitools reads your own
/// images when one page holds them; otherwise it asks for exactly the next
/// generation (the source_image tag and EC2's SourceImageId), or, when the
/// image or an ancestor carries an AMI watermark, for every image carrying it
/// at once. The cost follows the tree, not the number of images in the account.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  amitools children ami-0123456789abcdef0
  amitools children --all-regions --depth 2 ami-0123456789abcdef0
  amitools children --flat -C image_id,name,state ami-0123456789abcdef0
  amitools children --regions us-east-1,eu-west-1 -o json ami-0123456789abcdef0
  amitools -o dot children --all-regions ami-0123456789abcdef0 | dot -Tsvg > lineage.svg")]
pub struct ChildrenArgs {
    /// The image to start from
    #[arg(value_name = "AMI_ID")]
    pub image_id: AmiId,

    #[command(flatten)]
    pub list: ListArgs,

    /// A table with a DEPTH column instead of the tree
    #[arg(long)]
    pub flat: bool,

    /// Show at most this many generations
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000), allow_hyphen_values = true)]
    pub depth: Option<u32>,

    /// Count what uses each image in this account: instances, launch templates, launch configurations, SSM parameters, recipes
    #[arg(long, conflicts_with = "ids")]
    pub uses: bool,

    /// Look for children in these regions [default: the current region]
    #[arg(long, value_name = "REGIONS", value_delimiter = ',', conflicts_with = "all_regions")]
    pub regions: Vec<Region>,

    /// Look for children in every region enabled for the account
    #[arg(long)]
    pub all_regions: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let before = Cli::try_parse_from(["amitools", "-r", "us-west-2", "waiton", "ami-12345678"]).unwrap();
        let after = Cli::try_parse_from(["amitools", "waiton", "ami-12345678", "-r", "us-west-2"]).unwrap();
        assert_eq!(before.global.region, after.global.region);
        assert_eq!(before.global.region.unwrap().as_str(), "us-west-2");
    }

    proptest::proptest! {
        #[test]
        fn column_lists_never_panic(value in "\\PC{0,60}") {
            let _ = Cli::try_parse_from(["amitools", "ancestors", "ami-12345678", "-C", &value]);
        }

        #[test]
        fn valid_column_lists_round_trip(picks in proptest::collection::vec(0usize..10, 1..10)) {
            let all = Column::value_variants();
            let chosen: Vec<Column> = picks.iter().map(|i| all[*i]).collect();
            let text: Vec<String> = chosen.iter().map(|c| c.to_possible_value().unwrap().get_name().to_string()).collect();
            let cli = Cli::try_parse_from(["amitools", "ancestors", "ami-12345678", "-C", &text.join(",")]).unwrap();
            let Command::Ancestors(args) = cli.command else { panic!("parsed as another command") };
            proptest::prop_assert_eq!(args.list.columns, chosen);
        }

        #[test]
        fn endpoint_url_parser_never_panics(value in "\\PC{0,60}") {
            let _ = parse_endpoint_url(&value);
        }
    }

    #[test]
    fn endpoint_urls() {
        for good in [
            "http://127.0.0.1:5000",
            "https://ec2.us-east-1.amazonaws.com",
            "http://localhost:8080/",
            "http://[::1]:5000",
        ] {
            assert!(parse_endpoint_url(good).is_ok(), "{good}");
        }
        for bad in ["", "127.0.0.1:5000", "ftp://x", "http://", "http://:80", "http://host:port", "http://a b"] {
            assert!(parse_endpoint_url(bad).is_err(), "{bad}");
        }
        let with_password = parse_endpoint_url("https://ci:Secret@proxy.example").unwrap_err();
        assert_eq!(
            with_password,
            "'https://***@proxy.example' holds a user name or password, which amitools never sends to an endpoint; remove it (AWS requests are signed with your AWS credentials)"
        );
        assert_eq!(
            without_user_info("invalid value 'http://a:b@h:1/x' and https://u@v"),
            "invalid value 'http://***@h:1/x' and https://***@v"
        );
    }
}
