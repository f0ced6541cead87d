//! `amitools revoke` and `amitools restore`: the images named (and with
//! --descendants every image made from them, as `children` finds them),
//! their uses in this account and who else may launch them, as a plan; with
//! --apply each image changed and tagged (revoke) or changed back and
//! untagged (restore), one image's failure not stopping the rest.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::OffsetDateTime;

use super::listing::ImageRecord;
use super::picture::{self, PictureNode};
use super::{Context, RegionChoice};
use crate::accounts::{Member, Readers};
use crate::aws::{Aws, AwsError, ImageKey, Tags};
use crate::cli::{RestoreArgs, RevokeArgs, Selection};
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::image::{Image, Sharing};
use crate::lineage::fetch;
use crate::output::{shown, write_json, OutputFormat, Table};
use crate::prune::gather::{launchers_of, use_counts};
use crate::prune::rules::shared_with;
use crate::revocation::{self, Change, Mark, RestoreStep, RevokeStep, REVOKED_TAG};
use crate::sharing::grantees_of;
use crate::uses::UseCounts;

/// Regions that could not be searched for descendants, with why.
type Refused = Vec<(Region, AwsError)>;

#[derive(Debug)]
pub struct Plan {
    image_ids: Vec<AmiId>,
    descendants: bool,
    regions: RegionChoice,
    apply: bool,
    no_header: bool,
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    Revoke { disable: bool, reason: Option<String> },
    Restore,
}

fn plan_of(selection: Selection, mode: Mode) -> Plan {
    let mut image_ids = selection.image_ids;
    let mut seen = HashSet::new();
    image_ids.retain(|id| seen.insert(id.clone()));
    Plan {
        image_ids,
        descendants: selection.descendants,
        regions: RegionChoice::new(selection.regions, selection.all_regions),
        apply: selection.apply,
        no_header: selection.no_header,
        mode,
    }
}

pub fn prepare_revoke(args: RevokeArgs) -> Result<Plan> {
    let reason = args.reason.as_deref().map(revocation::check_reason).transpose().map_err(Error::Usage)?;
    Ok(plan_of(args.selection, Mode::Revoke { disable: args.disable, reason }))
}

pub fn prepare_restore(args: RestoreArgs) -> Result<Plan> {
    Ok(plan_of(args.selection, Mode::Restore))
}

/// One image of the plan, with what was found about it.
struct Target {
    image: Image,
    uses: Result<UseCounts, String>,
    /// Who else may launch it (asked of your own images only).
    sharing: Option<Result<Sharing, String>>,
    step: Step,
}

#[derive(Debug, Clone)]
enum Step {
    Revoke(RevokeStep),
    Restore(RestoreStep),
}

impl Step {
    /// The plan's ACTION.
    fn action(&self) -> String {
        match self {
            Step::Revoke(RevokeStep::Change(Change::Deprecated)) => "deprecate".into(),
            Step::Revoke(RevokeStep::Change(_)) => "disable".into(),
            Step::Revoke(RevokeStep::AlreadySo(what)) => format!("already {what}"),
            Step::Revoke(RevokeStep::AlreadyRevoked(_)) => "already revoked".into(),
            Step::Revoke(RevokeStep::NotOwned(_)) | Step::Restore(RestoreStep::NotOwned(_)) => "not yours".into(),
            Step::Revoke(RevokeStep::State(state)) => format!("leave ({state})"),
            Step::Restore(RestoreStep::Undo(mark)) => match mark.change {
                Change::Deprecated => "undeprecate".into(),
                Change::Disabled => "enable".into(),
                Change::Nothing => "untag".into(),
            },
            Step::Restore(RestoreStep::NotRevoked) => "leave".into(),
        }
    }

    /// Why, for the ones left alone.
    fn detail(&self) -> String {
        match self {
            Step::Revoke(RevokeStep::AlreadySo(_)) => "tagged only: restore will leave it so".into(),
            Step::Revoke(RevokeStep::AlreadyRevoked(mark)) | Step::Restore(RestoreStep::Undo(mark)) => {
                format!("{REVOKED_TAG}={}", shown(&mark.value()))
            }
            Step::Revoke(RevokeStep::NotOwned(owner)) | Step::Restore(RestoreStep::NotOwned(owner)) => format!(
                "owned by {}: only its owner can change it",
                owner.as_deref().map(shown).unwrap_or_else(|| "(unknown)".into())
            ),
            Step::Revoke(RevokeStep::State(state)) => format!("state {state}: neither deprecated nor disabled"),
            Step::Restore(RestoreStep::NotRevoked) => format!("no {REVOKED_TAG} tag written by amitools"),
            Step::Revoke(RevokeStep::Change(_)) => String::new(),
        }
    }

    /// Whether --apply sends anything for it.
    fn changes(&self) -> bool {
        matches!(
            self,
            Step::Revoke(RevokeStep::Change(_))
                | Step::Revoke(RevokeStep::AlreadySo(_))
                | Step::Restore(RestoreStep::Undo(_))
        )
    }
}

/// What became of one image at --apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Deprecated,
    Disabled,
    /// Tagged only (revoke of an image already so).
    Tagged,
    Undeprecated,
    Enabled,
    /// Tag removed only (restore of an image revoke found already so).
    Untagged,
    /// Nothing to do for it.
    Left,
    Failed,
    /// Not started: interrupted.
    NotDone,
}

#[derive(Serialize)]
struct Report<'a> {
    action: &'static str,
    applied: bool,
    disable: bool,
    summary: &'a SummaryDoc,
    images: Vec<ImageDoc>,
}

#[derive(Serialize)]
struct SummaryDoc {
    images: usize,
    instances: usize,
    running_instances: usize,
    launch_templates: usize,
}

#[derive(Serialize)]
struct ImageDoc {
    image_id: AmiId,
    region: Region,
    /// The account that read it and that --apply changes it in (--accounts;
    /// null without).
    account: Option<String>,
    name: Option<String>,
    state: String,
    owner: Option<String>,
    action: String,
    detail: String,
    uses: Option<UseCounts>,
    uses_error: Option<String>,
    public: Option<bool>,
    shared_with: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The account an image was read in (--accounts) and its handle: the one
/// whose uses are asked and through which --apply changes it.
fn reader_of<'m>(own: (&'m dyn Aws, &'m str), members: &'m [Member], image: &Image) -> (&'m dyn Aws, &'m str) {
    match image.account.as_deref().and_then(|a| members.iter().find(|m| m.account == a)) {
        Some(member) => (&*member.aws, member.account.as_str()),
        None => own,
    }
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let account = ctx.aws.account_id()?;
        // --accounts: the other accounts, held apart from the context the run borrows.
        let mut members = std::mem::take(&mut ctx.members);
        let (images, refused) = self.find(ctx, &mut members)?;
        let now = OffsetDateTime::now_utc();
        let own = (ctx.aws, account.as_str());
        let targets = self.targets(own, &members, images, now);
        let summary = SummaryDoc {
            images: targets.len(),
            instances: targets.iter().filter_map(|t| t.uses.as_ref().ok()).map(|u| u.instances).sum(),
            running_instances: targets.iter().filter_map(|t| t.uses.as_ref().ok()).map(|u| u.running_instances).sum(),
            launch_templates: targets.iter().filter_map(|t| t.uses.as_ref().ok()).map(|u| u.launch_templates).sum(),
        };
        let disable = matches!(self.mode, Mode::Revoke { disable: true, .. });
        let outcomes = match self.apply {
            true => Some(self.carry_out(own, &members, &targets, now)),
            false => None,
        };
        self.print(ctx, &targets, &summary, disable, outcomes.as_deref(), !members.is_empty())?;
        let elsewhere = |t: &&Target| t.step.changes() && t.image.account.as_deref().is_some_and(|a| a != account);
        let in_other_accounts = targets.iter().filter(elsewhere).count();
        if !self.apply && in_other_accounts > 0 {
            ctx.note(format!(
                "{in_other_accounts} image(s) in other accounts: --apply changes them in their own accounts through --role, which must allow it (ec2:EnableImageDeprecation or ec2:DisableImage, and ec2:CreateTags)"
            ));
        }
        ctx.note(format!(
            "{} image(s); {} instance(s) running from them ({} in any state) and {} launch template(s) naming them in this account{}",
            summary.images,
            summary.running_instances,
            summary.instances,
            summary.launch_templates,
            if self.apply { "" } else { "; nothing was changed (--apply carries the plan out)" }
        ));
        if disable && !self.apply {
            let stopping: Vec<String> = targets
                .iter()
                .filter(|t| matches!(t.step, Step::Revoke(RevokeStep::Change(Change::Disabled))))
                .filter_map(|t| match &t.uses {
                    Ok(uses) if uses.total() > 0 => Some(format!("{} ({})", t.image.id, uses.words())),
                    Err(_) => Some(format!("{} (uses unknown)", t.image.id)),
                    Ok(_) => None,
                })
                .collect();
            if !stopping.is_empty() {
                ctx.warn(format!(
                    "--disable: these uses will stop launching: {}; shared and public images lose their sharing",
                    stopping.join(", ")
                ));
            }
        }
        for (region, error) in &refused {
            ctx.warn(format!("{region} skipped: {error}"));
        }
        if let Some(outcomes) = &outcomes {
            // Whatever the role could not do there, that account must do itself.
            let mut left_to: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
            for (target, (outcome, _)) in targets.iter().zip(outcomes) {
                if let (Outcome::Failed, Some(other)) = (outcome, target.image.account.as_deref()) {
                    if other != account {
                        left_to.entry(other).or_default().push(target.image.id.to_string());
                    }
                }
            }
            for (other, ids) in &left_to {
                ctx.warn(format!(
                    "account {other}: {} image(s) not changed through the role; with that account's own credentials: amitools {} {}",
                    ids.len(),
                    if matches!(self.mode, Mode::Restore) { "restore --apply" } else { "revoke --apply" },
                    ids.join(" ")
                ));
            }
            let failed: Vec<String> = targets
                .iter()
                .zip(outcomes)
                .filter(|(_, (outcome, _))| *outcome == Outcome::Failed)
                .map(|(t, _)| t.image.id.to_string())
                .collect();
            if let Some(signal) = crate::progress::interrupted() {
                let not_done = outcomes.iter().filter(|(o, _)| *o == Outcome::NotDone).count();
                ctx.warn(format!(
                    "interrupted by {}: {not_done} image(s) not started",
                    crate::progress::signal_name(signal)
                ));
                crate::progress::die_by(signal);
            }
            if !failed.is_empty() {
                return Err(Error::Failed(format!("{} image(s) failed: {}", failed.len(), failed.join(" "))));
            }
        }
        if !refused.is_empty() {
            let names: Vec<&str> = refused.iter().map(|(r, _)| r.as_str()).collect();
            return Err(Error::Failed(format!(
                "{} region(s) could not be searched, the images there are not in the plan: {}",
                names.len(),
                names.join(", ")
            )));
        }
        let unknown: Vec<String> = targets.iter().filter(|t| t.uses.is_err()).map(|t| t.image.id.to_string()).collect();
        if !unknown.is_empty() {
            return Err(Error::Failed(format!(
                "what uses {} image(s) could not be checked (see USES): {}",
                unknown.len(),
                unknown.join(" ")
            )));
        }
        Ok(())
    }

    /// The images named, and with --descendants every image made from them
    /// (each once, in tree order); regions that refused.
    fn find(&self, ctx: &Context, members: &mut [Member]) -> Result<(Vec<Image>, Refused)> {
        let regions = if self.descendants { self.regions.resolve(ctx)? } else { Vec::new() };
        let mut seen: HashSet<ImageKey> = HashSet::new();
        let mut images = Vec::new();
        let mut refused: Vec<(Region, AwsError)> = Vec::new();
        for id in &self.image_ids {
            let root = (ctx.region.clone(), id.clone());
            if !self.descendants {
                let image = self.look_up(ctx, members, id)?.ok_or_else(|| not_found(ctx, id))?;
                if seen.insert(root) {
                    images.push(image);
                }
                continue;
            }
            let mut readers = Readers::new(ctx.aws, ctx.account.as_deref(), members);
            let found = fetch::descendants(&mut readers, &root, &regions, None, false, &mut |_| {})?;
            if found.tree.root().image.is_none() {
                return Err(not_found(ctx, id));
            }
            for node in found.tree.preorder() {
                if let Some(image) = &node.image {
                    if seen.insert(node.key.clone()) {
                        images.push(image.clone());
                    }
                }
            }
            for fetch::Refused { region, error, .. } in found.refused {
                if !refused.iter().any(|(r, _)| r == &region) {
                    refused.push((region, error));
                }
            }
        }
        Ok((images, refused))
    }

    /// One image by id in the region in use: your own account's view, then
    /// (--accounts) each other account's, for an image yours cannot see.
    fn look_up(&self, ctx: &Context, members: &[Member], id: &AmiId) -> Result<Option<Image>> {
        if let Some(mut image) = ctx.aws.describe_image(&ctx.region, id)? {
            image.account = ctx.account.clone();
            return Ok(Some(image));
        }
        for member in members {
            match member.aws.describe_image(&ctx.region, id) {
                Ok(Some(mut image)) => {
                    image.account = Some(member.account.clone());
                    return Ok(Some(image));
                }
                Ok(None) => {}
                Err(error) => log::info!("account {}: {error}", member.account),
            }
        }
        Ok(None)
    }

    /// Each image's step, uses (10 images a call) and sharing (owned images),
    /// each asked in the account that read the image.
    fn targets(
        &self,
        own: (&dyn Aws, &str),
        members: &[Member],
        images: Vec<Image>,
        now: OffsetDateTime,
    ) -> Vec<Target> {
        let mut uses = HashMap::new();
        let mut sharing = HashMap::new();
        let mut accounts: Vec<&str> = images.iter().map(|i| reader_of(own, members, i).1).collect();
        accounts.sort();
        accounts.dedup();
        for account in accounts {
            let read_here: Vec<&Image> = images.iter().filter(|i| reader_of(own, members, i).1 == account).collect();
            let Some(first) = read_here.first() else { continue };
            let (aws, _) = reader_of(own, members, first);
            let keys: Vec<ImageKey> = read_here.iter().map(|i| (i.region.clone(), i.id.clone())).collect();
            uses.extend(use_counts(aws, &keys));
            let owned: Vec<ImageKey> = read_here
                .iter()
                .filter(|i| i.owner.as_deref() == Some(account))
                .map(|i| (i.region.clone(), i.id.clone()))
                .collect();
            if !owned.is_empty() {
                sharing.extend(launchers_of(aws, &owned));
            }
        }
        images
            .into_iter()
            .map(|image| {
                let key = (image.region.clone(), image.id.clone());
                let account = reader_of(own, members, &image).1;
                let step = match &self.mode {
                    Mode::Revoke { disable, .. } => {
                        Step::Revoke(revocation::revoke_step(&image, account, *disable, now))
                    }
                    Mode::Restore => Step::Restore(revocation::restore_step(&image, account)),
                };
                let uses = uses.remove(&key).unwrap_or_else(|| Err("not checked".to_string()));
                Target { sharing: sharing.remove(&key), uses, image, step }
            })
            .collect()
    }

    /// --apply: each image in turn; an interrupt stops before the next.
    fn carry_out(
        &self,
        own: (&dyn Aws, &str),
        members: &[Member],
        targets: &[Target],
        now: OffsetDateTime,
    ) -> Vec<(Outcome, Option<String>)> {
        let _interrupts = crate::progress::defer_interrupts("the image in flight");
        targets
            .iter()
            .map(|target| {
                if !target.step.changes() {
                    return (Outcome::Left, None);
                }
                if crate::progress::interrupted().is_some() {
                    return (Outcome::NotDone, None);
                }
                match self.change(reader_of(own, members, &target.image).0, target, now) {
                    Ok(outcome) => (outcome, None),
                    Err(error) => (Outcome::Failed, Some(error)),
                }
            })
            .collect()
    }

    /// One image's change: revoke changes it, then tags it (the tag says what
    /// was done, so it is written only once that is so); restore undoes the
    /// change, then removes the tag.
    fn change(&self, aws: &dyn Aws, target: &Target, now: OffsetDateTime) -> std::result::Result<Outcome, String> {
        let (region, id) = (&target.image.region, &target.image.id);
        match (&self.mode, &target.step) {
            (Mode::Revoke { reason, .. }, Step::Revoke(step)) => {
                let (change, outcome) = match step {
                    RevokeStep::Change(Change::Deprecated) => {
                        aws.deprecate_image(region, id, now).map_err(|e| e.to_string())?;
                        (Change::Deprecated, Outcome::Deprecated)
                    }
                    RevokeStep::Change(_) => {
                        aws.disable_image(region, id).map_err(|e| e.to_string())?;
                        (Change::Disabled, Outcome::Disabled)
                    }
                    _ => (Change::Nothing, Outcome::Tagged),
                };
                let mark = Mark { at: now, change, reason: reason.clone() };
                let tags: Tags = [(REVOKED_TAG.to_string(), mark.value())].into_iter().collect();
                aws.create_tags(region, id, &tags, false).map_err(|e| {
                    format!(
                        "{} done, but the {REVOKED_TAG} tag could not be written (restore will not know it): {e}",
                        change.as_str()
                    )
                })?;
                Ok(outcome)
            }
            (Mode::Restore, Step::Restore(RestoreStep::Undo(mark))) => {
                let outcome = match mark.change {
                    Change::Deprecated => {
                        aws.undeprecate_image(region, id).map_err(|e| e.to_string())?;
                        Outcome::Undeprecated
                    }
                    Change::Disabled => {
                        aws.enable_image(region, id).map_err(|e| e.to_string())?;
                        Outcome::Enabled
                    }
                    Change::Nothing => Outcome::Untagged,
                };
                aws.delete_tags(region, id, &[REVOKED_TAG])
                    .map_err(|e| format!("undone, but the {REVOKED_TAG} tag could not be removed: {e}"))?;
                Ok(outcome)
            }
            _ => Ok(Outcome::Left),
        }
    }

    fn print(
        &self,
        ctx: &mut Context,
        targets: &[Target],
        summary: &SummaryDoc,
        disable: bool,
        outcomes: Option<&[(Outcome, Option<String>)]>,
        with_accounts: bool,
    ) -> Result<()> {
        let result_of = |i: usize| outcomes.map(|o| o[i].clone());
        if ctx.output.is_picture() {
            let text = self.picture(ctx.output, targets, outcomes);
            ctx.out.write_all(text.as_bytes())?;
            return Ok(());
        }
        if ctx.output == OutputFormat::Json {
            let images = targets
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let (result, error) = match result_of(i) {
                        Some((outcome, error)) => (Some(outcome), error),
                        None => (None, None),
                    };
                    ImageDoc {
                        image_id: t.image.id.clone(),
                        region: t.image.region.clone(),
                        account: t.image.account.clone(),
                        name: t.image.name.clone(),
                        state: t.image.state.to_string(),
                        owner: t.image.owner.clone(),
                        action: t.step.action(),
                        detail: t.step.detail(),
                        uses: t.uses.as_ref().ok().cloned(),
                        uses_error: t.uses.as_ref().err().cloned(),
                        public: match &t.sharing {
                            Some(Ok(sharing)) => Some(sharing.public),
                            _ => t.image.usage.public,
                        },
                        shared_with: match &t.sharing {
                            Some(Ok(sharing)) => Some(grantees_of(sharing).iter().map(ToString::to_string).collect()),
                            _ => None,
                        },
                        result,
                        error,
                    }
                })
                .collect();
            let action = match self.mode {
                Mode::Revoke { .. } => "revoke",
                Mode::Restore => "restore",
            };
            write_json(ctx.out, &Report { action, applied: self.apply, disable, summary, images })?;
            return Ok(());
        }
        let mut header = vec!["ACTION", "IMAGE", "REGION", "STATE", "NAME", "USES", "SHARED"];
        if with_accounts {
            header.insert(3, "ACCOUNT");
        }
        if outcomes.is_some() {
            header.insert(0, "RESULT");
        }
        header.push("DETAIL");
        let mut table = Table::new(header.into_iter().map(String::from).collect());
        for (i, target) in targets.iter().enumerate() {
            let mut row = Vec::new();
            let outcome = result_of(i);
            if let Some((outcome, _)) = &outcome {
                row.push(outcome_word(outcome));
            }
            let detail = detail_cell(target, outcome.as_ref().and_then(|(_, error)| error.as_deref()));
            row.extend([target.step.action(), target.image.id.to_string(), target.image.region.to_string()]);
            if with_accounts {
                row.push(target.image.account.clone().unwrap_or_else(|| "-".into()));
            }
            row.extend([
                target.image.state.to_string(),
                target.image.name.as_deref().map(shown).unwrap_or_else(|| "-".into()),
                uses_cell(target),
                shared_cell(target),
                detail,
            ]);
            table.rows.push(row);
        }
        table.write(ctx.out, !self.no_header)?;
        Ok(())
    }

    /// `-o dot` / `-o mermaid`: the plan as a lineage picture. Each image's
    /// action (after --apply, its result), why it is left alone, its uses
    /// and who else may launch it under its label; the images the plan
    /// changes outlined heavily; an edge wherever one image of the plan was
    /// made from another.
    fn picture(
        &self,
        format: OutputFormat,
        targets: &[Target],
        outcomes: Option<&[(Outcome, Option<String>)]>,
    ) -> String {
        let keys: Vec<ImageKey> = targets.iter().map(|t| (t.image.region.clone(), t.image.id.clone())).collect();
        let records: Vec<ImageRecord> =
            targets.iter().zip(&keys).map(|(t, key)| ImageRecord::new(key, Some(&t.image), false)).collect();
        let position: HashMap<&ImageKey, usize> = keys.iter().enumerate().map(|(n, key)| (key, n)).collect();
        let now = OffsetDateTime::now_utc();
        let nodes: Vec<PictureNode> = targets
            .iter()
            .zip(&records)
            .enumerate()
            .map(|(n, (target, record))| {
                // The record's link to its parent, where that parent is in the plan too.
                let parent = match (&record.source_region, &record.source_image) {
                    (Some(region), Some(id)) => {
                        position.get(&(region.clone(), id.clone())).map(|&p| (p, record.origin))
                    }
                    _ => None,
                }
                .filter(|(p, _)| *p != n);
                let outcome = outcomes.map(|o| &o[n]);
                let mut notes = vec![format!("plan: {}", target.step.action())];
                notes.extend(outcome.map(|(outcome, _)| format!("result: {}", outcome_word(outcome))));
                let detail = detail_cell(target, outcome.and_then(|(_, error)| error.as_deref()));
                if !detail.is_empty() {
                    notes.push(detail);
                }
                notes.push(format!("uses: {}", uses_cell(target)));
                notes.push(format!("shared: {}", shared_cell(target)));
                PictureNode {
                    notes,
                    changed: target.step.changes(),
                    ..PictureNode::of(record, target.image.usage.is_deprecated(now), parent)
                }
            })
            .collect();
        let ids: Vec<&str> = self.image_ids.iter().map(AmiId::as_str).collect();
        let action = match self.mode {
            Mode::Revoke { .. } => "revoke",
            Mode::Restore => "restore",
        };
        match format {
            OutputFormat::Dot => picture::dot(&nodes, &format!("{action} {}", ids.join(" "))),
            _ => picture::mermaid(&nodes),
        }
    }
}

/// An outcome as the table's RESULT and JSON's `result` say it.
fn outcome_word(outcome: &Outcome) -> String {
    serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The DETAIL cell: why it is left alone, or what went wrong at --apply.
fn detail_cell(target: &Target, error: Option<&str>) -> String {
    match error {
        Some(error) => crate::logging::redact(error),
        None => target.step.detail(),
    }
}

/// The USES cell: its uses in this account, or why they are unknown.
fn uses_cell(target: &Target) -> String {
    match &target.uses {
        Ok(uses) => uses.words(),
        Err(why) => format!("unknown ({why})"),
    }
}

/// The SHARED cell: who else may launch it.
fn shared_cell(target: &Target) -> String {
    match &target.sharing {
        Some(Ok(sharing)) if sharing.is_shared() => shared_with(sharing),
        Some(Ok(_)) => "no".into(),
        Some(Err(_)) => "unknown".into(),
        None if target.image.usage.public == Some(true) => "public".into(),
        None => "-".into(),
    }
}

fn not_found(ctx: &Context, id: &AmiId) -> Error {
    Error::ImageNotFound { what: "image", id: id.clone(), region: ctx.region.clone(), also: "" }
}
