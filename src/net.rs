//! Outbound HTTPS for every connector, on one TLS stack: rustls with the aws-lc-rs crypto
//! provider (the one matrix-sdk requires), trusting the system's certificate authorities and
//! any the operator adds, for a proxy that inspects TLS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// At most this many bytes are read from one `tls.extra_roots` file.
const MAX_ROOT_FILE_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM files of certificate authorities to trust besides the system's.
    pub extra_roots: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot read tls.extra_roots file {path}: {source}")]
    ReadRoot {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("tls.extra_roots file {path} is larger than {MAX_ROOT_FILE_BYTES} bytes")]
    RootTooLarge { path: PathBuf },
    #[error("tls.extra_roots file {path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("tls.extra_roots file {path}: {message}")]
    BadCertificate { path: PathBuf, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Makes aws-lc-rs the process's rustls provider. reqwest 0.12 (under teloxide) is built
/// without a provider of its own and needs this before its first client; reqwest 0.13 and
/// matrix-sdk would pick aws-lc-rs anyway. Safe to call more than once.
pub fn install_crypto_provider() {
    // An error only says a provider is already installed, which is the state wanted.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// The HTTP clients of the connectors, built once from the settings and shared (a clone is
/// a handle, not a new connection pool).
#[derive(Clone)]
pub struct Outbound {
    platform: reqwest::Client,
    telegram: reqwest012::Client,
    extra_roots: Vec<reqwest::Certificate>,
}

impl Outbound {
    pub fn new(settings: &TlsSettings) -> Result<Self, NetError> {
        install_crypto_provider();
        let pems = settings
            .extra_roots
            .iter()
            .map(|path| read_pem(path).map(|pem| (path, pem)))
            .collect::<Result<Vec<_>, _>>()?;

        let mut extra_roots = Vec::new();
        let mut telegram_roots = Vec::new();
        for (path, pem) in &pems {
            let bad = |e: &dyn std::fmt::Display| NetError::BadCertificate {
                path: path.to_path_buf(),
                message: e.to_string(),
            };
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| bad(&e))?;
            if certs.is_empty() {
                return Err(NetError::NoCertificate {
                    path: path.to_path_buf(),
                });
            }
            extra_roots.extend(certs);
            telegram_roots
                .extend(reqwest012::Certificate::from_pem_bundle(pem).map_err(|e| bad(&e))?);
        }

        let platform = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .tls_certs_merge(extra_roots.iter().cloned())
            .build()
            .map_err(|e| NetError::Build(e.to_string()))?;
        // teloxide's own settings (timeouts that fit its long polling), plus our roots.
        let telegram = telegram_roots
            .into_iter()
            .fold(teloxide::net::default_reqwest_settings(), |b, cert| {
                b.add_root_certificate(cert)
            })
            .build()
            .map_err(|e| NetError::Build(e.to_string()))?;
        Ok(Self {
            platform,
            telegram,
            extra_roots,
        })
    }

    /// For calls to a platform's API (Meta, VK, a homeserver's whoami): short timeouts.
    pub fn platform(&self) -> &reqwest::Client {
        &self.platform
    }

    /// For teloxide, which still speaks reqwest 0.12.
    pub fn telegram(&self) -> &reqwest012::Client {
        &self.telegram
    }

    /// For matrix-sdk, which builds its own client (its timeouts fit long-polled sync).
    pub fn extra_roots(&self) -> Vec<reqwest::Certificate> {
        self.extra_roots.clone()
    }
}

fn read_pem(path: &Path) -> Result<Vec<u8>, NetError> {
    use std::io::Read;
    let read_err = |source| NetError::ReadRoot {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut pem = Vec::new();
    file.take(MAX_ROOT_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(read_err)?;
    if pem.len() as u64 > MAX_ROOT_FILE_BYTES {
        return Err(NetError::RootTooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_with(file: &Path) -> TlsSettings {
        TlsSettings {
            extra_roots: vec![file.to_path_buf()],
        }
    }

    #[test]
    fn no_extra_roots_builds_the_clients() {
        assert!(Outbound::new(&TlsSettings::default()).is_ok());
    }

    #[test]
    fn a_missing_root_file_is_named() {
        let err = Outbound::new(&settings_with(Path::new("/nonexistent/ca.pem")))
            .err()
            .expect("a missing file is an error");
        assert!(matches!(err, NetError::ReadRoot { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/ca.pem"));
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.pem");
        std::fs::write(&file, "this is not a certificate\n").unwrap();
        let err = Outbound::new(&settings_with(&file)).err().expect("refused");
        assert!(matches!(err, NetError::NoCertificate { .. }), "{err}");
    }

    #[test]
    fn an_oversized_root_file_is_refused_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("huge.pem");
        std::fs::write(&file, vec![b'A'; (MAX_ROOT_FILE_BYTES + 10) as usize]).unwrap();
        let err = Outbound::new(&settings_with(&file)).err().expect("refused");
        assert!(matches!(err, NetError::RootTooLarge { .. }), "{err}");
    }
}
