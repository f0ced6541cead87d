//! `amitools share` and `amitools unshare`: who may launch an image and copy
//! it. What EC2 holds is read first (the image, its launch permission, its
//! snapshots and theirs), `sharing::plan` decides the changes, and they are
//! sent one resource at a time in the plan's order, stopping at the first
//! failure so that what was changed and what was not is known exactly.

use serde::Serialize;

use super::{Context, RegionChoice};
use crate::accounts::Readers;
use crate::aws::AwsError;
use crate::cli::{ShareArgs, SharingArgs, UnshareArgs};
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::image::{Grantee, Image};
use crate::lineage::fetch;
use crate::output::{shown, write_json, OutputFormat, Table};
use crate::sharing::{self, grantees_of, Change, Direction, Holding, Resource, SharePlan};

#[derive(Debug)]
pub struct Plan {
    image_id: AmiId,
    direction: Direction,
    grantees: Vec<Grantee>,
    show: bool,
    dry_run: bool,
    /// --copies, searched in these regions.
    copies: Option<RegionChoice>,
}

pub fn prepare_share(args: ShareArgs) -> Result<Plan> {
    let plan = plan_of(Direction::Share, args.sharing, args.show)?;
    if plan.grantees.is_empty() && !plan.show {
        return Err(Error::Usage("share needs --with WHO or --public (or --show to see who may launch it)".into()));
    }
    Ok(plan)
}

pub fn prepare_unshare(args: UnshareArgs) -> Result<Plan> {
    let plan = plan_of(Direction::Unshare, args.sharing, false)?;
    if plan.grantees.is_empty() {
        return Err(Error::Usage("unshare needs --with WHO or --public".into()));
    }
    Ok(plan)
}

/// EC2's AMI sharing quota: an image is shared with at most this many
/// accounts, organizations and OUs in a region (user guide, "AMI quotas").
const GRANTEES_MAX: usize = 1000;

fn plan_of(direction: Direction, args: SharingArgs, show: bool) -> Result<Plan> {
    let mut grantees: Vec<Grantee> = args.with.into_iter().flatten().collect();
    if args.public {
        grantees.push(Grantee::Public);
    }
    grantees.sort();
    grantees.dedup();
    if grantees.len() > GRANTEES_MAX {
        return Err(Error::Usage(format!(
            "{} accounts, organizations and OUs named: EC2 shares an image with at most {GRANTEES_MAX}",
            grantees.len()
        )));
    }
    Ok(Plan {
        image_id: args.image_id,
        direction,
        grantees,
        show,
        dry_run: args.dry_run,
        copies: args.copies.then(|| RegionChoice::new(args.regions, args.all_regions)),
    })
}

/// What became of one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Added,
    Removed,
    /// Share: already granted. Unshare: already absent.
    Already,
    WouldAdd,
    WouldRemove,
    Failed,
    /// Not sent: an earlier change failed.
    NotDone,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::Removed => "removed",
            Outcome::Already => "already",
            Outcome::WouldAdd => "would add",
            Outcome::WouldRemove => "would remove",
            Outcome::Failed => "failed",
            Outcome::NotDone => "not done",
        }
    }
}

#[derive(Serialize)]
struct ChangeDoc {
    permission: &'static str,
    resource: String,
    with: String,
    result: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    action: &'static str,
    dry_run: bool,
    images: Vec<ImageReport<'a>>,
}

#[derive(Serialize)]
struct ImageReport<'a> {
    image_id: &'a AmiId,
    region: &'a Region,
    /// The image named, or a copy of it (--copies).
    copy: bool,
    changes: Vec<ChangeDoc>,
    notes: &'a [String],
}

/// `share --show`, as JSON.
#[derive(Serialize)]
struct ShownAll<'a> {
    images: Vec<Shown<'a>>,
}

#[derive(Serialize)]
struct Shown<'a> {
    image_id: &'a AmiId,
    region: &'a Region,
    /// A copy of the image named (--copies).
    copy: bool,
    /// Everyone may launch it.
    public: bool,
    /// `all`, account ids, organization and OU ARNs.
    launch_permissions: Vec<String>,
    snapshots: Vec<SnapshotDoc<'a>>,
}

#[derive(Serialize)]
struct SnapshotDoc<'a> {
    snapshot_id: &'a str,
    encrypted: bool,
    kms_key_id: Option<&'a str>,
    create_volume_permissions: Vec<String>,
}

/// One image to share: where it is, what EC2 holds, and what to change.
struct Target {
    region: Region,
    holding: Holding,
    copy: bool,
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        // Asked once: every image must be this account's.
        let account = ctx.aws.account_id()?;
        let holding = self.read(ctx, &account, &ctx.region, &self.image_id)?;
        let mut targets = vec![Target { region: ctx.region.clone(), holding, copy: false }];
        for copy in self.find_copies(ctx)? {
            let holding = self.read(ctx, &account, &copy.region, &copy.id)?;
            targets.push(Target { region: copy.region, holding, copy: true });
        }
        if self.show {
            return show(ctx, &targets);
        }
        // Every image planned before anything is sent: a refusal changes nothing anywhere.
        let mut plans = Vec::with_capacity(targets.len());
        for target in &targets {
            plans.push(sharing::plan(self.direction, &self.grantees, &target.holding).map_err(|r| Error::Failed(r.0))?);
        }
        for note in plans.iter().flat_map(|p| &p.notes) {
            ctx.note(note);
        }
        let mut stopped = false;
        let mut outcomes: Vec<Outcomes> = Vec::with_capacity(plans.len());
        // Ctrl-C while sending: the call in flight is finished and reported
        // with everything else, then the process dies by the signal.
        let interrupts = crate::progress::defer_interrupts("the permission change in flight");
        for (target, plan) in targets.iter().zip(&plans) {
            let done = if self.dry_run { dry_run(plan) } else { send(ctx, &target.region, plan, &mut stopped) };
            outcomes.push(done);
        }
        let interrupted = crate::progress::interrupted();
        let action = match self.direction {
            Direction::Share => "share",
            Direction::Unshare => "unshare",
        };
        let images: Vec<ImageReport> = targets
            .iter()
            .zip(&plans)
            .zip(&outcomes)
            .map(|((target, plan), outcomes)| ImageReport {
                image_id: &target.holding.image_id,
                region: &target.region,
                copy: target.copy,
                changes: plan
                    .changes
                    .iter()
                    .zip(outcomes)
                    .map(|(change, (result, error))| ChangeDoc {
                        permission: change.resource.permission(),
                        resource: change.resource.id().to_string(),
                        with: change.grantee.to_string(),
                        result: *result,
                        error: error.clone(),
                    })
                    .collect(),
                notes: &plan.notes,
            })
            .collect();
        let regions = targets.iter().any(|t| t.region != ctx.region);
        match ctx.output {
            OutputFormat::Json => write_json(ctx.out, &Report { action, dry_run: self.dry_run, images })?,
            // (Pictures are refused before any call: check_output_applies.)
            OutputFormat::Table | OutputFormat::Dot | OutputFormat::Mermaid => {
                let mut header = vec!["RESULT", "PERMISSION", "RESOURCE"];
                if regions {
                    header.push("REGION");
                }
                header.push("WITH");
                let mut table = Table::new(header.into_iter().map(String::from).collect());
                for image in &images {
                    for change in &image.changes {
                        let mut row = vec![
                            change.result.label().to_string(),
                            change.permission.to_string(),
                            change.resource.clone(),
                        ];
                        if regions {
                            row.push(image.region.to_string());
                        }
                        row.push(change.with.clone());
                        table.rows.push(row);
                    }
                }
                table.write(ctx.out, true)?;
            }
        }
        let all: Vec<&(Outcome, Option<String>)> = outcomes.iter().flatten().collect();
        if let Some(signal) = interrupted {
            let done = all.iter().filter(|(r, _)| matches!(r, Outcome::Added | Outcome::Removed)).count();
            let not_done = all.iter().filter(|(r, _)| *r == Outcome::NotDone).count();
            ctx.warn(format!(
                "interrupted by {}: {action} of {}: {done} change(s) made, {not_done} not made (see RESULT)",
                crate::progress::signal_name(signal),
                self.image_id
            ));
            drop(interrupts);
            crate::progress::die_by(signal);
        }
        drop(interrupts);
        if let Some(first) = all.iter().find_map(|(_, error)| error.as_ref()) {
            let done = all.iter().filter(|(r, _)| matches!(r, Outcome::Added | Outcome::Removed)).count();
            let not_done = all.iter().filter(|(r, _)| *r == Outcome::NotDone).count();
            return Err(Error::Failed(format!(
                "{action} of {} stopped: {first}; {done} change(s) made, {not_done} not made (see RESULT)",
                self.image_id
            )));
        }
        Ok(())
    }

    /// With --copies: the image's copies (and theirs) in the regions asked,
    /// as `children` finds descendants. A region that cannot be searched
    /// stops the command before anything is changed.
    fn find_copies(&self, ctx: &Context) -> Result<Vec<Image>> {
        let Some(choice) = &self.copies else { return Ok(Vec::new()) };
        let regions = choice.resolve(ctx)?;
        let root = (ctx.region.clone(), self.image_id.clone());
        let found = fetch::descendants(&mut Readers::one(ctx.aws), &root, &regions, None, false, &mut |_| {})?;
        if let Some(fetch::Refused { region, error, .. }) = found.refused.first() {
            return Err(Error::Failed(format!("copies in {region} cannot be searched ({error}); nothing was changed")));
        }
        Ok(sharing::copies(&found.tree))
    }

    /// What EC2 holds now for one image. Only the owner may share: another
    /// account's image is refused before anything else is asked.
    fn read(&self, ctx: &Context, account: &str, region: &Region, image_id: &AmiId) -> Result<Holding> {
        let image: Image = ctx.aws.describe_image(region, image_id)?.ok_or_else(|| Error::ImageNotFound {
            what: "image",
            id: image_id.clone(),
            region: region.clone(),
            also: "",
        })?;
        if image.owner.as_deref() != Some(account) {
            return Err(Error::Failed(format!(
                "{image_id} belongs to account {}, not to {account}: only its owner can share it or see who may launch it",
                image.owner.as_deref().map(shown).unwrap_or_else(|| "(unknown)".into())
            )));
        }
        let launch = ctx
            .aws
            .launch_permissions(region, std::slice::from_ref(image_id))
            .into_iter()
            .next()
            .map(|(_, answer)| answer)
            .unwrap_or_else(|| Err(no_answer("DescribeImageAttribute")))?;
        let snapshots = ctx.aws.snapshot_sharing(region, &image.usage.snapshots)?;
        let public_blocked = match self.direction == Direction::Share && self.grantees.contains(&Grantee::Public) {
            true => Some(ctx.aws.public_sharing_blocked(region)?),
            false => None,
        };
        // Who manages each key: EC2 cannot share what the AWS managed key encrypts.
        let (mut managed_keys, mut unknown_keys) = (Vec::new(), Vec::new());
        if self.direction == Direction::Share && !self.show {
            let mut keys: Vec<&str> =
                snapshots.iter().filter(|s| s.encrypted).filter_map(|s| s.kms_key_id.as_deref()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                match ctx.aws.key_is_aws_managed(region, key) {
                    Ok(true) => managed_keys.push(key.to_string()),
                    Ok(false) => {}
                    Err(error) => unknown_keys.push((key.to_string(), error.to_string())),
                }
            }
        }
        Ok(Holding { image_id: image_id.clone(), launch, snapshots, public_blocked, managed_keys, unknown_keys })
    }
}

/// `copy --share-with`: share a new image of yours with `grantees`, as
/// `share --with` does (launch permission and every snapshot's create-volume
/// permission, refused as `share` refuses). Ok: how many grants were added;
/// Err: why it is not (wholly) shared.
pub(super) fn share_new_image(
    ctx: &Context,
    account: &str,
    region: &Region,
    image_id: &AmiId,
    grantees: &[Grantee],
) -> std::result::Result<usize, String> {
    let plan = Plan {
        image_id: image_id.clone(),
        direction: Direction::Share,
        grantees: grantees.to_vec(),
        show: false,
        dry_run: false,
        copies: None,
    };
    let holding = plan.read(ctx, account, region, image_id).map_err(|e| e.to_string())?;
    let changes = sharing::plan(Direction::Share, grantees, &holding).map_err(|refusal| refusal.0)?;
    let outcomes = send(ctx, region, &changes, &mut false);
    if let Some(error) = outcomes.iter().find_map(|(_, error)| error.clone()) {
        return Err(error);
    }
    if outcomes.iter().any(|(outcome, _)| *outcome == Outcome::NotDone) {
        return Err("interrupted before every permission was granted".into());
    }
    Ok(outcomes.iter().filter(|(outcome, _)| *outcome == Outcome::Added).count())
}

fn no_answer(action: &'static str) -> AwsError {
    AwsError::new(action, crate::aws::AwsErrorKind::Other, "no answer", "")
}

/// Each change's outcome, in the plan's order, with the error of a failed one.
type Outcomes = Vec<(Outcome, Option<String>)>;

fn dry_run(plan: &SharePlan) -> Outcomes {
    plan.changes
        .iter()
        .map(|change| {
            let outcome = match (change.already, plan.direction) {
                (true, _) => Outcome::Already,
                (false, Direction::Share) => Outcome::WouldAdd,
                (false, Direction::Unshare) => Outcome::WouldRemove,
            };
            (outcome, None)
        })
        .collect()
}

/// Send the changes, one call per resource (all its grantees at once), in
/// the plan's order; once `stopped` (a failure here or for an earlier image)
/// nothing more is sent.
fn send(ctx: &Context, region: &Region, plan: &SharePlan, stopped: &mut bool) -> Outcomes {
    let add = plan.direction == Direction::Share;
    let mut outcomes: Outcomes = Vec::with_capacity(plan.changes.len());
    let mut i = 0;
    while i < plan.changes.len() {
        let resource = &plan.changes[i].resource;
        let group: Vec<(usize, &Change)> =
            plan.changes.iter().enumerate().skip(i).take_while(|(_, c)| &c.resource == resource).collect();
        i += group.len();
        let to_send: Vec<Grantee> = group.iter().filter(|(_, c)| !c.already).map(|(_, c)| c.grantee.clone()).collect();
        // An interrupt stops what has not been sent, as a failure does.
        *stopped |= crate::progress::interrupted().is_some();
        let result = match (*stopped, to_send.is_empty()) {
            (true, _) | (_, true) => None,
            (false, false) => Some(match resource {
                Resource::Launch(id) => ctx.aws.change_launch_permissions(region, id, add, &to_send),
                Resource::CreateVolume(snapshot) => ctx.aws.change_volume_permissions(region, snapshot, add, &to_send),
            }),
        };
        let error = match &result {
            Some(Err(error)) => Some(explained(error, resource)),
            _ => None,
        };
        for (_, change) in group {
            let outcome = match (&result, change.already, *stopped) {
                (_, true, _) => Outcome::Already,
                (_, false, true) | (None, false, false) => Outcome::NotDone,
                (Some(Ok(())), false, false) => {
                    if add {
                        Outcome::Added
                    } else {
                        Outcome::Removed
                    }
                }
                (Some(Err(_)), false, false) => Outcome::Failed,
            };
            outcomes.push((outcome, if outcome == Outcome::Failed { error.clone() } else { None }));
        }
        if error.is_some() {
            *stopped = true;
        }
    }
    outcomes
}

/// EC2's refusal of a snapshot encrypted with the AWS managed key, told
/// with the way out; any other error as it is.
fn explained(error: &AwsError, resource: &Resource) -> String {
    let managed_key = matches!(error.code.as_deref(), Some("OperationNotPermitted") | Some("InvalidParameter"))
        && (error.message.contains("EBS default key") || error.message.contains("AWS Managed CMK"));
    if managed_key {
        return format!(
            "EC2 refuses to share {}: it is (or uses a snapshot) encrypted with the AWS managed key aws/ebs, which \
             cannot be shared; copy the image with a customer managed key (amitools copy --encrypted --kms-key-id \
             KEY) and share the copy",
            resource.id()
        );
    }
    error.to_string()
}

fn show(ctx: &mut Context, targets: &[Target]) -> Result<()> {
    // Sorted, so that two runs compare: EC2 lists them in no set order.
    let mut holdings: Vec<(Region, Holding, bool)> =
        targets.iter().map(|t| (t.region.clone(), t.holding.clone(), t.copy)).collect();
    for (_, holding, _) in &mut holdings {
        for snapshot in &mut holding.snapshots {
            snapshot.volume_permissions.sort();
            snapshot.volume_permissions.dedup();
        }
    }
    match ctx.output {
        OutputFormat::Json => {
            let images: Vec<Shown> = holdings
                .iter()
                .map(|(region, holding, copy)| Shown {
                    image_id: &holding.image_id,
                    region,
                    copy: *copy,
                    public: holding.launch.public,
                    launch_permissions: grantees_of(&holding.launch).iter().map(ToString::to_string).collect(),
                    snapshots: holding
                        .snapshots
                        .iter()
                        .map(|s| SnapshotDoc {
                            snapshot_id: &s.snapshot_id,
                            encrypted: s.encrypted,
                            kms_key_id: s.kms_key_id.as_deref(),
                            create_volume_permissions: s.volume_permissions.iter().map(ToString::to_string).collect(),
                        })
                        .collect(),
                })
                .collect();
            write_json(ctx.out, &ShownAll { images })?;
        }
        // (Pictures are refused before any call: check_output_applies.)
        OutputFormat::Table | OutputFormat::Dot | OutputFormat::Mermaid => {
            let regions = holdings.iter().any(|(region, _, _)| region != &ctx.region);
            let mut header = vec!["PERMISSION", "RESOURCE"];
            if regions {
                header.push("REGION");
            }
            header.extend(["WITH", "ENCRYPTION"]);
            let mut table = Table::new(header.into_iter().map(String::from).collect());
            let who = |list: &[Grantee]| -> Vec<String> {
                if list.is_empty() {
                    return vec!["-".to_string()];
                }
                list.iter()
                    .map(|g| if g == &Grantee::Public { "all (public)".to_string() } else { g.to_string() })
                    .collect()
            };
            let mut push = |permission: &str, resource: &str, region: &Region, with: String, encryption: String| {
                let mut row = vec![permission.to_string(), resource.to_string()];
                if regions {
                    row.push(region.to_string());
                }
                row.extend([with, encryption]);
                table.rows.push(row);
            };
            for (region, holding, _) in &holdings {
                for with in who(&grantees_of(&holding.launch)) {
                    push("launch", holding.image_id.as_str(), region, with, String::new());
                }
                for snapshot in &holding.snapshots {
                    let encryption = match (snapshot.encrypted, &snapshot.kms_key_id) {
                        (false, _) => "none".to_string(),
                        (true, Some(key)) => format!("KMS key {key}"),
                        (true, None) => "encrypted".to_string(),
                    };
                    for with in who(&snapshot.volume_permissions) {
                        push("create-volume", &snapshot.snapshot_id, region, with, encryption.clone());
                    }
                }
            }
            table.write(ctx.out, true)?;
        }
    }
    Ok(())
}
