//! A throwaway Synapse (the reference Matrix homeserver) on loopback, so the Matrix tests talk to
//! a real server. Synapse comes from PyPI: it is installed once into a Python venv under the
//! target directory (`<target>/synapse-venv`, or `SYNAPSE_VENV`) and reused by later runs. Needs
//! `python3` with its `venv` module (Debian: python3-venv); no Rust crates beyond the test
//! crate's own.
//!
//! `Synapse::shared()` blocks (std only, no runtime of its own) while it installs (first run,
//! ~20 s) and starts the server (~1.5 s); `register` and `login` are async (reqwest).
// Each test binary compiles this module but may not use all of it.
#![allow(dead_code)]

use std::env;
use std::fs::{self, File};
use std::hash::{BuildHasher, RandomState};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{self, Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::free_port;
use super::process::{path_str, quote, spawn_watchdog};

/// The Synapse release the tests run against; bumping it reinstalls the venv's Synapse.
/// It needs Python >= 3.10.
pub const SYNAPSE_VERSION: &str = "1.163.2";
/// The homeserver's name: users are `@localpart:localhost`.
pub const SERVER_NAME: &str = "localhost";
/// Marks a finished install; holds the pip requirement, so a version bump reinstalls.
const STAMP: &str = "refdesk-synapse.stamp";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const NO_VENV: &str = "install the Debian package \"python3-venv\" (apt-get install python3-venv)";
// Every rate limit Synapse has for clients, raised so that tests never hit one.
const RATE_LIMITS: &[&str] = &[
    "rc_message",
    "rc_registration",
    "rc_registration_token_validity",
    "rc_login.address",
    "rc_login.account",
    "rc_login.failed_attempts",
    "rc_admin_redaction",
    "rc_joins.local",
    "rc_joins.remote",
    "rc_joins_per_room",
    "rc_key_requests",
    "rc_3pid_validation",
    "rc_invites.per_room",
    "rc_invites.per_user",
    "rc_invites.per_issuer",
    "rc_third_party_invite",
    "rc_media_create",
    "rc_presence.per_user",
    "rc_delayed_event_mgmt",
    "rc_room_creation",
    "rc_reports",
    "rc_user_directory",
    "rc_profile",
];

/// A Synapse started for this test process; killed and its directory removed when the process
/// exits or when dropped.
pub struct Synapse {
    /// `http://127.0.0.1:PORT`: the client-server API (and the admin API under `/_synapse`).
    pub base_url: String,
    /// [`SERVER_NAME`].
    pub server_name: String,
    /// The homeserver.yaml it runs with.
    pub config_path: PathBuf,
    /// Synapse's log (WARNING and up); its stdout and stderr go to `stderr.log` beside it.
    pub log_path: PathBuf,
    /// The server's temp dir (config, SQLite database, media, keys, logs).
    pub dir: PathBuf,
    registration_shared_secret: String,
    server: Child,
    watchdog: Child, // kills the server and removes `dir` when its stdin (held open by us) closes
}

/// A registered user logged in on one device.
#[derive(Debug, Clone)]
pub struct User {
    /// `@localpart:localhost`
    pub user_id: String,
    pub access_token: String,
    pub device_id: String,
    pub password: String,
}

impl Synapse {
    /// Starts once per test process (once per test binary; under nextest, once per test), on
    /// first use. Blocks: fine in `#[tokio::test(flavor = "multi_thread")]` tests.
    pub fn shared() -> &'static Synapse {
        static SHARED: OnceLock<Synapse> = OnceLock::new();
        SHARED.get_or_init(Synapse::start)
    }

    /// `@localpart:localhost`
    pub fn user_id(&self, localpart: &str) -> String {
        format!("@{localpart}:{}", self.server_name)
    }

    /// Registers a user through the shared-secret admin API (an admin of the server if `admin`),
    /// then logs it in on a new device.
    pub async fn register(&self, localpart: &str, password: &str, admin: bool) -> User {
        // A client per call: a pooled connection dies with the runtime (the test) that opened it.
        let http = reqwest::Client::new();
        let url = format!("{}/_synapse/admin/v1/register", self.base_url);
        let what = format!("registering {localpart}");
        let nonce = send(http.get(&url), &what).await;
        let nonce = nonce["nonce"].as_str().expect("no nonce from Synapse");
        let kind = if admin { "admin" } else { "notadmin" };
        let message = [nonce, localpart, password, kind].join("\0");
        let mac = hmac_sha1(
            self.registration_shared_secret.as_bytes(),
            message.as_bytes(),
        );
        let mac: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        let body = json!({
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac,
            "inhibit_login": true, // no device: login() makes the only one
        });
        send(http.post(&url).json(&body), &what).await;
        self.login(localpart, password).await
    }

    /// Logs an existing user in (m.login.password) on a new device.
    pub async fn login(&self, localpart: &str, password: &str) -> User {
        let url = format!("{}/_matrix/client/v3/login", self.base_url);
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
            "initial_device_display_name": "refdesk test",
        });
        let request = reqwest::Client::new().post(&url).json(&body);
        let reply = send(request, &format!("logging in {localpart}")).await;
        let field = |name: &str| match reply[name].as_str() {
            Some(value) => value.to_owned(),
            None => panic!("login reply without {name}: {reply}"),
        };
        User {
            user_id: field("user_id"),
            access_token: field("access_token"),
            device_id: field("device_id"),
            password: password.to_owned(),
        }
    }

    fn start() -> Synapse {
        let venv = install();
        let random = || RandomState::new().hash_one(0);
        let dir = env::temp_dir().join(format!(
            "refdesk-synapse-{}-{:08x}",
            process::id(),
            random() as u32
        ));
        fs::create_dir(&dir).expect("creating the Synapse dir");
        let config_path = dir.join("homeserver.yaml");
        let log_path = dir.join("homeserver.log");
        let stderr_path = dir.join("stderr.log");

        // Statics are never dropped, so a detached shell kills the server and removes the dir once
        // this process is gone: it waits for EOF on a pipe whose only write end we hold, which
        // the kernel closes however we exit, even on SIGKILL. We first send it the server's pid;
        // it kills only a process whose command line names our config, so never a reused pid, and
        // kills its whole process group (`kill -SIG -PGID`: dash's kill takes no `--`).
        // Spawned before the server so a failed start is cleaned up too. Own process group, so
        // Ctrl-C on the tests doesn't kill it; output to /dev/null, so it doesn't hold the test's
        // output pipes open (`cargo test` would wait for it).
        let script = format!(
            "cfg={}; dir={}; read pid; read eof
             alive() {{ [ -n \"$pid\" ] && grep -qF -- \"$cfg\" /proc/\"$pid\"/cmdline 2>/dev/null; }}
             if alive; then
                 kill -TERM -\"$pid\" 2>/dev/null; i=0
                 while alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
                 alive && kill -KILL -\"$pid\" 2>/dev/null
             fi
             rm -rf \"$dir\"",
            quote(&path_str(&config_path)),
            quote(&path_str(&dir))
        );
        let mut watchdog = spawn_watchdog(&script, "Synapse");

        // Racy in theory (someone may take the port before the server binds it); fine in practice.
        let port = free_port();
        let secret = format!("{:016x}{:016x}", random(), random());
        write_config(&dir, &config_path, &log_path, port, &secret);

        // The signing key is generated on this first start. Own process group, so Ctrl-C reaches
        // the watchdog's kill, not the server; output to a file, for the same reason as above.
        let stderr = File::create(&stderr_path).expect("creating Synapse's stderr.log");
        let spawned = Command::new(venv.join("bin/python"))
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config_path)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(stderr.try_clone().expect("dup stderr.log"))
            .stderr(stderr)
            .process_group(0)
            .spawn();
        let mut server = match spawned {
            Ok(server) => server,
            Err(e) => {
                panic!("could not run Synapse from {venv:?} ({e}): delete that venv to reinstall")
            }
        };
        let pid = format!("{}\n", server.id());
        let stdin = watchdog.stdin.as_mut().unwrap();
        stdin
            .write_all(pid.as_bytes())
            .expect("telling the watchdog Synapse's pid");

        let started = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        while !versions_ok(addr) {
            let exited = server.try_wait().expect("waiting for Synapse");
            let failure = match exited {
                Some(status) => format!("Synapse exited ({status})"),
                None if started.elapsed() > STARTUP_TIMEOUT => {
                    format!("Synapse did not answer on port {port} within {STARTUP_TIMEOUT:?}")
                }
                None => {
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let (log, out) = (tail(&log_path), tail(&stderr_path));
            // Dropping the watchdog's stdin (with `watchdog`) kills the server, removes the dir.
            panic!("{failure}\n--- {log_path:?}:\n{log}\n--- {stderr_path:?}:\n{out}");
        }
        Synapse {
            base_url: format!("http://{addr}"),
            server_name: SERVER_NAME.to_owned(),
            config_path,
            log_path,
            dir,
            registration_shared_secret: secret,
            server,
            watchdog,
        }
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        drop(self.watchdog.stdin.take()); // EOF: the watchdog kills the server, removes the dir
        let _ = self.watchdog.wait();
        let _ = self.server.wait();
    }
}

/// The venv with Synapse installed: `SYNAPSE_VENV`, else `<target>/synapse-venv`. Installs (or
/// upgrades) it unless its stamp names [`SYNAPSE_VERSION`]; an exclusive lock on a file beside it
/// keeps test binaries from installing at once (the OS drops the lock if one dies mid-install).
fn install() -> PathBuf {
    let venv = match env::var_os("SYNAPSE_VENV") {
        Some(venv) => PathBuf::from(venv),
        // Integration tests get CARGO_TARGET_TMPDIR = <target>/tmp.
        None => Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("synapse-venv"),
    };
    let requirement = format!("matrix-synapse=={SYNAPSE_VERSION}");
    let installed = || {
        let stamp = fs::read_to_string(venv.join(STAMP)).unwrap_or_default();
        stamp.trim() == requirement && venv.join("bin/python").exists()
    };
    if installed() {
        return venv;
    }
    let parent = venv.parent().expect("SYNAPSE_VENV has no parent directory");
    fs::create_dir_all(parent).expect("creating the venv's parent directory");
    let name = venv.file_name().unwrap().to_string_lossy();
    let lock_path = parent.join(format!("{name}.lock"));
    let lock = File::create(&lock_path).expect("creating the venv lock file");
    lock.lock().expect("locking the venv lock file");
    if installed() {
        return venv; // another test binary installed it while we waited
    }

    // Into the existing venv if any (an upgrade, or a retry after a failed install): never
    // delete a directory that SYNAPSE_VENV may name.
    let started = Instant::now();
    let made = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .output();
    let made = match made {
        Ok(made) => made,
        Err(e) => panic!(
            "could not run python3 ({e}): install the Debian package \"python3\" (and python3-venv)"
        ),
    };
    if !made.status.success() {
        let output = String::from_utf8_lossy(&[made.stdout, made.stderr].concat()).into_owned();
        panic!(
            "python3 -m venv {venv:?} failed ({}): {NO_VENV}\n{output}",
            made.status
        );
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-input",
            "--disable-pip-version-check",
            &requirement,
        ])
        .output();
    let pip = match pip {
        Ok(pip) => pip,
        Err(e) => panic!("could not run {venv:?}/bin/pip ({e}): {NO_VENV}"),
    };
    let output = String::from_utf8_lossy(&[pip.stdout, pip.stderr].concat()).into_owned();
    assert!(
        pip.status.success(),
        "pip install {requirement} into {venv:?} failed ({}); Synapse needs PyPI and Python >= \
         3.10:\n{output}",
        pip.status
    );
    fs::write(venv.join(STAMP), format!("{requirement}\n")).expect("writing the venv stamp");
    eprintln!(
        "installed {requirement} into {venv:?} in {:.1?}",
        started.elapsed()
    );
    venv
}

/// Writes homeserver.yaml and its log config. As JSON, which is YAML too: no quoting to get wrong.
fn write_config(dir: &Path, config_path: &Path, log_path: &Path, port: u16, secret: &str) {
    let log_config_path = dir.join("log.yaml");
    let log_config = json!({
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s - %(name)s - %(levelname)s - %(message)s"}},
        "handlers": {"file": {
            "class": "logging.FileHandler",
            "formatter": "precise",
            "filename": log_path,
            "encoding": "utf8",
        }},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": false,
    });
    let high = json!({"per_second": 1000, "burst_count": 1000});
    let mut config = json!({
        "server_name": SERVER_NAME,
        "public_baseurl": format!("http://127.0.0.1:{port}/"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": false,
            "x_forwarded": false,
            "resources": [{"names": ["client"], "compress": false}],
        }],
        "database": {"name": "sqlite3", "args": {"database": dir.join("homeserver.db")}},
        "log_config": log_config_path,
        "media_store_path": dir.join("media_store"),
        "signing_key_path": dir.join("signing.key"), // generated on first start
        "registration_shared_secret": secret,
        "macaroon_secret_key": format!("{secret}-macaroon"),
        "form_secret": format!("{secret}-form"),
        "enable_registration": false,
        "report_stats": false,
        "enable_metrics": false,
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        // Unencrypted rooms whatever the preset (the default, but tests rely on it).
        "encryption_enabled_by_default_for_room_type": "off",
        // Password hashing at its cheapest: tests log in a lot.
        "bcrypt_rounds": 4,
    });
    for key in RATE_LIMITS {
        let mut slot = &mut config;
        for part in key.split('.') {
            slot = &mut slot[part]; // indexing a JSON object with a new key inserts null
        }
        *slot = high.clone();
    }
    let pretty = |value: &Value| serde_json::to_string_pretty(value).unwrap();
    fs::write(&log_config_path, pretty(&log_config)).expect("writing Synapse's log config");
    fs::write(config_path, pretty(&config)).expect("writing homeserver.yaml");
}

/// Whether `GET /_matrix/client/versions` answers 200 (plain std HTTP: this must not need a
/// runtime).
fn versions_ok(addr: SocketAddr) -> bool {
    let timeout = Duration::from_secs(2);
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let request = "GET /_matrix/client/versions HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    let mut status = [0u8; 12]; // "HTTP/1.1 200"
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut status).is_ok()
        && status.starts_with(b"HTTP/1.")
        && status.ends_with(b" 200")
}

/// Sends `request`, asserts a 2xx and returns the JSON body; panics saying `what` failed.
async fn send(request: reqwest::RequestBuilder, what: &str) -> Value {
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => panic!("{what}: {e}"),
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status}: {text}");
    match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e} in {text:?}"),
    }
}

/// The last 30 lines of a file.
fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// HMAC-SHA1 (RFC 2104), which the shared-secret registration API wants.
fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..20].copy_from_slice(&sha1(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let padded = |pad: u8| block.iter().map(|b| b ^ pad).collect::<Vec<u8>>();
    let mut inner = padded(0x36);
    inner.extend_from_slice(message);
    let mut outer = padded(0x5c);
    outer.extend_from_slice(&sha1(&inner));
    sha1(&outer)
}

/// SHA-1 (FIPS 180-4).
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for chunk in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (word, bytes) in w.iter_mut().zip(chunk.chunks_exact(4)) {
            *word = u32::from_be_bytes(bytes.try_into().unwrap());
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, word) in w.iter().enumerate() {
            let (f, k) = match i / 20 {
                0 => ((b & c) | (!b & d), 0x5A827999),
                1 => (b ^ c ^ d, 0x6ED9EBA1),
                2 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t.wrapping_add(*word));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut digest = [0u8; 20];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(h) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    digest
}
