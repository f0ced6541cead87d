//! `-o dot` and `-o mermaid` for ancestors, children and revoke's plan: what Graphviz
//! itself accepts (`dot -Tsvg`), what Mermaid's flowchart grammar allows,
//! hostile names kept inside their labels, and every other command refusing.

mod common;

use common::{ami, run, tagged, Sim, REGION};
use serde_json::json;

const T0: i64 = 1_366_222_705;
const HOSTILE: &str = "evil\"]; n0 -> x [label=\"\\\\ <b>#34; `x`\nend\u{202e}|)";

/// A root, a disabled child, a deprecated one, a revoked one with a hostile
/// name, and a copy in eu-west-1.
fn lineage(sim: &Sim) -> [String; 5] {
    let [root, disabled, deprecated, hostile, copy] = [1u64, 2, 3, 4, 5].map(|n| ami(0x8000 + n));
    let mut bad = tagged(&hostile, &root, REGION, T0 + 3);
    bad["name"] = json!(HOSTILE);
    bad["tags"]["amitools:revoked"] = json!("2026-12-02T21:40:12Z deprecated: CVE-2026-1");
    let mut old = tagged(&deprecated, &root, REGION, T0 + 2);
    old["deprecation_time"] = json!("2021-03-01T00:00:00Z");
    sim.register(
        REGION,
        json!([{"ami_id": root, "name": "root", "creation_date": "2013-04-17T18:18:25Z"},
               tagged(&disabled, &root, REGION, T0 + 1), old, bad]),
    );
    sim.register("eu-west-1", json!([tagged(&copy, &disabled, REGION, T0 + 4)]));
    sim.set_state(REGION, &disabled, "disabled");
    [root, disabled, deprecated, hostile, copy]
}

/// Whether Graphviz is here; scripts/test installs it (and then requires it).
fn graphviz() -> bool {
    let here = std::process::Command::new("dot").arg("-V").output().is_ok();
    assert!(here || std::env::var_os("AMITOOLS_REQUIRE_SHELLS").is_none(), "dot is missing; scripts/test installs it");
    here
}

/// `program ARG` with `text` on its stdin.
fn piped(program: impl AsRef<std::ffi::OsStr>, arg: impl AsRef<std::ffi::OsStr>, text: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .arg(arg)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn dot_accepts(text: &str) -> String {
    let out = piped("dot", "-Tsvg", text);
    assert!(out.status.success(), "dot refused it: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}\n{text}");
    String::from_utf8(out.stdout).unwrap()
}

/// What Mermaid's own parser (scripts/lib/mermaid, installed by scripts/test)
/// understood of a diagram: its nodes (id, text, classes), edges and
/// subgraphs. None where it is not installed (outside scripts/test).
fn mermaid_parsed(text: &str) -> Option<serde_json::Value> {
    let Some(check) = std::env::var_os("AMITOOLS_MERMAID_CHECK") else {
        assert!(
            std::env::var_os("AMITOOLS_REQUIRE_SHELLS").is_none(),
            "AMITOOLS_MERMAID_CHECK is not set; scripts/test sets it"
        );
        return None;
    };
    let out = piped("node", &check, text);
    assert!(out.status.success(), "{}\n{text}", String::from_utf8_lossy(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["type"], "flowchart-v2", "{parsed}");
    Some(parsed)
}

/// The parsed nodes' ids, texts and classes.
fn parsed_nodes(parsed: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    parsed["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let classes = n["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
            (n["id"].as_str().unwrap().to_string(), n["text"].as_str().unwrap().to_string(), classes)
        })
        .collect()
}

/// Mermaid's flowchart, as far as amitools emits it: every line one of the
/// forms below, labels quoted with no quote inside; then Mermaid's own
/// parser, where scripts/test installed it.
fn check_mermaid(text: &str) -> Option<serde_json::Value> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart TB"), "{text}");
    let node_id = |s: &str| s.len() > 1 && s.starts_with(['n', 'c']) && s[1..].bytes().all(|b| b.is_ascii_digit());
    let quoted = |s: &str| s.len() >= 2 && s.starts_with('"') && s.ends_with('"') && !s[1..s.len() - 1].contains('"');
    let mut open = 0;
    for line in lines {
        let body = line.trim_start();
        let ok = if let Some(rest) = body.strip_prefix("subgraph ") {
            open += 1;
            let (id, label) = rest.split_once('[').unwrap_or(("", ""));
            node_id(id) && label.ends_with(']') && quoted(&label[..label.len() - 1])
        } else if body == "end" {
            open -= 1;
            open >= 0
        } else if let Some(rest) = body.strip_prefix("classDef ") {
            rest.split_once(' ')
                .is_some_and(|(name, style)| name.bytes().all(|b| b.is_ascii_lowercase()) && style.contains(':'))
        } else if let Some(rest) = body.strip_prefix("class ") {
            rest.split_once(' ').is_some_and(|(ids, _)| ids.split(',').all(node_id))
        } else if let Some((from, rest)) = body.split_once(" -->") {
            let to = rest
                .strip_prefix("|tag| ")
                .or(rest.strip_prefix("|ec2| "))
                .or(rest.strip_prefix("|ancestry| "))
                .or(rest.strip_prefix(' '));
            node_id(from) && to.is_some_and(node_id)
        } else if let Some((id, label)) = body.split_once('[') {
            node_id(id) && label.ends_with(']') && quoted(&label[..label.len() - 1])
        } else {
            false
        };
        assert!(ok, "not Mermaid as amitools writes it: {line:?}\n{text}");
    }
    assert_eq!(open, 0, "{text}");
    mermaid_parsed(text)
}

#[test]
fn children_as_dot_is_accepted_by_graphviz_with_every_look_and_a_hostile_name() {
    let sim = Sim::start();
    let [root, disabled, deprecated, hostile, copy] = lineage(&sim);
    let regions = format!("{REGION},eu-west-1");
    let (code, dot, err) = run(sim.amitools().args(["-o", "dot", "children", "--regions", &regions, &root]));
    assert_eq!(code, 0, "{err}");
    for expected in [
        "subgraph cluster_0 {\n    label=\"eu-west-1\";".to_string(),
        format!("n0 [label=\"{root}\\nroot\\nWed Apr 17 18:18:25 UTC 2013\\navailable\"];"),
        format!("n1 [label=\"{disabled}\\nimage-{disabled}\\nWed Apr 17 18:18:26 UTC 2013\\ndisabled\", fillcolor=\"lightgray\"];"),
        "n0 -> n1 [label=\"tag\"];".to_string(),
        "n1 -> n2 [label=\"tag\"];".to_string(),
    ] {
        assert!(dot.contains(&expected), "{expected}\n{dot}");
    }
    assert!(
        dot.contains(&format!("{deprecated}\\nimage-{deprecated}"))
            && dot.contains("available, deprecated\", fillcolor=\"lightyellow\""),
        "{dot}"
    );
    assert!(
        dot.contains(&format!("n4 [label=\"{hostile}\\nevil\\\"]; n0 -> x [label=\\\"\\\\\\\\ <b>#34; `x` end |)")),
        "{dot}"
    );
    assert!(dot.contains("revoked\", fillcolor=\"mistyrose\""), "{dot}");
    assert!(dot.contains(&copy));
    if graphviz() {
        let svg = dot_accepts(&dot);
        // The hostile name is one label's text, not markup or a node of its own.
        assert!(svg.contains("evil&quot;]; n0 &#45;&gt; x [label=&quot;\\\\ &lt;b&gt;#34; `x` end"), "{svg}");
        assert_eq!(svg.matches("class=\"node\"").count(), 5, "{svg}");
        assert_eq!(svg.matches("class=\"edge\"").count(), 4, "{svg}");
    }
    // The same lineage as Mermaid.
    let (code, mermaid, err) = run(sim.amitools().args(["-o", "mermaid", "children", "--regions", &regions, &root]));
    assert_eq!(code, 0, "{err}");
    if let Some(parsed) = check_mermaid(&mermaid) {
        // Mermaid itself sees 5 nodes, 4 edges, 2 subgraphs: the hostile name is one node's text.
        let nodes = parsed_nodes(&parsed);
        assert_eq!(nodes.len(), 5, "{parsed}");
        assert_eq!(parsed["edges"].as_array().unwrap().len(), 4, "{parsed}");
        assert_eq!(parsed["subgraphs"].as_array().unwrap().len(), 2, "{parsed}");
        let (_, text, classes) = nodes.iter().find(|(id, _, _)| id == "n4").unwrap();
        assert!(text.starts_with(&format!("{hostile}<br>evil")), "{text}");
        assert_eq!(classes, &["revoked"]);
    }
    assert!(mermaid.contains("  class n1 disabled\n") && mermaid.contains("  class n4 revoked\n"), "{mermaid}");
    assert!(
        mermaid
            .contains("evil#34;#93;#59; n0 -#62; x #91;label=#34;#92;#92; #60;b#62;#35;34#59; #96;x#96; end #124;#41;"),
        "{mermaid}"
    );
}

#[test]
fn ancestors_as_mermaid_and_dot_exactly() {
    let sim = Sim::start();
    let [root, parent, child] = [1u64, 2, 3].map(|n| ami(0x8100 + n));
    sim.register(
        REGION,
        json!([{"ami_id": root, "name": "root", "creation_date": "2013-04-17T18:18:25Z"},
               tagged(&parent, &root, REGION, T0 + 1), tagged(&child, &parent, REGION, T0 + 2)]),
    );
    let (code, mermaid, err) = run(sim.amitools().args(["-o", "mermaid", "ancestors", &child]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        mermaid,
        format!(
            "flowchart TB
  subgraph c0[\"{REGION}\"]
    n0[\"{child}<br/>image-{child}<br/>Wed Apr 17 18:18:27 UTC 2013<br/>available\"]
    n1[\"{parent}<br/>image-{parent}<br/>Wed Apr 17 18:18:26 UTC 2013<br/>available\"]
    n2[\"{root}<br/>root<br/>Wed Apr 17 18:18:25 UTC 2013<br/>available\"]
  end
  n1 -->|tag| n0
  n2 -->|tag| n1
"
        )
    );
    if let Some(parsed) = check_mermaid(&mermaid) {
        let edges: Vec<(&str, &str, &str)> = parsed["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap(), e["text"].as_str().unwrap()))
            .collect();
        assert_eq!(edges, [("n1", "n0", "tag"), ("n2", "n1", "tag")]);
    }
    let (code, dot, err) = run(sim.amitools().args(["-o", "dot", "ancestors", &child]));
    assert_eq!(code, 0, "{err}");
    assert!(dot.starts_with(&format!("digraph \"ancestors of {child}\" {{\n")), "{dot}");
    if graphviz() {
        dot_accepts(&dot);
    }
}

#[test]
fn other_commands_refuse_the_pictures_before_any_call() {
    let sim = Sim::start();
    for args in [vec!["-o", "dot", "tag", "--from-api", "ami-12345678"], vec!["-o", "mermaid", "prune", "--keep", "1"]]
    {
        let (code, out, err) = run(sim.amitools().args(&args));
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        assert!(err.contains("-o dot and -o mermaid are for ancestors, children, revoke and restore"), "{err}");
    }
    assert_eq!(sim.total_calls(), 0);
}

/// `revoke`'s plan as a picture: each image's action, uses and sharing
/// under its label, what the plan changes outlined; Graphviz accepts it,
/// hostile name and all, and nothing is changed without --apply. After
/// --apply, the labels say what became of each image.
#[test]
fn revokes_plan_as_dot_and_mermaid() {
    let sim = Sim::start();
    let [root, _disabled, _deprecated, hostile, _copy] = lineage(&sim);
    sim.control("run-instance", Some(json!({"region": REGION, "image_id": root})));
    let regions = format!("{REGION},eu-west-1");
    let args = ["revoke", "--descendants", "--regions", &regions, &root];
    let (code, dot, err) = run(sim.amitools().args(["-o", "dot"]).args(args));
    assert_eq!(code, 0, "{err}");
    assert!(dot.starts_with(&format!("digraph \"revoke {root}\" {{\n")), "{dot}");
    let root_label = format!(
        "n0 [label=\"{root}\\nroot\\nWed Apr 17 18:18:25 UTC 2013\\navailable\\nplan: deprecate\\nuses: 1 instance (running)\\nshared: no\", penwidth=3];"
    );
    assert!(dot.contains(&root_label), "{root_label}\n{dot}");
    assert!(dot.contains(&format!("{hostile}\\nevil")), "{dot}");
    assert!(
        dot.contains("plan: already revoked\\namitools:revoked=2026-12-02T21:40:12Z deprecated: CVE-2026-1"),
        "{dot}"
    );
    assert!(dot.contains("n0 -> n1 [label=\"tag\"];") && dot.contains("n1 -> n2 [label=\"tag\"];"), "{dot}");
    if graphviz() {
        let svg = dot_accepts(&dot);
        assert_eq!(svg.matches("class=\"node\"").count(), 5, "{svg}");
        assert_eq!(svg.matches("class=\"edge\"").count(), 4, "{svg}");
    }
    let (code, mermaid, err) = run(sim.amitools().args(["-o", "mermaid"]).args(args));
    assert_eq!(code, 0, "{err}");
    if let Some(parsed) = check_mermaid(&mermaid) {
        let changed: Vec<String> = parsed_nodes(&parsed)
            .into_iter()
            .filter(|(_, _, classes)| classes.iter().any(|c| c == "changed"))
            .map(|(id, _, _)| id)
            .collect();
        assert_eq!(changed, ["n2", "n0", "n1", "n3"], "every image but the one already revoked");
    }
    assert!(mermaid.contains("  classDef changed stroke-width:4px\n"), "{mermaid}");
    assert_eq!(sim.calls("EnableImageDeprecation") + sim.calls("CreateTags"), 0, "a plan changes nothing");

    let (code, mermaid, err) = run(sim.amitools().args(["-o", "mermaid"]).args(args).arg("--apply"));
    assert_eq!(code, 0, "{err}");
    check_mermaid(&mermaid);
    assert!(mermaid.contains(&format!("n0[\"{root}<br/>root<br/>Wed Apr 17 18:18:25 UTC 2013<br/>available<br/>plan: deprecate<br/>result: deprecated<br/>")), "{mermaid}");
    assert!(mermaid.contains("<br/>plan: already revoked<br/>result: left<br/>"), "{mermaid}");
    assert_eq!(sim.calls("EnableImageDeprecation"), 2, "the root and the copy");
}

/// The parser check can fail: a label broken by a bare quote is refused,
/// and a name written unescaped (`evil"]; n1["x`) would add a node of its
/// own, which the parsed node count catches.
#[test]
fn mermaids_parser_refuses_a_broken_label_and_counts_an_injected_node() {
    let Some(check) = std::env::var_os("AMITOOLS_MERMAID_CHECK") else { return };
    let parse = |text: &str| piped("node", &check, text);
    let out = parse("flowchart TB\n  n0[\"ami-1<br/>ev\"il\"]\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("mermaid refused it: Parse error"), "{stderr}");
    let injected = parse("flowchart TB\n  n0[\"ami-1<br/>evil\"]; n1[\"x\"]\n");
    assert!(injected.status.success());
    let parsed: serde_json::Value = serde_json::from_slice(&injected.stdout).unwrap();
    assert_eq!(parsed_nodes(&parsed).len(), 2, "{parsed}");
}
