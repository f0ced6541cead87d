//! Lineage across accounts (--accounts, --role): a build account's shared
//! base image, workload accounts that build on it and copy their images to
//! another region, each account read with its own credentials through STS
//! AssumeRole, as the simulator's accounts keep their images and tags apart.

mod common;

use common::{ami, generated_image, results_in, retro_tagged, run, tagged, Sim, REGION};
use serde_json::{json, Value};

/// Wed Apr 17 18:18:25 UTC 2013, and a second later per image.
const T0: i64 = 1_366_222_705;
const BUILD: &str = "123456789012";
const WORKLOAD_A: &str = "222222222222";
const WORKLOAD_B: &str = "333333333333";
const NOT_TRUSTING: &str = "444444444444";
const ROLE: &str = "amitools-read";
const EU: &str = "eu-west-1";

fn role_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/{ROLE}")
}

/// The three accounts' images, and their ids by name.
struct Estate {
    sim: Sim,
    base: String,
    hardened: String,
    a_app: String,
    a_app_eu: String,
    b_app: String,
    b_app_next: String,
}

fn seed(sim: &Sim, account: &str, region: &str, images: Value) {
    sim.control("images", Some(json!({"account": account, "region": region, "images": images})));
}

/// The build account's base image, shared with both workload accounts, and
/// its own hardened child; workload A's app image made from the base and
/// its copy in eu-west-1; workload B's app image (its lineage in tags only,
/// shared back with the build account) and B's next image made from it.
fn estate() -> Estate {
    let sim = Sim::start_with(json!({"assumable_roles": [role_arn(WORKLOAD_A), role_arn(WORKLOAD_B)]}));
    let [base, hardened, a_app, a_app_eu, b_app, b_app_next] = [1u64, 2, 3, 4, 5, 6].map(|n| ami(0x7000 + n));
    let mut base_image = json!({"ami_id": base, "name": "base", "creation_date": "2013-04-17T18:18:25Z",
                                "tags": {"team": "build"},
                                "launch_permissions": [{"UserId": WORKLOAD_A}, {"UserId": WORKLOAD_B}]});
    base_image["tags"]["team"] = json!("build");
    seed(&sim, BUILD, REGION, json!([base_image, tagged(&hardened, &base, REGION, T0 + 1)]));
    let mut app = tagged(&a_app, &base, REGION, T0 + 2);
    app["tags"]["team"] = json!("a");
    seed(&sim, WORKLOAD_A, REGION, json!([app]));
    seed(&sim, WORKLOAD_A, EU, json!([tagged(&a_app_eu, &a_app, REGION, T0 + 3)]));
    let mut b = retro_tagged(&b_app, &base, REGION, T0 + 4);
    b["launch_permissions"] = json!([{"UserId": BUILD}]);
    seed(&sim, WORKLOAD_B, REGION, json!([b, retro_tagged(&b_app_next, &b_app, REGION, T0 + 5)]));
    Estate { sim, base, hardened, a_app, a_app_eu, b_app, b_app_next }
}

fn accounts_args(accounts: &str) -> [String; 4] {
    ["--accounts".into(), accounts.into(), "--role".into(), ROLE.into()]
}

fn cells(out: &str) -> Vec<String> {
    out.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn children_across_accounts_and_regions_shows_every_accounts_derived_images_and_copies() {
    let e = estate();
    e.sim.reset_stats();
    let accounts = format!("{WORKLOAD_A},{WORKLOAD_B}");
    let (code, out, err) =
        run(e.sim.amitools().args(accounts_args(&accounts)).args(["children", "--all-regions", &e.base]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    let date = |n: i64| {
        let at = time::OffsetDateTime::from_unix_timestamp(T0 + n).unwrap();
        at.format(time::macros::format_description!(
            "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
        ))
        .unwrap()
    };
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            format!("{}  {}  base", e.base, date(0)),
            format!("├── {}  {}  image-{}", e.hardened, date(1), e.hardened),
            format!("├── {}  {}  image-{}  [{WORKLOAD_A} {REGION}]", e.a_app, date(2), e.a_app),
            format!("│   └── {}  {}  image-{}  [{WORKLOAD_A} {EU}]", e.a_app_eu, date(3), e.a_app_eu),
            format!("└── {}  {}  image-{}  [{WORKLOAD_B} {REGION}]", e.b_app, date(4), e.b_app),
            format!("    └── {}  {}  image-{}  [{WORKLOAD_B} {REGION}]", e.b_app_next, date(5), e.b_app_next),
        ]
    );
    // Each workload account was entered once, and asked in every region at once.
    let stats = e.sim.control("stats", None);
    assert_eq!(stats["actions"]["AssumeRole"], 2);
    assert_eq!(stats["actions"]["GetCallerIdentity"], 1);
    let regions = e.sim.control("stats", None)["regions"].as_object().unwrap().len() as u64;
    for account in [BUILD, WORKLOAD_A, WORKLOAD_B] {
        let asked = stats["accounts"][account]["DescribeImages"].as_u64().unwrap_or(0);
        assert!(asked >= regions - 1, "{account} asked {asked} times in {regions} regions");
    }

    // JSON and columns carry the account that read each image.
    let (code, out, err) = run(e.sim.amitools().args(accounts_args(&accounts)).args([
        "children",
        "--regions",
        &format!("{REGION},{EU}"),
        "--flat",
        "-C",
        "image_id,account,owner",
        &e.base,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        cells(&out),
        [
            "DEPTH IMAGE_ID ACCOUNT OWNER".to_string(),
            format!("0 {} {BUILD} {BUILD}", e.base),
            format!("1 {} {BUILD} {BUILD}", e.hardened),
            format!("1 {} {WORKLOAD_A} {WORKLOAD_A}", e.a_app),
            format!("2 {} {WORKLOAD_A} {WORKLOAD_A}", e.a_app_eu),
            format!("1 {} {WORKLOAD_B} {WORKLOAD_B}", e.b_app),
            format!("2 {} {WORKLOAD_B} {WORKLOAD_B}", e.b_app_next),
        ]
    );
    let (code, out, _) =
        run(e.sim.amitools().args(accounts_args(&accounts)).args(["-o", "json", "children", "--flat", &e.base]));
    assert_eq!(code, 0);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let app = rows.iter().find(|r| r["image_id"] == e.a_app.as_str()).unwrap();
    assert_eq!((app["account"].as_str(), app["tags"]["team"].as_str()), (Some(WORKLOAD_A), Some("a")));

    // As a picture: one cluster per account and region.
    let (code, dot, err) =
        run(e.sim.amitools().args(accounts_args(&accounts)).args(["-o", "dot", "children", "--regions", EU, &e.base]));
    assert_eq!(code, 0, "{err}");
    for cluster in [format!("label=\"{BUILD} {REGION}\";"), format!("label=\"{WORKLOAD_A} {EU}\";")] {
        assert!(dot.contains(&cluster), "{cluster}\n{dot}");
    }

    // Without --accounts: your own account's images only, and no account in JSON.
    let (code, out, _) = run(e.sim.amitools().args(["-o", "json", "children", "--flat", &e.base]));
    assert_eq!(code, 0);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["image_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [e.base.as_str(), e.hardened.as_str()]);
    assert!(rows.iter().all(|r| r["account"].is_null()));
}

#[test]
fn children_with_a_large_region_walks_generations_in_every_account() {
    // page_size 1: no account's region fits in one page: generation queries in each.
    let e = estate();
    e.sim.configure(json!({"page_size": 1}));
    let accounts = format!("{WORKLOAD_A},{WORKLOAD_B}");
    let (code, out, err) = run(e.sim.amitools().args(accounts_args(&accounts)).args([
        "children",
        "--regions",
        &format!("{REGION},{EU}"),
        "--ids",
        &e.base,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [&e.base, &e.hardened, &e.a_app, &e.a_app_eu, &e.b_app, &e.b_app_next].map(String::as_str)
    );
}

#[test]
fn ancestors_of_a_workload_image_reach_the_build_accounts_base_with_its_tags() {
    let e = estate();
    let (code, out, err) =
        run(e.sim.amitools().args(accounts_args(WORKLOAD_A)).args(["-r", EU, "-o", "json", "ancestors", &e.a_app_eu]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let chain: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["image_id"].as_str().unwrap(), r["account"].as_str().unwrap())).collect();
    assert_eq!(chain, [(e.a_app_eu.as_str(), WORKLOAD_A), (e.a_app.as_str(), WORKLOAD_A), (e.base.as_str(), BUILD)]);
    assert_eq!(rows[1]["tags"]["team"], "a", "workload A's tags, read with its credentials");
    assert_eq!(rows[2]["tags"]["team"], "build");
    // Without the workload account, the image is not visible at all.
    let (code, _, err) = run(e.sim.amitools().args(["-r", EU, "ancestors", &e.a_app_eu]));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn a_parent_another_account_owns_is_read_with_that_accounts_credentials() {
    // B's app image is shared with the build account, which sees it without
    // its tags: only B's credentials see that it was made from the base.
    let e = estate();
    let (code, out, err) = run(e.sim.amitools().args(["ancestors", "-C", "image_id,account,origin", &e.b_app]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(cells(&out), ["IMAGE_ID ACCOUNT ORIGIN".to_string(), format!("{} - -", e.b_app)]);
    let (code, out, err) = run(e.sim.amitools().args(accounts_args(WORKLOAD_B)).args([
        "ancestors",
        "-C",
        "image_id,account,origin",
        &e.b_app_next,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        cells(&out),
        [
            "IMAGE_ID ACCOUNT ORIGIN".to_string(),
            format!("{} {WORKLOAD_B} tag", e.b_app_next),
            format!("{} {WORKLOAD_B} tag", e.b_app),
            format!("{} {BUILD} -", e.base),
        ]
    );
}

#[test]
fn an_account_whose_role_cannot_be_assumed_is_named_skipped_and_exit_1() {
    let e = estate();
    let accounts = format!("{WORKLOAD_A},{NOT_TRUSTING}");
    let (code, out, err) =
        run(e.sim.amitools().args(accounts_args(&accounts)).args(["children", "--ids", "--all-regions", &e.base]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), [&e.base, &e.hardened, &e.a_app, &e.a_app_eu].map(String::as_str));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!("amitools: account {NOT_TRUSTING} skipped: "))
            && lines[0].contains("AccessDenied"),
        "{err}"
    );
    assert!(lines[0].contains(&format!("sts:AssumeRole on resource: {}", role_arn(NOT_TRUSTING))), "{err}");
    assert_eq!(
        lines[1],
        format!("amitools: error: 1 account(s) could not be read, the answer may be incomplete: {NOT_TRUSTING}")
    );
}

#[test]
fn an_account_that_refuses_is_named_and_the_rest_is_shown() {
    let e = estate();
    e.sim.configure(json!({"deny_accounts": [WORKLOAD_B]}));
    let accounts = format!("{WORKLOAD_A},{WORKLOAD_B}");
    let (code, out, err) =
        run(e.sim.amitools().args(accounts_args(&accounts)).args(["children", "--ids", "--regions", REGION, &e.base]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), [&e.base, &e.hardened, &e.a_app].map(String::as_str));
    assert!(err.starts_with(&format!("amitools: account {WORKLOAD_B} {REGION} skipped: ")), "{err}");
    assert!(err.ends_with(&format!(
        "amitools: error: 1 region(s) could not be searched, the tree may be incomplete: account {WORKLOAD_B} {REGION}\n"
    )), "{err}");
}

#[test]
fn bad_account_options_are_refused_before_any_call() {
    let sim = Sim::start();
    for (args, expected) in [
        (vec!["--accounts", "12345", "--role", ROLE, "children", "ami-12345678"], "'12345' is not an AWS account id"),
        (vec!["--accounts", WORKLOAD_A, "children", "ami-12345678"], "--role"),
        (vec!["--role", ROLE, "children", "ami-12345678"], "--accounts"),
        (vec!["--organization", "children", "ami-12345678"], "--role"),
        (
            vec!["--organization", "--accounts", WORKLOAD_A, "--role", ROLE, "children", "ami-12345678"],
            "cannot be used with",
        ),
        (vec!["--accounts", WORKLOAD_A, "--role", "arn:aws:iam::1:role/x", "children", "ami-12345678"], "not its ARN"),
        (vec!["--accounts", WORKLOAD_A, "--role", "bad name", "children", "ami-12345678"], "not an IAM role name"),
        (
            vec!["--accounts", WORKLOAD_A, "--role", ROLE, "tag", "--from-api", "ami-12345678"],
            "acts in your own account",
        ),
        (vec!["--accounts", WORKLOAD_A, "--role", ROLE, "prune", "--keep", "1"], "only with --include-shared"),
    ] {
        let (code, _, err) = run(sim.amitools().args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

/// prune --include-shared --accounts: an image shared only with accounts
/// amitools reads is asked about in each of them (their launch templates,
/// instances, launch configurations), not through a usage report.
#[test]
fn prune_include_shared_asks_the_accounts_it_can_read_what_uses_a_shared_image() {
    let sim = Sim::start_with(json!({"assumable_roles": [role_arn(WORKLOAD_A)]}));
    // A family of four, 10 to 40 days old: the newest kept; the next two
    // shared with workload A, whose launch template uses the first of them.
    let images: Vec<Value> = (0..4u64)
        .map(|n| {
            let mut image = generated_image(&ami(0x900 + n), "golden", 0x900 + n, 10 * (n as i64 + 1));
            if n == 1 || n == 2 {
                image["launch_permissions"] = json!([{"UserId": WORKLOAD_A}]);
            }
            image
        })
        .collect();
    let ids = sim.register(REGION, json!(images));
    sim.control("launch-template", Some(json!({"account": WORKLOAD_A, "region": REGION, "image_ids": [ids[1]]})));
    let prune = |extra: &[&str]| {
        run(with_accounts(&sim, WORKLOAD_A)
            .args(["prune", "--keep", "1", "--older-than", "5d", "--include-shared", "-o", "json"])
            .args(extra))
    };
    sim.reset_stats();
    let (code, out, err) = prune(&[]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let row = |id: &str| plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == id).unwrap().clone();
    assert_eq!(row(&ids[1])["action"], "keep");
    assert_eq!(row(&ids[1])["reason"], format!("in use in account {WORKLOAD_A} (1 launch template)"));
    assert_eq!(row(&ids[2])["action"], "delete");
    assert_eq!(row(&ids[2])["usage_report"], json!({"report_id": null, "accounts_checked": [WORKLOAD_A]}));
    assert_eq!(row(&ids[3])["action"], "delete");
    let stats = sim.control("stats", None);
    assert_eq!(stats["actions"]["CreateImageUsageReport"], Value::Null, "no usage report: the account was asked");
    assert!(stats["accounts"][WORKLOAD_A]["DescribeImageReferences"].as_u64().unwrap() >= 1);

    let (code, out, err) = prune(&["--apply"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let deleted = |id: &String| (id.clone(), "deleted".to_string());
    assert_eq!(results_in(&applied, "results"), [deleted(&ids[2]), deleted(&ids[3])]);
    assert_eq!(sim.image(REGION, &ids[1])["found"], true, "the image workload A launches is kept");

    // Without the account: a usage report decides, and sees the same launch template.
    sim.reset_stats();
    let (code, out, err) =
        run(sim.amitools().args(["prune", "--keep", "1", "--older-than", "5d", "--include-shared", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let kept = plan["images"].as_array().unwrap().iter().find(|i| i["image_id"] == ids[1].as_str()).unwrap();
    assert_eq!(kept["reason"], format!("in use in account {WORKLOAD_A} (1 launch template)"));
    assert_eq!(sim.calls("CreateImageUsageReport"), 1);
}

/// The binary with --accounts ACCOUNTS --role ROLE.
fn with_accounts(sim: &Sim, accounts: &str) -> assert_cmd::Command {
    let mut cmd = sim.amitools();
    cmd.args(accounts_args(accounts));
    cmd
}

/// revoke --descendants --accounts: every descendant in every account is in
/// the plan, each changed in the account that owns it, through the role; what
/// the role may not change is named, with the command that account must run.
#[test]
fn revoke_descendants_across_accounts_changes_each_in_its_own_account() {
    let e = estate();
    let regions = format!("{REGION},{EU}");
    let revoke = |extra: &[&str]| {
        run(with_accounts(&e.sim, WORKLOAD_A)
            .args(["-o", "json", "revoke", "--descendants", "--regions", &regions, "--reason", "CVE-2026-1"])
            .args(extra)
            .arg(&e.base))
    };
    let (code, out, err) = revoke(&[]);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(&str, &str, &str)> = plan["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["image_id"].as_str().unwrap(), i["account"].as_str().unwrap(), i["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            (e.base.as_str(), BUILD, "deprecate"),
            (e.hardened.as_str(), BUILD, "deprecate"),
            (e.a_app.as_str(), WORKLOAD_A, "deprecate"),
            (e.a_app_eu.as_str(), WORKLOAD_A, "deprecate"),
        ]
    );
    assert!(
        err.contains("2 image(s) in other accounts: --apply changes them in their own accounts through --role"),
        "{err}"
    );

    // A role that may read but not deprecate: the build account's images are
    // revoked, workload A's are named with the command A must run.
    e.sim.configure(json!({"deny_account_actions": {WORKLOAD_A: ["EnableImageDeprecation"]}}));
    let (code, _, err) = revoke(&["--apply"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "amitools: account {WORKLOAD_A}: 2 image(s) not changed through the role; with that account's own credentials: amitools revoke --apply {} {}",
            e.a_app, e.a_app_eu
        )),
        "{err}"
    );
    let deprecated = |account: &str, region: &str, id: &str| {
        let image = e.sim.control("image", Some(json!({"account": account, "region": region, "image_id": id})));
        (image["deprecation_time"].is_string(), image["tags"]["amitools:revoked"].is_string())
    };
    assert_eq!(deprecated(BUILD, REGION, &e.base), (true, true));
    assert_eq!(deprecated(BUILD, REGION, &e.hardened), (true, true));
    assert_eq!(deprecated(WORKLOAD_A, REGION, &e.a_app), (false, false));

    // A role that may: each workload image deprecated and tagged in its own account.
    e.sim.configure(json!({"deny_account_actions": {}}));
    let (code, out, err) = revoke(&["--apply"]);
    assert_eq!(code, 0, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let results: Vec<&str> =
        applied["images"].as_array().unwrap().iter().map(|i| i["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["left", "left", "deprecated", "deprecated"], "the build account's were revoked before");
    assert_eq!(deprecated(WORKLOAD_A, REGION, &e.a_app), (true, true));
    assert_eq!(deprecated(WORKLOAD_A, EU, &e.a_app_eu), (true, true));
}

/// --profiles: each other account through a named profile of its own
/// (long-term keys there), instead of a role; a profile that cannot be read is
/// named, skipped, exit 1.
#[test]
fn profiles_read_other_accounts_with_their_own_credentials() {
    let e = estate();
    let key = e.sim.control("access-key", Some(json!({"account": WORKLOAD_A})));
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[workload-a]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key["access_key_id"].as_str().unwrap(),
            key["secret_access_key"].as_str().unwrap()
        ),
    )
    .unwrap();
    let children = |profiles: &str| {
        run(e
            .sim
            .amitools()
            .env("HOME", home.path())
            .args(["--profiles", profiles, "children", "--ids", "--regions"])
            .args([&format!("{REGION},{EU}"), &e.base]))
    };
    e.sim.reset_stats();
    let (code, out, err) = children("workload-a");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), [&e.base, &e.hardened, &e.a_app, &e.a_app_eu].map(String::as_str));
    assert_eq!(e.sim.calls("AssumeRole"), 0, "the profile's own keys, no role");

    let (code, out, err) = children("workload-a,nonesuch");
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.lines().count(), 4);
    assert!(err.starts_with("amitools: profile 'nonesuch' skipped: "), "{err}");
    assert!(err.contains("profile 'nonesuch' (--profile)") && !err.contains("workload-a"), "{err}");
    assert!(err.ends_with("could not be read, the answer may be incomplete: profile 'nonesuch'\n"), "{err}");
}

/// --organization: every ACTIVE account of the organization, each through
/// --role; a suspended one is left out; an account that manages no
/// organization cannot list it (exit 1, nothing printed).
#[test]
fn organization_reads_every_active_account_of_the_organization() {
    let e = estate();
    e.sim.control(
        "organization",
        Some(json!({"accounts": [{"id": WORKLOAD_A}, {"id": WORKLOAD_B}, {"id": NOT_TRUSTING, "state": "SUSPENDED"}]})),
    );
    e.sim.reset_stats();
    let (code, out, err) = run(e
        .sim
        .amitools()
        .args(["--organization", "--role", ROLE, "children", "--ids", "--regions"])
        .args([&format!("{REGION},{EU}"), &e.base]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [&e.base, &e.hardened, &e.a_app, &e.a_app_eu, &e.b_app, &e.b_app_next].map(String::as_str)
    );
    let stats = e.sim.control("stats", None);
    assert_eq!(stats["actions"]["ListAccounts"], 1);
    assert_eq!(stats["actions"]["AssumeRole"], 2, "the suspended account and your own are not assumed into");

    // Asked from an account that manages no organization.
    let key = e.sim.control("access-key", Some(json!({"account": WORKLOAD_A})));
    let (code, out, err) = run(e
        .sim
        .amitools()
        .env("AWS_ACCESS_KEY_ID", key["access_key_id"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", key["secret_access_key"].as_str().unwrap())
        .args(["--organization", "--role", ROLE, "children", &e.base]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("--organization: the organization's accounts could not be listed"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
