//! `amitools prune`: the plan (default), `--apply`, `--apply-plan FILE`.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::staged::{throttled_so_far, Progress, Staged};
use super::{Context, RegionChoice};
use crate::accounts::Member;
use crate::cli::PruneArgs;
use crate::error::{Error, Result};
use crate::ids::{AmiId, Region};
use crate::output::{shown, write_json, OutputFormat, Table};
use crate::prune::apply::{self, Done, Outcome, Retirement};
use crate::prune::gather::{self, Scope, Stage};
use crate::prune::plan_file::{self, ImageDoc, LoadedPlan, Made, PlanDoc};
use crate::prune::rules::{Action, Rules};
use crate::prune::shared_use::Waiting;

#[derive(Debug)]
pub struct Plan {
    mode: Mode,
    regions: RegionChoice,
    keep_snapshots: bool,
    no_header: bool,
    /// How long --include-shared waits for the usage reports.
    report_timeout: std::time::Duration,
}

/// How often a pending usage report is asked about.
const REPORT_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Waiting for usage reports on the real clock.
fn report_waiting(within: std::time::Duration) -> Waiting<'static> {
    Waiting {
        within,
        poll: REPORT_POLL.min(within / 4).max(std::time::Duration::from_millis(100)),
        now: &std::time::Instant::now,
        sleep: &std::thread::sleep,
    }
}

#[derive(Debug)]
enum Mode {
    /// Make a plan; print it, save it, and with `apply` carry it out.
    Make { scope: Scope, rules: Rules, apply: bool, plan_out: Option<PathBuf> },
    /// Carry out a saved plan.
    Saved(LoadedPlan),
}

pub fn prepare(args: PruneArgs) -> Result<Plan> {
    if let Some(prefix) = &args.name_prefix {
        crate::naming::validate_prefix(prefix).map_err(Error::Usage)?;
    }
    let mode = match args.apply_plan {
        Some(path) => {
            let plan = plan_file::read(&path).map_err(Error::Usage)?;
            plan_file::check_age(plan.created, OffsetDateTime::now_utc(), args.max_plan_age)
                .map_err(|e| Error::Usage(format!("plan file {}: {e}", shown(&path.to_string_lossy()))))?;
            Mode::Saved(plan)
        }
        None => {
            if let Some(path) = &args.plan_out {
                check_plan_out(path)?;
            }
            crate::prune::rules::check_stages(args.deprecate_after, args.disable_after, args.older_than)
                .map_err(Error::Usage)?;
            Mode::Make {
                scope: Scope { name_prefix: args.name_prefix, tags: args.filters, descendants_of: args.descendants_of },
                rules: Rules {
                    keep: args.keep as usize,
                    older_than: args.older_than,
                    deprecate_after: args.deprecate_after,
                    disable_after: args.disable_after,
                    unused_for: args.unused_for,
                    family: args.family,
                    keep_ancestors: args.keep_ancestors,
                    include_shared: args.include_shared,
                    include_public: args.include_public,
                },
                apply: args.apply,
                plan_out: args.plan_out,
            }
        }
    };
    Ok(Plan {
        mode,
        regions: RegionChoice::new(args.regions, args.all_regions),
        keep_snapshots: args.keep_snapshots,
        no_header: args.no_header,
        report_timeout: args.usage_report_timeout,
    })
}

/// --plan-out must name a file amitools can write without blocking: not a
/// FIFO or a device, in a directory that exists.
fn check_plan_out(path: &std::path::Path) -> Result<()> {
    let shown_path = shown(&path.to_string_lossy());
    if let Ok(metadata) = std::fs::metadata(path) {
        if !metadata.is_file() {
            return Err(Error::Usage(format!(
                "--plan-out {shown_path}: not a regular file (a FIFO, a device or a directory?)"
            )));
        }
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if !parent.is_dir() {
        return Err(Error::Usage(format!("--plan-out {shown_path}: no such directory")));
    }
    Ok(())
}

impl Plan {
    pub fn execute(self, ctx: &mut Context) -> Result<()> {
        let regions = self.regions.resolve(ctx)?;
        // --include-shared --accounts: the accounts asked directly (held
        // apart from the context, which the run borrows throughout).
        let members = std::mem::take(&mut ctx.members);
        match &self.mode {
            Mode::Make { scope, rules, apply, plan_out } => {
                self.make(ctx, &members, &regions, scope, rules, *apply, plan_out.as_deref())
            }
            Mode::Saved(plan) => self.apply_saved(ctx, &members, &regions, plan),
        }
    }

    /// Whether --include-shared is on: then --accounts has a use here.
    pub fn includes_shared(&self) -> bool {
        match &self.mode {
            Mode::Make { rules, .. } => rules.include_shared,
            Mode::Saved(plan) => plan.rules.include_shared,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn make(
        &self,
        ctx: &mut Context,
        members: &[Member],
        regions: &[Region],
        scope: &Scope,
        rules: &Rules,
        apply: bool,
        plan_out: Option<&std::path::Path>,
    ) -> Result<()> {
        let account = ctx.aws.account_id()?;
        let now = OffsetDateTime::now_utc();
        let planned = {
            let status = Staged::start(ctx.quiet, ctx.aws.activity(), gathering_status);
            let waiting = report_waiting(self.report_timeout);
            gather::plan(ctx.aws, members, &ctx.region, regions, scope, rules, now, &waiting, &mut |stage| {
                status.enter(stage)
            })
        };
        let made = Made {
            account: &account,
            regions,
            rules,
            scope,
            home: &ctx.region,
            keep_snapshots: self.keep_snapshots,
            now,
            unread: &planned.unread,
        };
        let doc = plan_file::document(&planned.rows, &made);
        if let Some(path) = plan_out {
            save(path, &doc)?;
        }
        for (region, error) in &planned.unread {
            // Not silenced by -q: the plan is incomplete, and the exit code says so.
            ctx.warn(format!("{region} skipped: {error}"));
        }
        let retirements: Vec<Retirement> = planned
            .rows
            .iter()
            .filter(|row| row.action != Action::Keep)
            .map(|row| Retirement { key: row.key(), family: row.family.clone(), action: row.action })
            .collect();
        if !apply {
            self.print_plan(ctx, &doc)?;
            let summary = &doc.summary;
            ctx.note(if rules.deprecate_after.is_some() || rules.disable_after.is_some() {
                format!(
                    "{} image(s): keep {}, deprecate {}, disable {}, delete {}; nothing was changed (--apply carries it out)",
                    doc.images.len(),
                    summary.keep,
                    summary.deprecate,
                    summary.disable,
                    summary.delete
                )
            } else {
                format!(
                    "{} image(s): keep {}, delete {}; nothing was deleted (--apply deletes)",
                    doc.images.len(),
                    summary.keep,
                    summary.delete
                )
            });
            unread_error(&planned.unread)?;
            return unchecked_error(&doc);
        }
        // A reader that leaves (`| head -1`) ends the output, not the apply
        // asked for: deleting goes on, and the summary and exit code say how it went.
        let mut write_error = None;
        if ctx.output == OutputFormat::Table {
            let printed = self.print_plan(ctx, &doc).and_then(|()| Ok(writeln!(ctx.out)?));
            match printed {
                Err(Error::Output(e)) => write_error = Some(e),
                other => other?,
            }
        }
        if !planned.unread.is_empty() {
            if ctx.output == OutputFormat::Json {
                let not_done = retirements.iter().map(|d| d.key.1.clone()).collect();
                let applied =
                    Applied { plan: Some(&doc), results: Vec::new(), failed: Vec::new(), not_done, interrupted: None };
                write_json(ctx.out, &applied)?;
            }
            return Err(Error::Failed(format!(
                "nothing deleted: {} region(s) could not be read",
                planned.unread.len()
            )));
        }
        let home = ctx.region.clone();
        let settings =
            real_time(&account, members, regions, &home, scope, rules, self.keep_snapshots, self.report_timeout);
        self.run_apply(ctx, &retirements, &settings, Some(&doc), write_error)?;
        unchecked_error(&doc)
    }

    fn apply_saved(&self, ctx: &mut Context, members: &[Member], selected: &[Region], plan: &LoadedPlan) -> Result<()> {
        if !self.regions.is_all() {
            if let Some(other) = plan.regions.iter().find(|r| !selected.contains(r)) {
                let using: Vec<&str> = selected.iter().map(Region::as_str).collect();
                return Err(Error::Usage(format!(
                    "the plan is for region {other}, and amitools is using {} (choose with --regions or -r)",
                    using.join(", ")
                )));
            }
        }
        let account = ctx.aws.account_id()?;
        if account != plan.account {
            return Err(Error::Usage(format!(
                "the plan is for account {}, and the credentials in use are for account {account}; nothing deleted",
                plan.account
            )));
        }
        let keep_snapshots = self.keep_snapshots || plan.keep_snapshots;
        let settings = real_time(
            &account,
            members,
            &plan.regions,
            &plan.home,
            &plan.scope,
            &plan.rules,
            keep_snapshots,
            self.report_timeout,
        );
        self.run_apply(ctx, &plan.retirements, &settings, None, None)
    }

    /// Carry out `retirements`, each result printed as it happens. Whatever
    /// happens to stdout (a reader that left: `| head -1`), the summary goes
    /// to stderr and the exit code tells whether every deletion went as
    /// planned. On SIGINT or SIGTERM the deletion in flight is finished, what
    /// was done and what was not is reported, then the process dies by the signal.
    fn run_apply(
        &self,
        ctx: &mut Context,
        retirements: &[Retirement],
        settings: &apply::Settings,
        plan: Option<&PlanDoc>,
        mut write_error: Option<std::io::Error>,
    ) -> Result<()> {
        let table = ctx.output == OutputFormat::Table;
        // The regions' images listed again (the plan's rules re-checked): on a
        // terminal, the same stage line as while planning.
        let listed = {
            let status = Staged::start(ctx.quiet, ctx.aws.activity(), gathering_status);
            status.enter(Stage::Listing { regions: settings.regions.len() });
            apply::Current::read(ctx.aws, settings)
        };
        let current = match listed {
            Ok(current) => current,
            Err((region, error)) => {
                if !table {
                    let not_done = retirements.iter().map(|d| d.key.1.clone()).collect();
                    let applied =
                        Applied { plan, results: Vec::new(), failed: Vec::new(), not_done, interrupted: None };
                    write_json(ctx.out, &applied)?;
                }
                return Err(Error::Failed(format!(
                    "nothing deleted: the images in {region} could not be listed to check the plan's rules again: {error}"
                )));
            }
        };
        let columns = ResultColumns::fitting(retirements, &current);
        let staged = retirements.iter().any(|r| r.action != Action::Delete);
        let (changes, in_flight) = match staged {
            true => ("change(s)", "the change in flight"),
            false => ("deletion(s)", "the deletion in flight"),
        };
        let interrupts = crate::progress::defer_interrupts(in_flight);
        // On a terminal: how far the retirements are, cleared before each result line.
        let mut status = crate::progress::StatusLine::stderr(ctx.quiet);
        let started = std::time::Instant::now();
        let mut finished = 0;
        let done = {
            let out = &mut *ctx.out;
            let mut emit = |line: &str| {
                if write_error.is_none() {
                    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                        write_error = Some(e);
                    }
                }
            };
            if table && !self.no_header && !retirements.is_empty() {
                emit(&columns.line("RESULT", "IMAGE", "REGION", "NAME", "DETAIL"));
            }
            apply::apply(ctx.aws, retirements, &current, settings, &mut |done| {
                status.clear();
                if table {
                    emit(&result_line(&columns, done));
                }
                finished += 1;
                let verb = if staged { "retiring" } else { "deleting" };
                status.show(&apply_status(verb, finished, retirements.len(), started.elapsed()));
            })
        };
        status.clear();
        let interrupted = crate::progress::interrupted();
        let not_done: Vec<&Retirement> = retirements.iter().skip(done.len()).collect();
        if !table && write_error.is_none() {
            let applied = Applied {
                plan,
                results: done.iter().map(ResultDoc::from).collect(),
                failed: done.iter().filter(|d| d.failed()).map(|d| d.retirement.key.1.clone()).collect(),
                not_done: not_done.iter().map(|d| d.key.1.clone()).collect(),
                interrupted: interrupted.map(crate::progress::signal_name),
            };
            if let Err(e) = write_json(ctx.out, &applied) {
                write_error = Some(e);
            }
        }
        ctx.warn(summary(&done, staged));
        let unknown: Vec<String> = done
            .iter()
            .filter_map(|d| match &d.outcome {
                Outcome::Deleted { snapshots, answer_lost: true } if !snapshots.is_empty() => Some(format!(
                    "{}: {}",
                    d.retirement.key.1,
                    snapshots.iter().map(|s| s.snapshot_id.as_str()).collect::<Vec<_>>().join(" ")
                )),
                _ => None,
            })
            .collect();
        if !unknown.is_empty() {
            ctx.warn(format!(
                "EC2's answer to DeregisterImage was lost for {} image(s) this run deregistered; whether their snapshots were deleted is unknown: {}",
                unknown.len(),
                unknown.join("; ")
            ));
        }
        if let Some(signal) = interrupted {
            let ids: Vec<String> = not_done.iter().map(|d| d.key.1.to_string()).collect();
            ctx.warn(format!(
                "interrupted by {}: {} {changes} not started{}{}",
                crate::progress::signal_name(signal),
                ids.len(),
                if ids.is_empty() { "" } else { ": " },
                ids.join(" ")
            ));
            drop(interrupts);
            crate::progress::die_by(signal);
        }
        drop(interrupts);
        finish(&done, changes)?;
        match write_error {
            // The reader left (`| head -1`): the retirements and the summary are
            // what count, and they went as planned.
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    fn print_plan(&self, ctx: &mut Context, doc: &PlanDoc) -> Result<()> {
        if ctx.output == OutputFormat::Json {
            write_json(ctx.out, doc)?;
            return Ok(());
        }
        plan_table(doc).write(ctx.out, !self.no_header)?;
        Ok(())
    }
}

/// How to apply, on the real clock, stopping at SIGINT or SIGTERM.
#[allow(clippy::too_many_arguments)]
fn real_time<'a>(
    account: &'a str,
    members: &'a [Member],
    regions: &'a [Region],
    home: &'a Region,
    scope: &'a Scope,
    rules: &'a Rules,
    keep_snapshots: bool,
    report_timeout: std::time::Duration,
) -> apply::Settings<'a> {
    apply::Settings {
        account,
        regions,
        home,
        scope,
        rules,
        keep_snapshots,
        waiting: report_waiting(report_timeout),
        members,
        now: &OffsetDateTime::now_utc,
        stop: &|| crate::progress::interrupted().is_some(),
    }
}

/// The status line while a plan is made: "checking uses: 340 of 8600
/// images, 12 throttled answers so far (sent again, paced) (20s)".
fn gathering_status(progress: &Progress<Stage>) -> String {
    let (done, throttled) = (&progress.in_stage, throttled_so_far(&progress.overall));
    let elapsed = crate::waiting::human(progress.elapsed);
    match progress.stage {
        Stage::Listing { regions } => format!(
            "listing own images: {} read, {} of {regions} region(s) done{throttled} ({elapsed})",
            done.images_listed,
            done.regions_answered.min(regions as u64)
        ),
        Stage::CheckingUses { images } => format!(
            "checking uses: {} of {images} images{throttled} ({elapsed})",
            done.images_checked.min(images as u64)
        ),
        Stage::CheckingSharing { images } => format!(
            "checking who may launch them: {} of {images} images{throttled} ({elapsed})",
            done.images_checked.min(images as u64)
        ),
        Stage::CheckingOtherAccounts { images } => {
            format!("waiting for the usage reports of {images} shared image(s){throttled} ({elapsed})")
        }
        Stage::ReadingRecycleBin { regions } => {
            format!("reading Recycle Bin rules in {regions} region(s){throttled} ({elapsed})")
        }
    }
}

/// The status line of an apply: "deleting: 37 of 500 done, 4.9 a second, about 1m36s left".
fn apply_status(verb: &str, done: usize, total: usize, elapsed: std::time::Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if done == 0 || seconds < 1.0 {
        return format!("{verb}: {done} of {total} done");
    }
    let rate = done as f64 / seconds;
    let left = std::time::Duration::from_secs_f64((total - done.min(total)) as f64 / rate);
    format!("{verb}: {done} of {total} done, {rate:.1} a second, about {} left", crate::waiting::human(left))
}

/// What the apply did, in one line (stderr, whatever -q says: scripts and
/// people must learn it even when stdout went nowhere).
fn summary(done: &[Done], staged: bool) -> String {
    let count = |label: &str| done.iter().filter(|d| d.outcome.label() == label).count();
    let snapshots: usize = done
        .iter()
        .map(|d| match &d.outcome {
            Outcome::Deleted { snapshots, .. } => snapshots.iter().filter(|s| s.result == "success").count(),
            _ => 0,
        })
        .sum();
    let retired = match staged {
        true => format!("; disabled {}; deprecated {}", count("disabled"), count("deprecated")),
        false => String::new(),
    };
    format!(
        "deleted {} image(s) and {snapshots} snapshot(s){retired}; kept {} found in use at the re-check; {} already gone; {} failed",
        count("deleted"),
        count("kept"),
        count("gone"),
        done.iter().filter(|d| d.failed()).count()
    )
}

/// The plan for people: one row per image.
fn plan_table(doc: &PlanDoc) -> Table {
    let regions = doc.regions.len() > 1;
    let notes =
        doc.images.iter().any(|i| i.copy_of.is_some() || !i.ends_ancestry_of.is_empty() || i.usage_report.is_some());
    let mut header = vec!["ACTION", "REASON", "IMAGE"];
    if regions {
        header.push("REGION");
    }
    header.extend(["NAME", "FAMILY", "AGE", "LAST LAUNCHED", "SHARED", "SNAPSHOTS", "RECOVERY"]);
    if notes {
        header.push("NOTES");
    }
    let mut table = Table::new(header.into_iter().map(str::to_string).collect());
    let now = OffsetDateTime::parse(&doc.created, &time::format_description::well_known::Rfc3339).ok();
    for image in &doc.images {
        let mut row = vec![image.action.as_str().to_string(), image.reason.clone(), image.image_id.to_string()];
        if regions {
            row.push(image.region.to_string());
        }
        let since = |moment: &Option<String>| {
            let at = moment
                .as_deref()
                .and_then(|m| OffsetDateTime::parse(m, &time::format_description::well_known::Rfc3339).ok());
            match (at, now) {
                (Some(at), Some(now)) => crate::prune::rules::age(now - at),
                _ => "-".to_string(),
            }
        };
        row.extend([
            image.name.as_deref().map(shown).unwrap_or_else(|| "-".into()),
            shown(&image.family),
            since(&image.created),
            match image.last_launched {
                Some(_) => format!("{} ago", since(&image.last_launched)),
                None => "never".to_string(),
            },
            shared_column(image),
            if image.snapshots.is_empty() { "-".to_string() } else { image.snapshots.join(",") },
            image.recovery.clone().unwrap_or_else(|| "-".into()),
        ]);
        if notes {
            row.push(notes_of(image));
        }
        table.rows.push(row);
    }
    table
}

/// The SHARED column: "public", "2 accounts, 1 organization", "no" (asked:
/// nobody else), or "-" (not asked: another rule keeps the image).
fn shared_column(image: &ImageDoc) -> String {
    if image.public == Some(true) {
        return "public".to_string();
    }
    let Some(with) = &image.shared_with else { return "-".to_string() };
    let count = |test: fn(&str) -> bool| with.iter().filter(|w| test(w)).count();
    let parts: Vec<String> = [
        (count(|w| w.bytes().all(|b| b.is_ascii_digit())), "account", "accounts"),
        (count(|w| w.contains(":organization/")), "organization", "organizations"),
        (count(|w| w.contains(":ou/")), "organizational unit", "organizational units"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "no".to_string()
    } else {
        parts.join(", ")
    }
}

fn notes_of(image: &ImageDoc) -> String {
    let mut notes = Vec::new();
    if let Some(source) = &image.copy_of {
        notes.push(format!("copy of {} in {}", source.image_id, source.region));
    }
    if !image.ends_ancestry_of.is_empty() {
        let kept: Vec<String> = image.ends_ancestry_of.iter().map(|k| k.image_id.to_string()).collect();
        notes.push(format!("ends the ancestors walk of kept {}", kept.join(", ")));
    }
    if let Some(report) = &image.usage_report {
        let checked = match report.accounts_checked.as_slice() {
            [all] if all == "all" => "any account".to_string(),
            accounts => accounts.join(", "),
        };
        match &report.report_id {
            Some(report_id) => notes.push(format!("shared; no use in {checked} (usage report {report_id})")),
            None => notes.push(format!("shared; no use in {checked} (asked in each account)")),
        }
    }
    notes.join("; ")
}

/// Column widths for the results, known before the first one is written
/// (names as EC2 gives them now: a plan file's names are not trusted).
struct ResultColumns {
    /// "deleted" (7) unless a plan deprecates: "deprecated" (10).
    result: usize,
    id: usize,
    region: usize,
    name: usize,
}

impl ResultColumns {
    fn fitting(retirements: &[Retirement], current: &apply::Current) -> ResultColumns {
        let width = |text: &str| unicode_width::UnicodeWidthStr::width(text);
        let most = |f: &dyn Fn(&Retirement) -> usize, header: &str| {
            retirements.iter().map(f).chain([width(header)]).max().unwrap_or(0)
        };
        let staged = retirements.iter().any(|r| r.action != Action::Delete);
        ResultColumns {
            result: if staged { "deprecated".len() } else { "deleted".len() },
            id: most(&|d| d.key.1.as_str().len(), "IMAGE"),
            region: most(&|d| d.key.0.as_str().len(), "REGION"),
            name: most(&|d| width(&shown_name(current.name(&d.key))), "NAME"),
        }
    }

    fn line(&self, result: &str, id: &str, region: &str, name: &str, detail: &str) -> String {
        let pad = |text: &str, to: usize| {
            let fill = to.saturating_sub(unicode_width::UnicodeWidthStr::width(text));
            format!("{text}{}", " ".repeat(fill + 3))
        };
        let line = format!(
            "{}{}{}{}{detail}",
            pad(result, self.result),
            pad(id, self.id),
            pad(region, self.region),
            pad(name, self.name)
        );
        line.trim_end().to_string()
    }
}

fn shown_name(name: Option<&str>) -> String {
    name.map(shown).unwrap_or_else(|| "-".into())
}

/// One line per planned deletion, written as it is done.
fn result_line(columns: &ResultColumns, done: &Done) -> String {
    let (region, id) = &done.retirement.key;
    let detail = match &done.outcome {
        Outcome::Deleted { snapshots, .. } if snapshots.is_empty() => "snapshots left".to_string(),
        Outcome::Deleted { snapshots, .. } => snapshots
            .iter()
            .map(|s| match s.result.as_str() {
                "success" => format!("{} deleted", s.snapshot_id),
                "skipped" => format!("{} kept (used by another image)", s.snapshot_id),
                apply::SNAPSHOT_UNKNOWN => format!("{} fate unknown (EC2's answer was lost)", s.snapshot_id),
                other => format!("{} NOT deleted ({})", s.snapshot_id, shown(other)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Outcome::Deprecated { deprecation_time } => format!("deprecated at {deprecation_time}"),
        Outcome::Disabled => "disabled: nothing can launch it, its launch permissions are removed".to_string(),
        Outcome::Kept { reason } => reason.clone(),
        Outcome::Gone => "already deregistered".to_string(),
        Outcome::Failed { error } => crate::logging::redact(error),
    };
    let label = if done.failed() { "failed" } else { done.outcome.label() };
    columns.line(
        label,
        id.as_str(),
        region.as_str(),
        &shown_name(done.name.as_deref()),
        &crate::output::escape_untrusted(&detail),
    )
}

#[derive(Serialize)]
struct Applied<'a> {
    /// The plan made in this run (--apply); absent for --apply-plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a PlanDoc>,
    results: Vec<ResultDoc>,
    failed: Vec<AmiId>,
    /// Planned retirements never started (an interrupt, or the rules could not be re-checked).
    not_done: Vec<AmiId>,
    /// The signal that stopped the run early (`SIGINT`, `SIGTERM`), if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<&'static str>,
}

#[derive(Serialize)]
struct ResultDoc {
    region: Region,
    image_id: AmiId,
    name: Option<String>,
    failed: bool,
    #[serde(flatten)]
    outcome: Outcome,
}

impl From<&Done> for ResultDoc {
    fn from(done: &Done) -> ResultDoc {
        ResultDoc {
            region: done.retirement.key.0.clone(),
            image_id: done.retirement.key.1.clone(),
            name: done.name.clone(),
            failed: done.failed(),
            outcome: done.outcome.clone(),
        }
    }
}

/// Write the plan to `path` whole or not at all: a new temporary file
/// beside it (a random name, created exclusively, never through a link:
/// another local user cannot point it elsewhere), then renamed over `path`
/// (which replaces a link at `path`, not the file it points to).
fn save(path: &std::path::Path, doc: &PlanDoc) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown_path = shown(&path.to_string_lossy());
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".into());
    let temporary = path.with_file_name(format!(".{file_name}.{:016x}.amitools-tmp", fastrand::u64(..)));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)
        .and_then(|mut file| {
            serde_json::to_writer_pretty(&mut file, doc)?;
            writeln!(file)?;
            file.sync_all()
        });
    let result = written.and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::Failed(format!("cannot write the plan to {shown_path}: {error}")));
    }
    Ok(())
}

fn unread_error(unread: &[(Region, crate::aws::AwsError)]) -> Result<()> {
    if unread.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = unread.iter().map(|(r, _)| r.as_str()).collect();
    Err(Error::Failed(format!(
        "{} region(s) could not be read, the plan is incomplete: {}",
        names.len(),
        names.join(", ")
    )))
}

/// Exit 1 when images were kept only because what uses them could not be
/// found out: the cleanup asked for did not happen, and scripts must know.
fn unchecked_error(doc: &PlanDoc) -> Result<()> {
    let unchecked: Vec<String> =
        doc.images.iter().filter(|i| i.rules.contains(&"unchecked")).map(|i| i.image_id.to_string()).collect();
    if unchecked.is_empty() {
        return Ok(());
    }
    Err(Error::Failed(format!(
        "{} image(s) kept because what uses them, or who may launch them, could not be checked (see REASON): {}",
        unchecked.len(),
        unchecked.join(" ")
    )))
}

/// Exit 1 when anything failed, naming the images on stderr.
fn finish(done: &[Done], changes: &str) -> Result<()> {
    let failed: Vec<String> = done.iter().filter(|d| d.failed()).map(|d| d.retirement.key.1.to_string()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::Failed(format!("{} {changes} failed: {}", failed.len(), failed.join(" "))))
}

#[cfg(test)]
mod tests {
    use super::{apply_status, gathering_status};
    use crate::aws::ActivityCount;
    use crate::commands::staged::Progress;
    use crate::prune::gather::Stage;
    use std::time::Duration;

    #[test]
    fn the_gathering_status_line_says_the_stage_how_far_and_what_was_throttled() {
        let counts = |images_listed, images_checked, regions_answered, throttled| ActivityCount {
            images_listed,
            images_checked,
            regions_answered,
            throttled,
        };
        let line = |stage, in_stage, overall, seconds| {
            gathering_status(&Progress { stage, in_stage, overall, elapsed: Duration::from_secs(seconds) })
        };
        assert_eq!(
            line(Stage::Listing { regions: 3 }, counts(4200, 0, 1, 0), counts(4200, 0, 1, 0), 12),
            "listing own images: 4200 read, 1 of 3 region(s) done (12s)"
        );
        assert_eq!(
            line(Stage::CheckingUses { images: 8600 }, counts(0, 340, 0, 0), counts(10000, 340, 1, 12), 20),
            "checking uses: 340 of 8600 images, 12 throttled answers so far (sent again, paced) (20s)"
        );
        assert_eq!(
            line(Stage::ReadingRecycleBin { regions: 1 }, counts(0, 0, 0, 0), counts(0, 0, 0, 1), 65),
            "reading Recycle Bin rules in 1 region(s), 1 throttled answer so far (sent again, paced) (1m5s)"
        );
    }

    #[test]
    fn the_apply_status_line_says_how_far_and_how_long() {
        assert_eq!(apply_status("deleting", 0, 500, Duration::ZERO), "deleting: 0 of 500 done");
        assert_eq!(
            apply_status("deleting", 37, 500, Duration::from_secs_f64(7.5)),
            "deleting: 37 of 500 done, 4.9 a second, about 1m34s left"
        );
        assert_eq!(
            apply_status("deleting", 500, 500, Duration::from_secs(100)),
            "deleting: 500 of 500 done, 5.0 a second, about 0s left"
        );
    }
}
