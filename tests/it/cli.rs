//! The `refdesk` binary as staff use it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::run_ok;

fn refdesk() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_refdesk"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("RUST_LOG");
    cmd
}

/// Runs the command with `input` on its stdin.
fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `refdesk faq check DIR`: its exit code and what it printed.
fn faq_check(dir: &std::path::Path) -> (Option<i32>, String) {
    let out = refdesk().args(["faq", "check"]).arg(dir).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A FAQ directory with one good entry, for checks that add a broken file beside it.
fn one_entry_faq() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.md"),
        "+++\nquestion = \"Q?\"\n+++\nA.\n",
    )
    .unwrap();
    dir
}

#[test]
fn faq_check_passes_on_the_sample_faq() {
    let out = refdesk().args(["faq", "check", "faq"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("40 entries"));
}

#[test]
fn faq_check_reports_path_and_line_and_exits_1() {
    let dir = one_entry_faq();
    std::fs::write(
        dir.path().join("bad.md"),
        "+++\nquestion = \"Q?\"\ncolour = \"red\"\n+++\nA.\n",
    )
    .unwrap();
    let (code, stdout) = faq_check(dir.path());
    assert_eq!(code, Some(1));
    let expected = format!(
        "{}:3: unknown field `colour`",
        dir.path().join("bad.md").display()
    );
    assert!(stdout.contains(&expected), "{stdout}");
}

#[test]
fn faq_check_reports_calibration_and_bad_synonyms() {
    let out = refdesk().args(["faq", "check", "faq"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[en] threshold") && stdout.contains("calibrated"),
        "{stdout}"
    );
    assert!(stdout.contains("estimated coverage"), "{stdout}");

    let dir = one_entry_faq();
    std::fs::write(
        dir.path().join("synonyms.toml"),
        "[en]\nreturn = [\"hand in\"]\nsubmit = [\"hand in\"]\n",
    )
    .unwrap();
    let (code, stdout) = faq_check(dir.path());
    assert_eq!(code, Some(1));
    let path = dir.path().join("synonyms.toml").display().to_string();
    assert!(
        stdout.contains(&path) && stdout.contains("`hand in` is a synonym of both"),
        "{stdout}"
    );
}

#[test]
fn ask_json_explains_the_decision() {
    let out = refdesk()
        .args([
            "ask",
            "--json",
            "I was charged twice for my fine, £5 each time",
        ])
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["outcome"], "escalate");
    assert_eq!(line["explanation"]["reason"], "personal_case");
    let out = refdesk()
        .args(["ask", "--json", "how do I renew my books"])
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &line["explanation"];
    assert_eq!(e["reason"], "confident");
    assert!(e["estimated_precision"].as_f64().unwrap() > 0.5, "{e}");
    assert!(line["confidence"].as_f64().unwrap() >= e["threshold"].as_f64().unwrap());
    assert!(
        e["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["term"] == "renew" && t["found_in"] == "topic"),
        "{e}"
    );
}

#[test]
fn ask_json_reads_stdin_line_by_line() {
    let out = run_with_stdin(
        refdesk().args(["ask", "--json", "-"]),
        b"How do I renew my books?\nhello\n\nwhat is the capital of mongolia\n",
    );
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["q"], "How do I renew my books?");
    assert_eq!(lines[0]["outcome"], "faq");
    assert_eq!(lines[0]["faq_id"], "renewals");
    assert_eq!(lines[1]["outcome"], "smalltalk");
    assert_eq!(lines[1]["faq_id"], serde_json::Value::Null);
    assert_eq!(lines[2]["outcome"], "escalate");
    for line in &lines {
        let c = line["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert!(line["candidates"].as_array().unwrap().len() <= 5);
    }
}

#[test]
fn ask_prints_the_answer_text() {
    let out = refdesk().args(["ask", "wifi password"]).output().unwrap();
    let expected =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/faq/wifi.md")).unwrap();
    let answer = expected.split("+++").nth(2).unwrap().trim();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), answer);
}

#[test]
fn eval_reports_the_metrics_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        "{\"q\": \"how do i renew my loans\", \"expect\": [\"faq:renewals\"]}\n\
         {\"q\": \"how do i renew my loans\", \"expect\": [\"faq:wifi\"]}\n\
         {\"q\": \"thanks!\", \"expect\": [\"smalltalk\"]}\n\
         {\"q\": \"what is the capital of mongolia\", \"expect\": [\"escalate\"]}\n",
    )
    .unwrap();
    let out = run_ok(refdesk().args(["eval", "--json", "--cases"]).arg(&cases));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["cases"], 4);
    assert_eq!(report["precision"]["value"], 0.5);
    assert_eq!(report["coverage"]["hits"], 1);
    assert_eq!(report["coverage"]["total"], 2);
    assert_eq!(report["out_of_scope_answered"]["value"], 0.0);
    assert_eq!(report["smalltalk_accuracy"]["value"], 1.0);
    assert_eq!(report["misses"].as_array().unwrap().len(), 1);
}

#[test]
fn a_broken_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("refdesk.toml");
    std::fs::write(&config, "[answer]\nthreshold = \"high\"\n").unwrap();
    let out = refdesk()
        .arg("--config")
        .arg(&config)
        .args(["ask", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold"));
}

#[test]
fn librarian_add_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"sqlite://{}/r.db\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let add = |name: &str, password: &str, admin: bool| {
        let mut cmd = refdesk();
        cmd.arg("--config")
            .arg(&config)
            .args(["librarian", "add", name, "--password-stdin"]);
        if admin {
            // The first account starts the database.
            cmd.args(["--admin", "--create-database"]);
        }
        run_with_stdin(&mut cmd, format!("{password}\n").as_bytes())
    };
    let ok = add("head", "a long enough passphrase", true);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let again = add("head", "a long enough passphrase", false);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let short = add("ann", "short", false);
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    // The password must come from stdin, never from the command line.
    let no_flag = refdesk()
        .arg("--config")
        .arg(&config)
        .args(["librarian", "add", "bob"])
        .output()
        .unwrap();
    assert!(!no_flag.status.success());
}

/// The accounts a desk cannot mend are mended from the command line: a new password, an
/// account enabled again; the last admin is never disabled; commands run against a
/// database that is not there say so instead of making one.
#[test]
fn librarian_reset_password_enable_and_the_last_admin() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"sqlite://{}/r.db\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut cmd = refdesk();
        cmd.arg("--config").arg(&config).args(args);
        run_with_stdin(&mut cmd, stdin.as_bytes())
    };
    let missing = run(&["librarian", "enable", "head"], "");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database"));
    assert!(!dir.path().join("r.db").exists());

    let pass = "a long enough passphrase\n";
    let add = [
        "librarian",
        "add",
        "head",
        "--admin",
        "--create-database",
        "--password-stdin",
    ];
    assert!(run(&add, pass).status.success());
    let last = run(&["librarian", "disable", "head"], "");
    assert!(!last.status.success());
    assert!(String::from_utf8_lossy(&last.stderr).contains("last active admin"));
    assert!(
        run(&["librarian", "add", "ann", "--password-stdin"], pass)
            .status
            .success()
    );
    assert!(run(&["librarian", "disable", "ann"], "").status.success());
    assert!(run(&["librarian", "enable", "ann"], "").status.success());
    let reset = ["librarian", "reset-password", "ann", "--password-stdin"];
    assert!(!run(&reset, "short\n").status.success());
    let ok = run(&reset, "another long passphrase\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let nobody = run(
        &["librarian", "reset-password", "zed", "--password-stdin"],
        pass,
    );
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no librarian called zed"));
    let none = run(
        &["patron", "export", "--channel", "telegram", "--id", "42"],
        "",
    );
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("nothing is stored"));
}
