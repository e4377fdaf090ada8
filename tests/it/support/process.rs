//! Shell helpers for the throwaway servers the tests start (PostgreSQL, Synapse).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub fn path_str(path: &Path) -> String {
    path.to_str().expect("non-UTF-8 temp dir").to_owned()
}

/// Single-quotes `s` for sh.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs `script` in sh, in its own process group, reading from a pipe whose write end the
/// test process holds: when the test process exits (however it exits), the script's `read`
/// sees end-of-file and it cleans up. `what` names the server in a spawn failure.
pub fn spawn_watchdog(script: &str, what: &str) -> Child {
    Command::new("sh")
        .args(["-c", script])
        .current_dir("/")
        .stdin(Stdio::piped()) // the pipe's write end is CLOEXEC: no other child inherits it
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("spawning the {what} watchdog: {e}"))
}
