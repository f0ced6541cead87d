//! Completions, man pages and the original command names.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, Sim};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["completions", "man"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            files.push((
                format!("{sub}/{}", path.file_name().unwrap().to_string_lossy()),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    files
}

#[test]
fn committed_completions_and_man_pages_are_current() {
    let mut expected = amitools::generate::files();
    expected.sort();
    let committed = files_under(&repo());
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&committed), names(&expected), "the set of generated files changed: run scripts/generate");
    for ((name, committed), (_, expected)) in committed.iter().zip(&expected) {
        assert!(committed == expected, "{name} is stale: run scripts/generate and commit the result");
    }
    assert!(expected.len() >= 13);
}

/// The README's picture, drawn again from its fixed lineage by the script
/// scripts/generate runs, is byte for byte the one committed.
#[test]
fn committed_lineage_picture_is_current() {
    if !have("dot") {
        return;
    }
    let drawn = tempfile::tempdir().unwrap();
    let out = drawn.path().join("lineage.svg");
    let status = Command::new(repo().join("scripts/lib/lineage-picture"))
        .arg(&out)
        .env("AMITOOLS_BIN", assert_cmd::cargo::cargo_bin("amitools"))
        .env("AMITOOLS_SIM_PYTHON", common::sim_python())
        .status()
        .unwrap();
    assert!(status.success());
    let committed = std::fs::read(repo().join("docs/lineage.svg")).unwrap();
    let drawn = std::fs::read(&out).unwrap();
    assert!(drawn.len() > 1000 && drawn.starts_with(b"<?xml"), "{}", String::from_utf8_lossy(&drawn));
    assert!(committed == drawn, "docs/lineage.svg is stale: run scripts/generate and commit the result");
}

/// Whether a shell is here; with AMITOOLS_REQUIRE_SHELLS (scripts/test) a missing one fails.
fn have(tool: &str) -> bool {
    let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().unwrap().status.success();
    if !found {
        assert!(std::env::var_os("AMITOOLS_REQUIRE_SHELLS").is_none(), "{tool} is missing; scripts/test installs it");
        eprintln!("skipping: {tool} is not installed (scripts/test installs it)");
    }
    found
}

/// Drive bash's completion function for a command line; returns the candidates.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = repo().join("completions/amitools.bash");
    let words_text: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; _amitools amitools '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words_text.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash").args(["--norc", "--noprofile", "-c", &program]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

#[test]
fn bash_completes_subcommands_states_and_columns() {
    if !have("bash") {
        return;
    }
    assert_eq!(bash_complete(&["amitools", "wai"]), ["waiton"]);
    assert_eq!(bash_complete(&["amitools", "wa"]), ["waiton", "watermark"]);
    assert_eq!(bash_complete(&["amitools", "waiton", "ami-12345678", "av"]), ["available"]);
    assert_eq!(bash_complete(&["amitools", "ancestors", "-o", "j"]), ["json"]);
    assert!(bash_complete(&["amitools", "ancestors", "-C", "sou"]).contains(&"source_instance".to_string()));
    let all = bash_complete(&["amitools", ""]);
    for sub in ["create", "tag", "waiton", "ancestors", "children", "copy", "clone"] {
        assert!(all.contains(&sub.to_string()), "{sub} not offered: {all:?}");
    }
}

#[test]
fn zsh_and_fish_scripts_parse() {
    if have("zsh") {
        let out = Command::new("zsh").arg("-n").arg(repo().join("completions/_amitools")).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    if have("fish") {
        let out =
            Command::new("fish").arg("--no-execute").arg(repo().join("completions/amitools.fish")).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// groff's terminal output without its overstrike bold and underline (`X\bX`, `_\bX`).
fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

#[test]
fn man_pages_render_without_warnings() {
    if !have("groff") {
        return;
    }
    let pages: Vec<PathBuf> = std::fs::read_dir(repo().join("man")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(pages.len(), 14, "amitools and its thirteen subcommands");
    for page in pages {
        let out = Command::new("groff").args(["-man", "-Tutf8", "-ww"]).arg(&page).output().unwrap();
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && warnings.is_empty(), "{}: {warnings}", page.display());
        let text = plain(&out.stdout);
        for section in ["EXIT STATUS", "ENVIRONMENT", "AWS_CREDENTIAL_FILE", "EXAMPLES"] {
            assert!(text.contains(section), "{} lacks {section}", page.display());
        }
    }
    let main = Command::new("groff").args(["-man", "-Tutf8"]).arg(repo().join("man/amitools.1")).output().unwrap();
    let text = plain(&main.stdout);
    assert!(text.contains("create_timestamp") && text.contains("amitools-waiton(1)"), "{text}");
}

#[test]
fn the_original_names_run_their_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("amitools");
    let out = Command::new(repo().join("scripts/install-aliases")).arg(dir.path()).arg(&binary).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Every alias the binary lists was installed, and its help says its name
    // with its subcommand's arguments.
    let listed = Command::new(&binary).arg("--list-aliases").output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(listed.lines().count(), 7, "{listed}");
    for line in listed.lines() {
        let (alias, subcommand) = line.split_once(' ').unwrap();
        let sub_help = Command::new(&binary).args([subcommand, "--help"]).output().unwrap();
        let sub_help = String::from_utf8_lossy(&sub_help.stdout);
        let usage = sub_help.lines().find(|l| l.starts_with("Usage: ")).unwrap();
        let out = Command::new(dir.path().join(alias)).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{alias}");
        let expected = usage.replacen(&format!("amitools {subcommand}"), alias, 1);
        assert!(help.contains(&expected), "{alias}: expected {expected:?} in\n{help}");
    }

    // And they do the real thing.
    let sim = Sim::start();
    let (instance, base) = sim.run_instance(common::REGION);
    let created = sim.process_of(dir.path().join("ami-create-image")).arg(&instance).output().unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let id = String::from_utf8(created.stdout).unwrap().trim().to_string();
    let ancestors = sim.process_of(dir.path().join("ami-describe-ancestors")).args(["--ids", &id]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ancestors.stdout), format!("{id}\n{base}\n"));
    let (code, _, err) = run(sim.amitools().args(["waiton", "--nowait-exist", &id]));
    assert_eq!(code, 0, "{err}");
}
