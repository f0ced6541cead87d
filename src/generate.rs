//! Shell completions and man pages, generated from the clap definitions in
//! `cli.rs`, and the original AMITools command names (argv[0] aliases).
//!
//! `scripts/generate` (`cargo run --example generate -- DIR`) writes
//! DIR/completions and DIR/man; the results are committed, and
//! tests/generated.rs fails when they go stale. An example rather than a
//! hidden subcommand: completion generators list hidden subcommands too, and
//! `cargo install` never installs examples.

use std::ffi::OsString;
use std::io;
use std::path::Path;

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use roff::{bold, italic, roman, Roff};

use crate::cli::Cli;

/// The original tools' names, and the subcommand each one runs.
pub const ALIASES: [(&str, &str); 7] = [
    ("ami-create-image", "create"),
    ("ami-waiton", "waiton"),
    ("ami-describe-ancestors", "ancestors"),
    ("ami-tag-image", "tag"),
    ("ami-describe-children", "children"),
    ("ami-copy-image", "copy"),
    ("ami-clone", "clone"),
];

/// The subcommand an argv[0] stands for, when amitools runs under an original name.
pub fn alias_for(argv0: &OsString) -> Option<(&'static str, &'static str)> {
    let name = Path::new(argv0).file_name()?.to_str()?;
    ALIASES.iter().find(|(alias, _)| *alias == name).copied()
}

/// The command line an alias stands for, and a clap Command whose help and
/// errors say the alias's name.
pub fn expand_alias(args: Vec<OsString>) -> (Command, Vec<OsString>) {
    let Some((alias, subcommand)) = args.first().and_then(alias_for) else {
        return (Cli::command(), args);
    };
    // clap builds a subcommand's usage line from its parent's name; render it
    // and put the alias in its place, so --help and errors say `ami-waiton …`.
    let mut built = Cli::command();
    built.build();
    let usage = built
        .find_subcommand_mut(subcommand)
        .map(|sub| sub.render_usage().to_string())
        .unwrap_or_default()
        .replacen("Usage: ", "", 1)
        .replacen(&format!("amitools {subcommand}"), alias, 1);
    let command =
        Cli::command().mut_subcommand(subcommand, |sub| sub.bin_name(alias).display_name(alias).override_usage(usage));
    let mut expanded = vec![OsString::from("amitools"), OsString::from(subcommand)];
    expanded.extend(args.into_iter().skip(1));
    (command, expanded)
}

const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "amitools.bash"),
    (Shell::Zsh, "_amitools"),
    (Shell::Fish, "amitools.fish"),
    (Shell::PowerShell, "_amitools.ps1"),
    (Shell::Elvish, "amitools.elv"),
];

/// Every generated file: (path relative to the output directory, contents).
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, name) in SHELLS {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "amitools", &mut buf);
        files.push((format!("completions/{name}"), buf));
    }
    let root = documented_command();
    files.push(("man/amitools.1".into(), man_page(&root, None)));
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or(sub.get_name()).to_string();
        files.push((format!("man/{name}.1"), man_page(sub, Some(&root))));
    }
    files
}

/// The command tree as documented: built (so subcommands have their
/// `amitools-…` names), without clap's `help` subcommand.
fn documented_command() -> Command {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    root
}

/// Write every generated file under `dir`.
pub fn write_all(dir: &Path) -> io::Result<()> {
    for (path, contents) in files() {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, contents)?;
    }
    Ok(())
}

/// The lines after "Examples:" in a command's after_help, up to a blank line.
fn examples(cmd: &Command) -> Vec<String> {
    let text = cmd.get_after_help().map(|h| h.to_string()).unwrap_or_default();
    text.lines()
        .skip_while(|l| l.trim() != "Examples:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

/// A man page: clap_mangen's sections, then what a man reader expects
/// beyond --help: exit status, environment, files, the lineage tags, examples.
fn man_page(cmd: &Command, parent: Option<&Command>) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone())
        .manual("amitools manual")
        .source(format!("amitools {}", parent.unwrap_or(cmd).get_version().unwrap_or_default()));
    let mut out = Vec::new();
    let rendered: io::Result<()> = (|| {
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
        if parent.is_none() {
            man.render_subcommands_section(&mut out)?;
        }
        Ok(())
    })();
    rendered.expect("writing to a Vec cannot fail");

    let mut roff = Roff::new();
    exit_status(&mut roff, cmd.get_name() == "waiton" || parent.is_none(), cmd.get_name() == "waiton");
    environment(&mut roff);
    files_section(&mut roff);
    if parent.is_none() || ["create", "tag", "copy", "clone", "ancestors", "children"].contains(&cmd.get_name()) {
        lineage_tags(&mut roff);
    }
    let examples = examples(cmd);
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", []);
        for line in examples {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    see_also(&mut roff, cmd, parent);
    out.extend(roff.to_roff().into_bytes());
    ascii_roff(&String::from_utf8(out).expect("roff output is UTF-8"))
}

/// troff reads ASCII unless run through preconv: write anything else as a
/// `\[uXXXX]` escape, so `groff -man` renders the page as is.
fn ascii_roff(text: &str) -> Vec<u8> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out.into_bytes()
}

fn definitions(roff: &mut Roff, items: &[(&str, &str)]) {
    for (term, text) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*text)]);
    }
}

/// From error::EXIT_CODES, the table --help shows too. `waits`: the page of
/// a command that waits (waiton, or create/copy with --wait) lists 3-5.
fn exit_status(roff: &mut Roff, waits: bool, waiton: bool) {
    roff.control("SH", ["EXIT STATUS"]);
    let codes: Vec<(&str, &str)> = crate::error::EXIT_CODES
        .iter()
        .filter(|doc| waits || !doc.waiton_only)
        .map(|doc| (doc.code, if waiton { doc.waiton } else { doc.any }))
        .collect();
    definitions(roff, &codes);
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    definitions(
        roff,
        &[
            ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY", "The access key pair; used first when both are set."),
            ("AWS_SESSION_TOKEN", "The session token for temporary credentials."),
            ("AWS_CREDENTIAL_FILE", "A credential file in the original AMITools format (see FILES); used when the key pair is not in the environment."),
            ("AWS_REGION, AWS_DEFAULT_REGION", "The region, unless -r/--region is given."),
            ("AWS_PROFILE", "The profile in the AWS config files, unless --profile is given (--profile also beats a key pair in the environment; AWS_PROFILE does not)."),
            ("AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL", "Send EC2 requests for every region to this URL instead of AWS (as --endpoint-url); the first wins."),
            ("AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE", "Other places for ~/.aws/config and ~/.aws/credentials; like them, regular files of at most 1 MiB."),
            ("AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT", "Turn off, or point elsewhere, the instance metadata service (IMDSv2) that gives an EC2 host its region and role credentials."),
            ("RUST_LOG", "Diagnostic filter, e.g. debug or amitools=trace; overrides -v and -q. Secrets are never logged."),
        ],
    );
    roff.control("PP", []);
    roff.text([roman(
        "Without a key pair or credential file, the AWS SDK's chain is used: ~/.aws/config and ~/.aws/credentials, SSO, credential_process, web identity, container and instance metadata. Without a region from the flag, the environment, the credential file or the profile, instance metadata gives it.",
    )]);
}

fn files_section(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([italic("$AWS_CREDENTIAL_FILE")]);
    roff.text([roman(
        "Lines of key=value: aws_access_key_id, aws_secret_access_key, aws_session_token, region, or the EC2 tools' AWSAccessKeyId and AWSSecretKey. Blank lines and # comments are allowed; spaces around keys and values are ignored. The file must not be readable by group or others (chmod 600). A bad line is reported with its number, never its content.",
    )]);
    roff.control("nf", []);
    for line in [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region = us-east-1",
    ] {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
}

fn lineage_tags(roff: &mut Roff) {
    roff.control("SH", ["LINEAGE TAGS"]);
    roff.text([roman("Images made or tagged by amitools carry five tags:")]);
    definitions(
        roff,
        &[
            ("source_image", "The AMI the source instance was launched from (for a copy: the AMI copied)."),
            ("source_instance", "The instance the image was created from."),
            ("source_region", "The region of the source AMI."),
            ("create_date", "When the image was made, UTC, as YYYYMMDDTHHMMSSZ (e.g. 20110909T233600Z)."),
            ("create_timestamp", "The same second as create_date, in seconds since the Unix epoch (e.g. 1315611360)."),
        ],
    );
}

fn see_also(roff: &mut Roff, cmd: &Command, parent: Option<&Command>) {
    roff.control("SH", ["SEE ALSO"]);
    let root = parent.unwrap_or(cmd);
    let mut pages: Vec<String> = root
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_display_name().unwrap_or(s.get_name()).to_string())
        .filter(|name| Some(name.as_str()) != cmd.get_display_name())
        .collect();
    if parent.is_some() {
        pages.insert(0, "amitools".into());
    }
    let text: Vec<String> = pages.iter().map(|p| format!("{p}(1)")).collect();
    roff.text([roman(text.join(", "))]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_name_real_subcommands() {
        let cmd = Cli::command();
        for (alias, sub) in ALIASES {
            assert!(cmd.find_subcommand(sub).is_some(), "{alias} -> {sub}");
        }
        assert_eq!(alias_for(&"/usr/local/bin/ami-waiton".into()), Some(("ami-waiton", "waiton")));
        assert_eq!(alias_for(&"amitools".into()), None);
    }

    #[test]
    fn every_subcommand_has_examples_for_its_man_page() {
        for sub in documented_command().get_subcommands().filter(|s| !s.is_hide_set()) {
            assert!(!examples(sub).is_empty(), "{} has no examples", sub.get_name());
        }
    }
}
