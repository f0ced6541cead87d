//! amitools: create, copy, tag, wait on and clean up AWS machine images,
//! and walk their lineage. `run` is the whole program; `main` only calls it.
//!
//! Data flows one way: cli → commands → domain (lineage, naming, waiting)
//! → aws (the SDK boundary) → AWS. Rendering happens in `output`, errors are rendered once here.

pub mod accounts;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod credential_process;
pub mod credentials;
pub mod error;
pub mod generate;
pub mod ids;
pub mod image;
pub mod lineage;
pub mod logging;
pub mod naming;
pub mod output;
pub mod progress;
pub mod prune;
pub mod revocation;
pub mod sharing;
pub mod uses;
pub mod waiting;

#[cfg(test)]
mod testing;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::error::{Error, ExitCode};

/// Run amitools with these arguments (argv[0] first); returns the exit code.
/// Invoked as one of the original tools' names (`ami-waiton`, …), it runs
/// that subcommand.
pub fn run(args: impl IntoIterator<Item = OsString>) -> std::process::ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // Hidden: the original names and their subcommands, one pair a line, for
    // scripts/install-aliases (the list lives in generate::ALIASES only).
    if args.len() == 2 && args[1] == "--list-aliases" {
        let mut out = io::stdout().lock();
        for (alias, subcommand) in generate::ALIASES {
            let _ = writeln!(out, "{alias} {subcommand}");
        }
        return std::process::ExitCode::SUCCESS;
    }
    let (command, expanded) = generate::expand_alias(args.clone());
    let parsed = command.try_get_matches_from(expanded).and_then(|matches| Cli::from_arg_matches(&matches));
    let code = match parsed {
        Ok(cli) => run_parsed(cli),
        Err(error) => report_usage_error(&error, &help_command(&args)),
    };
    std::process::ExitCode::from(code as u8)
}

fn run_parsed(cli: Cli) -> ExitCode {
    progress::install_interrupt_handler();
    let verbosity = if cli.global.quiet { -1 } else { cli.global.verbose.min(3) as i8 };
    logging::init(verbosity);
    let mut stdout = Stdout::new();
    let mut stderr = io::stderr();
    let Cli { global, command } = cli;
    let result = commands::prepare(command)
        .and_then(|plan| {
            commands::check_accounts_apply(&plan, &global)?;
            commands::check_output_applies(&plan, global.output)?;
            let (aws, region) = commands::connect(&global)?;
            let accounts = commands::connect_accounts(&aws, &region, &global)?;
            let mut ctx = commands::Context {
                aws: &aws,
                account: accounts.own,
                members: accounts.members,
                region,
                output: global.output,
                out: &mut stdout,
                err: std::cell::RefCell::new(&mut stderr),
                quiet: global.quiet,
            };
            for (which, error) in &accounts.skipped {
                // Not silenced by -q: what follows is incomplete, and the exit code says so.
                ctx.warn(format!("{which} skipped: {error}"));
            }
            plan.execute(&mut ctx)?;
            commands::accounts_outcome(&accounts.skipped)
        })
        .and_then(|()| stdout.flush().map_err(Error::from));
    match result {
        Ok(()) => ExitCode::Success,
        // `amitools ancestors … | head -1`: the reader left; that is not an error.
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::Success,
        Err(error) => {
            let mut message = format!("amitools: error: {error}");
            if let Some(hint) = error.hint() {
                message.push_str(&format!(" ({hint})"));
            }
            // Never eprintln!: it panics when stderr is closed, and the exit code must survive.
            let _ = writeln!(io::stderr(), "{}", logging::redact(&message));
            error.exit_code()
        }
    }
}

/// Set by the binary before Rust's runtime starts (see main.rs) when stdout
/// was closed: the runtime then reopens it on /dev/null, where every write succeeds.
pub static STDOUT_CLOSED_AT_START: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Standard output, or an error on every write when it was closed (`>&-`).
/// Rust's stdout treats a closed descriptor (EBADF) as a sink that accepts
/// everything: `create` would make an image and lose its id with exit 0.
struct Stdout {
    lock: io::StdoutLock<'static>,
    closed: bool,
}

impl Stdout {
    fn new() -> Stdout {
        // SAFETY: F_GETFD only reads the descriptor's flags; -1 means it is not open.
        let closed = STDOUT_CLOSED_AT_START.load(std::sync::atomic::Ordering::SeqCst)
            || unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
        Stdout { lock: io::stdout().lock(), closed }
    }

    fn check(&self) -> io::Result<()> {
        if self.closed {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        Ok(())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.lock.write(buf)
    }

    /// Nothing was written to a closed stdout (writes failed): nothing to flush.
    /// A command that prints nothing (waiton) keeps its exit code.
    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        self.lock.flush()
    }
}

/// clap quotes the bad value verbatim; a 10,000-character argument must not
/// become a 10,000-character error line. Quoted spans are cut to 80 characters.
fn shorten_quoted(text: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(text.len().min(1000));
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        // Odd parts sit between quotes.
        if i % 2 == 1 && part.chars().count() > MAX {
            out.extend(part.chars().take(MAX));
            out.push('…');
        } else {
            out.push_str(part);
        }
    }
    out
}

/// What to point a user at after a usage error: `ami-waiton --help` for an
/// alias, `amitools waiton --help` when a subcommand was named, else `amitools --help`.
fn help_command(args: &[OsString]) -> String {
    if let Some((alias, _)) = args.first().and_then(generate::alias_for) {
        return alias.to_string();
    }
    let names: Vec<String> = Cli::command().get_subcommands().map(|s| s.get_name().to_string()).collect();
    match args.iter().skip(1).filter_map(|a| a.to_str()).find(|a| names.iter().any(|n| n == a)) {
        Some(sub) => format!("amitools {sub}"),
        None => "amitools".to_string(),
    }
}

/// clap's errors span several lines (usage, tips); ours are one line that
/// names the bad value, then where to read more. --help and --version are
/// not errors: they print in full and exit 0.
fn report_usage_error(error: &clap::Error, help: &str) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            return ExitCode::Success;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            return ExitCode::Usage;
        }
        _ => {}
    }
    let rendered = error.render().to_string();
    let first_paragraph: Vec<&str> = rendered.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    // clap echoes the bad value: a URL's password must not reach the terminal or a CI log.
    let text = shorten_quoted(&cli::without_user_info(&first_paragraph.join(" ")));
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let _ = writeln!(io::stderr(), "amitools: error: {text} (see '{help} --help')");
    ExitCode::Usage
}
