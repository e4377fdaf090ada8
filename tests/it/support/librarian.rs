//! The librarian's side in tests: an account, and an HTTP client that signs in and calls
//! the desk API with its session cookie.

use refdesk::domain::now_ms;
use serde_json::{Value, json};

use super::TestApp;

pub const PASSWORD: &str = "a long enough passphrase";

pub async fn add_librarian(t: &TestApp, name: &str, role: &str) {
    let hash = refdesk::auth::hash_password(PASSWORD).unwrap();
    assert!(
        t.app
            .store()
            .add_librarian(name, &hash, role.parse().unwrap(), now_ms())
            .await
            .unwrap()
    );
}

/// The one asking, as the desk service sees them (its rules read only the name and role).
pub fn acting_as(name: &str, role: refdesk::domain::Role) -> refdesk::store::Librarian {
    refdesk::store::Librarian {
        id: 0,
        username: name.into(),
        role,
        disabled: false,
        created_at: 0,
    }
}

/// A librarian's HTTP client: no cookie jar, the session cookie is sent by hand.
pub struct DeskClient {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl DeskClient {
    pub fn new(t: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: t.http_url(""),
            cookie: None,
        }
    }

    pub async fn login(&mut self, name: &str, password: &str) -> reqwest::Response {
        // Sends the current cookie along, as a browser would: login must replace that session.
        let r = self
            .req(reqwest::Method::POST, "/api/v1/login")
            .json(&json!({"username": name, "password": password}))
            .send()
            .await
            .unwrap();
        if let Some(c) = r.headers().get("set-cookie") {
            self.cookie = Some(c.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        r
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Origin", &self.base);
        if let Some(c) = &self.cookie {
            b = b.header("Cookie", c);
        }
        b
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.req(reqwest::Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.req(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A ticket's detail as the desk API returns it.
    pub async fn ticket(&self, id: i64) -> Value {
        self.get(&format!("/api/v1/tickets/{id}"))
            .await
            .json()
            .await
            .unwrap()
    }

    /// Replies to a ticket, which claims it (no separate claim, so the patron gets no
    /// "a librarian has joined" notice before the reply).
    pub async fn reply_claiming(&self, id: i64, text: &str) {
        let reply = self
            .post(
                &format!("/api/v1/tickets/{id}/reply"),
                json!({"text": text}),
            )
            .await;
        assert_eq!(
            reply.status(),
            reqwest::StatusCode::ACCEPTED,
            "replying to ticket {id}"
        );
    }
}
