//! HTTPS for the loopback platforms: a certificate authority made for the test, a server
//! certificate for `localhost` signed by it, and a rustls (aws-lc-rs) server in front of an
//! axum router. refdesk trusts the authority only when told to (`tls.extra_roots`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the server saw: connections, and handshakes that completed (a client that refuses
/// the certificate connects but never completes one).
#[derive(Default)]
pub struct TlsCounts {
    connections: AtomicUsize,
    handshakes: AtomicUsize,
}

impl TlsCounts {
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

pub struct TestCa {
    /// The authority's certificate as a PEM file, for `tls.extra_roots`.
    pub root_pem: PathBuf,
    server_config: Arc<ServerConfig>,
    _dir: tempfile::TempDir,
}

impl TestCa {
    pub fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "refdesk test authority");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();

        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let mut server_config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![server_cert.der().clone()], key)
            .unwrap();
        server_config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let dir = tempfile::tempdir().unwrap();
        let root_pem = dir.path().join("test-authority.pem");
        std::fs::write(&root_pem, ca.pem()).unwrap();
        Self {
            root_pem,
            server_config: Arc::new(server_config),
            _dir: dir,
        }
    }

    /// Serves `app` over HTTPS on a free port; returns `https://localhost:<port>`.
    pub async fn serve(&self, app: Router) -> (String, Arc<TlsCounts>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = TlsAcceptor::from(self.server_config.clone());
        let counts = Arc::new(TlsCounts::default());
        let counted = counts.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                counted.connections.fetch_add(1, Ordering::SeqCst);
                let (acceptor, app, counted) = (acceptor.clone(), app.clone(), counted.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    counted.handshakes.fetch_add(1, Ordering::SeqCst);
                    let service = TowerToHyperService::new(app);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        (format!("https://localhost:{port}"), counts)
    }
}
