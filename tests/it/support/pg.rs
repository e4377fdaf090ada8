//! A throwaway PostgreSQL server, so the integration tests can run against a real PostgreSQL as
//! well as SQLite. Needs only std and the server binaries (no Rust client, no system service).
// Each test binary compiles this module but may not use all of it.
#![allow(dead_code)]

use std::env;
use std::fs;
use std::hash::{BuildHasher, RandomState};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{self, Child, Command};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use super::free_port;
use super::process::{path_str, quote, spawn_watchdog};

const USER: &str = "refdesk";
const NOT_FOUND: &str = "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian \
                         package \"postgresql\" (apt-get install postgresql) or set PG_BIN";
// initdb refuses to run as root, so as root we run the server tools as the `postgres` user that
// Debian's package creates. With `su`, sh runs the argv after `--` as given ("$0" "$@").
const RUNUSER: &[&str] = &["runuser", "-u", "postgres", "--"];
const SU: &[&str] = &["su", "postgres", "-s", "/bin/sh", "-c", EXEC_ARGS, "--"];
const EXEC_ARGS: &str = r#"exec "$0" "$@""#;

/// A PostgreSQL server started for this test process; stopped (pg_ctl stop -m immediate) and its
/// directory removed when the process exits or when dropped.
pub struct TestPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: &'static [&'static str],
    watchdog: Child, // cleans up when its stdin (held open by us) closes
}

impl TestPostgres {
    /// Starts once per test process (once per test binary; under nextest, once per test).
    pub fn shared() -> &'static TestPostgres {
        static SHARED: OnceLock<TestPostgres> = OnceLock::new();
        SHARED.get_or_init(TestPostgres::start)
    }

    /// Creates a fresh, uniquely named database and returns its URL.
    pub fn fresh_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name = format!("refdesk_test_{}_{n}", process::id());
        // Over TCP with trust auth, so any OS user may run createdb.
        let port = self.port.to_string();
        let args = ["-h", "127.0.0.1", "-p", &port, "-U", USER, &name];
        run(Command::new(self.bin.join("createdb")).args(args));
        format!("postgres://{USER}@127.0.0.1:{port}/{name}")
    }

    fn start() -> TestPostgres {
        let bin = find_bin_dir().expect(NOT_FOUND);
        let root = effective_uid() == 0;
        let as_postgres = match (root, which("runuser")) {
            (false, _) => &[],
            (true, Some(_)) => RUNUSER,
            (true, None) => SU,
        };
        let random = RandomState::new().hash_one(0) as u32;
        let dir = env::temp_dir().join(format!("refdesk-pg-{}-{random:08x}", process::id()));
        let dir_str = path_str(&dir);
        let [data, sock, log] = ["data", "sock", "server.log"].map(|f| path_str(&dir.join(f)));
        fs::create_dir(&dir).expect("creating the PostgreSQL dir");
        fs::create_dir(&sock).expect("creating the PostgreSQL socket dir");
        // The postgres user must be able to enter the dir, and as root, own it.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod the pg dir");
        if root {
            run(Command::new("chown").args(["-R", "postgres:postgres", &dir_str]));
        }

        // Statics are never dropped, so a detached shell stops the server and removes the dir
        // (rm as us, so root can remove postgres' files) once this process is gone: it waits for
        // EOF on a pipe whose only write end we hold, which the kernel closes however we exit,
        // even on SIGKILL (no pid polling, so no pid reuse or zombie issues). Spawned before
        // initdb so a failed start is cleaned up too. Own process group, so Ctrl-C on the tests
        // doesn't kill it (pg_ctl puts the server in its own session too); output to /dev/null,
        // so it doesn't hold the test's output pipes open (`cargo test` would wait for it).
        let pg_ctl = path_str(&bin.join("pg_ctl"));
        let mut stop = as_postgres.to_vec();
        stop.extend([pg_ctl.as_str(), "-D", &data, "stop", "-m", "immediate"]);
        let stop: Vec<String> = stop.into_iter().map(quote).collect();
        let script = format!(
            "read eof; {} >/dev/null 2>&1; rm -rf {}",
            stop.join(" "),
            quote(&dir_str)
        );
        let watchdog = spawn_watchdog(&script, "PostgreSQL");

        // Racy in theory (someone may take the port before the server binds it); fine in practice.
        let port = free_port();
        let pg = TestPostgres {
            bin,
            dir,
            port,
            as_postgres,
            watchdog,
        };
        // No fsync anywhere: durability is pointless for throwaway data.
        let mut initdb = vec!["-D", &data, "-U", USER];
        initdb.extend("-A trust --encoding=UTF8 --locale=C --no-sync".split(' '));
        run(&mut pg.command("initdb", &initdb));
        // pg_ctl hands -o to a shell, hence the quoting; the socket goes in our dir, not /var/run.
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            quote(&sock)
        );
        let start = ["-D", &data, "-l", &log, "-o", &opts, "-w", "start"];
        let out = pg.command("pg_ctl", &start).output();
        let out = out.expect("could not run pg_ctl");
        if !out.status.success() {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            let stderr = String::from_utf8_lossy(&out.stderr);
            panic!(
                "pg_ctl start failed ({}): {stderr}server log:\n{tail}",
                out.status
            );
        }
        pg
    }

    /// `BIN/prog args`, as the postgres user when we are root, in our dir (the postgres user may
    /// not be allowed into the test's working directory).
    fn command(&self, prog: &str, args: &[&str]) -> Command {
        let prog = self.bin.join(prog);
        let mut cmd = match self.as_postgres {
            [] => Command::new(prog),
            [first, rest @ ..] => {
                let mut cmd = Command::new(first);
                cmd.args(rest).arg(prog);
                cmd
            }
        };
        cmd.args(args).current_dir(&self.dir);
        cmd
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take()); // EOF: the watchdog stops the server, removes the dir
        let _ = self.watchdog.wait();
    }
}

/// PG_BIN; else `pg_config --bindir`; else the highest /usr/lib/postgresql/VERSION/bin; else the
/// directory the `initdb` on PATH really lives in (it may be a symlink, e.g. /usr/local/bin).
fn find_bin_dir() -> Option<PathBuf> {
    let has_initdb = |dir: &PathBuf| dir.join("initdb").is_file();
    if let Some(dir) = env::var_os("PG_BIN").map(PathBuf::from) {
        assert!(has_initdb(&dir), "PG_BIN={dir:?} contains no initdb");
        return Some(dir);
    }
    // Debian's pg_config comes with libpq-dev, whose version may differ from the server's.
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_initdb(&dir) {
            return Some(dir);
        }
    }
    let mut debian = Vec::new();
    let entries = fs::read_dir("/usr/lib/postgresql").into_iter().flatten();
    for entry in entries.flatten() {
        let name = entry.file_name().into_string().unwrap_or_default();
        let version: Result<Vec<u32>, _> = name.split('.').map(str::parse).collect();
        if let Ok(version) = version {
            debian.push((version, entry.path().join("bin")));
        }
    }
    if let Some((_, dir)) = debian.into_iter().filter(|(_, dir)| has_initdb(dir)).max() {
        return Some(dir);
    }
    let initdb = fs::canonicalize(which("initdb")?).ok()?;
    initdb.parent().map(Path::to_path_buf)
}

/// The effective uid, from /proc/self/status (`Uid: real effective saved fs`) or else `id -u`.
fn effective_uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let from_proc = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:")?.split_whitespace().nth(1));
    let uid = match from_proc {
        Some(uid) => uid.to_owned(),
        None => {
            let out = Command::new("id").arg("-u").output().expect("id -u");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        }
    };
    uid.parse().expect("could not parse the effective uid")
}

fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    let sbin = [PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]; // often not on PATH
    let dirs = env::split_paths(&path).chain(sbin);
    dirs.map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn run(cmd: &mut Command) {
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("could not run {cmd:?}: {e}"),
    };
    let output = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    assert!(out.status.success(), "{cmd:?}: {}\n{output}", out.status);
}
