//! `amitools waiton` against the simulator.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{run, Sim, REGION};
use serde_json::{json, Value};

/// A new image made by CreateImage (so it starts pending, as in real EC2).
fn new_image(sim: &Sim) -> String {
    let (instance, _) = sim.run_instance(REGION);
    let (code, out, err) = run(sim.amitools().args(["create", &instance]));
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

#[test]
fn pending_then_available_is_seen_within_about_a_second() {
    let sim = Sim::start_with(json!({"pending_seconds": 4}));
    let id = new_image(&sim);
    let created = Instant::now();
    sim.reset_stats();
    let (code, out, err) = run(sim.amitools().args(["waiton", &id]));
    let took = created.elapsed();
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "quiet on success when stderr is not a terminal");
    assert!(took >= Duration::from_secs(4) && took < Duration::from_millis(5500), "took {took:?}");
    // At most one DescribeImages a second, and it did poll.
    let calls = sim.calls("DescribeImages");
    assert!((3..=6).contains(&calls), "{calls} DescribeImages in ~4 s");
}

#[test]
fn failure_during_the_wait_ends_it_on_the_next_poll() {
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let id = new_image(&sim);
    let child = sim.process().args(["waiton", &id]).stderr(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sim.set_state(REGION, &id, "failed");
    let changed = Instant::now();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(changed.elapsed() < Duration::from_millis(1500), "noticed after {:?}", changed.elapsed());
    assert_eq!(err.trim(), format!("amitools: error: image {id} is failed; it can never become available"));
}

#[test]
fn already_failed_stops_at_once_unless_dumb() {
    let sim = Sim::start();
    let id = sim.register(REGION, json!([{"state": "failed"}])).remove(0);
    let (code, _, err) = run(sim.amitools().args(["waiton", &id, "available"]));
    assert_eq!(code, 3, "{err}");
    assert_eq!(sim.calls("DescribeImages"), 1);

    let started = Instant::now();
    let (code, _, err) = run(sim.amitools().args(["waiton", "--dumb", "--timeout", "3s", &id]));
    assert_eq!(code, 4, "{err}");
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(err.contains("timed out after 3s") && err.contains("last state seen: failed"), "{err}");
}

#[test]
fn an_image_invisible_after_creation_is_waited_for() {
    let sim = Sim::start_with(json!({"pending_seconds": 2, "invisible_seconds": 3}));
    let id = new_image(&sim);
    let (code, _, err) = run(sim.amitools().args(["waiton", &id]));
    assert_eq!(code, 0, "{err}");

    // The same image, seen as not found by a wait that does not allow for it.
    let id = new_image(&sim);
    let (code, _, err) = run(sim.amitools().args(["waiton", "--nowait-exist", &id]));
    assert_eq!(code, 5, "{err}");
}

#[test]
fn an_unknown_image_with_nowait_exist_is_exit_5_at_once() {
    let sim = Sim::start();
    let (code, out, err) = run(sim.amitools().args(["waiton", "--nowait-exist", "ami-0123456789abcdef0"]));
    assert_eq!((code, out.as_str()), (5, ""));
    assert_eq!(err.trim(), "amitools: error: image ami-0123456789abcdef0 does not exist (region us-east-1)");
    assert_eq!(sim.calls("DescribeImages"), 1);

    let (code, _, err) = run(sim.amitools().args(["waiton", "--exist-timeout", "2s", "ami-0123456789abcdef0"]));
    assert_eq!(code, 5);
    assert!(err.contains("did not appear within 2s"), "{err}");
}

#[test]
fn exists_is_any_visible_state_and_json_gives_the_image() {
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let id = new_image(&sim);
    let (code, out, _) = run(sim.amitools().args(["waiton", "-o", "json", &id, "exists"]));
    assert_eq!(code, 0);
    let image: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((image["image_id"].as_str(), image["state"].as_str()), (Some(id.as_str()), Some("pending")));
    assert_eq!(image["tags"]["source_region"], REGION);

    let (code, _, err) = run(sim.amitools().args(["waiton", "--nowait-exist", &id, "exists"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_wait_rides_out_throttling() {
    let sim = Sim::start_with(json!({"pending_seconds": 3, "seed": 7}));
    let id = new_image(&sim);
    sim.configure(json!({"throttle_rate": 0.3}));
    let (code, _, err) = run(sim.amitools().args(["waiton", &id]));
    assert_eq!(code, 0, "{err}");
    assert!(sim.control("stats", None)["faults"].as_u64().unwrap() > 0, "no request was throttled");
}

#[test]
fn an_authorisation_error_ends_the_wait() {
    let sim = Sim::start();
    sim.configure(json!({"deny_actions": ["DescribeImages"]}));
    let (code, _, err) = run(sim.amitools().args(["waiton", "ami-0123456789abcdef0"]));
    assert_eq!(code, 1);
    assert!(err.contains("UnauthorizedOperation"), "{err}");
}

#[test]
fn the_progress_line_appears_only_on_a_terminal() {
    let sim = Sim::start_with(json!({"pending_seconds": 3}));
    let id = new_image(&sim);
    let (ok, screen) = sim.on_terminal(&format!("waiton {id}"));
    assert!(ok, "{screen:?}");
    assert!(screen.contains(&format!("{id}  pending  (waiting for available")), "{screen:?}");
    assert!(screen.ends_with("\r\x1b[2K"), "the line is cleared at the end: {screen:?}");

    let id = new_image(&sim);
    let (ok, screen) = sim.on_terminal(&format!("-q waiton {id}"));
    assert!(ok);
    assert_eq!(screen, "", "-q shows no progress");
    // Not a terminal: nothing either (asserted in pending_then_available_is_seen_within_about_a_second).
}

#[test]
fn ctrl_c_ends_a_wait_by_the_signal_and_sigterm_too() {
    use std::os::unix::process::ExitStatusExt;
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let id = new_image(&sim);
    for (signal, number) in [("-INT", 2), ("-TERM", 15)] {
        let child = sim.process().args(["waiton", &id]).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let interrupted = Instant::now();
        let status = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        // Died by the signal (a shell shows 130 or 143), not exit(130).
        assert_eq!((output.status.code(), output.status.signal()), (None, Some(number)), "{signal}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "amitools: interrupted\n");
        assert!(interrupted.elapsed() < Duration::from_secs(1), "{:?}", interrupted.elapsed());
    }
}

#[test]
fn ctrl_c_stops_a_shell_loop_over_waiton() {
    // bash stops a loop when a foreground child dies by SIGINT. The whole
    // process group gets the signal, as a terminal's Ctrl-C sends it.
    let sim = Sim::start_with(json!({"pending_seconds": 600}));
    let id = new_image(&sim);
    let script = format!(
        "for n in 1 2 3; do echo \"start $n\"; '{}' waiton {id}; done; echo finished",
        assert_cmd::cargo::cargo_bin("amitools").display()
    );
    let mut shell = sim.process_of("setsid");
    shell.args(["bash", "-c", &script]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = shell.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    // setsid made the shell a group leader: signal its whole group.
    let status = std::process::Command::new("kill").args(["-INT", "--", &format!("-{}", child.id())]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(out, "start 1\n", "the loop went on after Ctrl-C: {out}");
}

#[test]
fn waiting_for_deregistered_across_a_deregistration() {
    // Before: the wait saw the image, then "not found", and exited 5.
    // Once gone, EC2 first answers an empty list, NotFound only later: both are "gone".
    for empty_seconds in [0, 600] {
        waiting_for_deregistered_with(json!({"deregistered_empty_seconds": empty_seconds}));
    }
}

fn waiting_for_deregistered_with(mut config: Value) {
    config["pending_seconds"] = json!(0);
    config["deregistered_seconds"] = json!(0);
    let sim = Sim::start_with(config);
    let id = new_image(&sim);
    let child = sim.process().args(["waiton", &id, "deregistered"]).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sim.control("deregister", Some(json!({"region": REGION, "image_id": id})));
    let deregistered = Instant::now();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "seen, then gone: deregistered: {err}");
    assert!(deregistered.elapsed() < Duration::from_secs(4), "{:?}", deregistered.elapsed());
    // Once gone, an image never seen by this wait is still "does not exist".
    std::thread::sleep(Duration::from_millis(1500));
    let (code, _, err) = run(sim.amitools().args(["waiton", "--nowait-exist", &id, "deregistered"]));
    assert_eq!(code, 5, "{err}");
}

#[test]
fn a_disabled_image_enabled_during_the_wait_becomes_available() {
    let sim = Sim::start_with(json!({"pending_seconds": 0}));
    let id = new_image(&sim);
    sim.set_state(REGION, &id, "disabled");
    let child = sim.process().args(["waiton", &id, "available"]).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    sim.set_state(REGION, &id, "available");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}
