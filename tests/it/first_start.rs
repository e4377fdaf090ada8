//! A new user with only the binary: `refdesk serve` in an empty directory answers from the
//! built-in sample FAQ on the web chat, in the patron's language.

use std::process::{Command, Stdio};

use crate::support::{ChatClient, WAIT, free_port, wait_until_up};

#[tokio::test]
async fn serve_in_an_empty_directory_answers_from_the_sample_faq() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_refdesk"))
        .arg("serve")
        .current_dir(dir.path())
        .env("REFDESK__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "REFDESK__SERVER__PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("refdesk starts");
    wait_until_up(port).await;

    let url = format!("ws://127.0.0.1:{port}/chat/ws");
    let mut patron = ChatClient::connect(&url).await;
    patron.send("What time does the library close?", "c1").await;
    let reply = patron.next_message(WAIT).await.expect("an answer");
    assert!(reply["text"].as_str().unwrap().contains("23:00"), "{reply}");
    patron.send("kütüphane kaçta açılıyor?", "c2").await;
    let reply = patron.next_message(WAIT).await.expect("an answer");
    let text = reply["text"].as_str().unwrap();
    assert!(
        text.contains("8:00") && text.contains("Pazartesi"),
        "{reply}"
    );
    patron.close().await;

    server.kill().unwrap();
    server.wait().unwrap();
    // It made its database where it was started, and wrote no FAQ there.
    assert!(dir.path().join("data/refdesk.db").exists());
    assert!(!dir.path().join("faq").exists());
}

#[test]
fn init_writes_a_starter_config_and_the_sample_faq() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_refdesk"))
        .arg("init")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.path().join("refdesk.toml"))
            .unwrap()
            .permissions()
            .mode()
    };
    assert_eq!(mode & 0o777, 0o600, "the settings file will hold secrets");
    assert!(dir.path().join("faq/hours.tr.md").exists());
    let check = Command::new(env!("CARGO_BIN_EXE_refdesk"))
        .args(["faq", "check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn an_empty_faq_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("faq")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_refdesk"))
        .args(["ask", "when are you open"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no entries"), "{err}");
}

#[test]
fn librarian_add_does_not_start_a_second_database_by_accident() {
    let dir = tempfile::tempdir().unwrap();
    let add = |extra: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_refdesk"))
            .args(["librarian", "add", "mara", "--password-stdin"])
            .args(extra)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough passphrase\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = add(&[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--create-database"));
    assert!(!dir.path().join("data/refdesk.db").exists());
    let bad = add(&["--create-database", "--languages", "azerbaijani"]);
    assert!(!bad.status.success());
    let created = add(&["--create-database", "--languages", "az,ru"]);
    assert!(created.status.success(), "{created:?}");
    assert!(dir.path().join("data/refdesk.db").exists());
}
