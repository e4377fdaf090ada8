//! Messenger, Instagram, WhatsApp and VK: signed webhooks in, replies out through loopback
//! send APIs; escalation and librarians' replies, messaging windows, duplicates, refusals.

use crate::support::librarian::*;
use crate::support::platforms::*;
use crate::support::tls::TestCa;
use crate::support::*;
use refdesk::connectors::text::to_plain;
use refdesk::domain::TicketStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};

const APP_SECRET: &str = "meta-app-secret";
const VERIFY_TOKEN: &str = "verify-me-please";
const VK_GROUP: i64 = 229_000_111;
const VK_SECRET: &str = "vk-callback-secret";
const VK_CONFIRMATION: &str = "8a2f7c1e";
const OUT_OF_SCOPE: &str =
    "Can you find me the 1962 minutes of the town council's drainage committee?";

async fn spawn_with_platforms(db: Db, fake: &FakePlatforms) -> TestApp {
    spawn_with_platforms_and(db, fake, |_| {}).await
}

async fn spawn_with_platforms_and(
    db: Db,
    fake: &FakePlatforms,
    tweak: impl FnOnce(&mut refdesk::config::Settings),
) -> TestApp {
    let (graph, vk) = (fake.graph_url.clone(), fake.vk_url.clone());
    spawn_app_with(
        db,
        move |s| {
            s.meta.enabled = true;
            s.meta.app_secret = APP_SECRET.into();
            s.meta.verify_token = VERIFY_TOKEN.into();
            s.meta.page_access_token = PAGE_TOKEN.into();
            s.meta.whatsapp_phone_number_id = WA_PHONE_ID.into();
            s.meta.whatsapp_token = WA_TOKEN.into();
            s.meta.graph_api_url = graph;
            s.vk.enabled = true;
            s.vk.group_id = VK_GROUP;
            s.vk.access_token = VK_TOKEN.into();
            s.vk.secret = VK_SECRET.into();
            s.vk.confirmation = VK_CONFIRMATION.into();
            s.vk.api_url = vk;
            tweak(s);
        },
        Vec::new(),
    )
    .await
}

async fn post_meta(t: &TestApp, body: &[u8], signature: Option<&str>) -> StatusCode {
    let mut req = reqwest::Client::new()
        .post(t.http_url("/connectors/meta/webhook"))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("X-Hub-Signature-256", s);
    }
    req.send().await.unwrap().status()
}

async fn post_signed(t: &TestApp, payload: &Value) -> StatusCode {
    let body = serde_json::to_vec(payload).unwrap();
    post_meta(t, &body, Some(&meta_signature(APP_SECRET, &body))).await
}

async fn post_vk(t: &TestApp, payload: &Value) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(t.http_url("/connectors/vk/callback"))
        .json(payload)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The platforms, each as: how a patron's text reaches refdesk, and who receives replies.
#[derive(Clone, Copy, Debug)]
enum Platform {
    Messenger,
    Instagram,
    Whatsapp,
    Vk,
}

const ALL: [Platform; 4] = [
    Platform::Messenger,
    Platform::Instagram,
    Platform::Whatsapp,
    Platform::Vk,
];

impl Platform {
    /// The patron's id on the platform (distinct per platform and test).
    fn patron(self, n: i64) -> String {
        match self {
            Platform::Messenger => format!("2{n:015}"),
            Platform::Instagram => format!("1784{n:012}"),
            Platform::Whatsapp => format!("1555{n:07}"),
            Platform::Vk => format!("{}", 10_000 + n),
        }
    }

    async fn say(self, t: &TestApp, patron: &str, id: i64, text: &str) {
        let mid = format!("mid.{patron}.{id}");
        match self {
            Platform::Messenger => {
                let p = messenger_text("page", patron, &mid, text);
                assert_eq!(post_signed(t, &p).await, StatusCode::OK);
            }
            Platform::Instagram => {
                let p = messenger_text("instagram", patron, &mid, text);
                assert_eq!(post_signed(t, &p).await, StatusCode::OK);
            }
            Platform::Whatsapp => {
                let p = whatsapp_text(patron, &format!("wamid.{patron}.{id}"), text);
                assert_eq!(post_signed(t, &p).await, StatusCode::OK);
            }
            Platform::Vk => {
                let p = vk_message(VK_GROUP, VK_SECRET, patron.parse().unwrap(), id, text);
                assert_eq!(post_vk(t, &p).await, (StatusCode::OK, "ok".to_string()));
            }
        }
    }
}

async fn each_platform_answers_from_the_faq(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    for p in ALL {
        let patron = p.patron(1);
        p.say(&t, &patron, 1, "wifi password").await;
        let got = fake.wait_for(&patron, 1).await;
        assert_eq!(got.len(), 1, "{p:?}");
        assert_eq!(got[0].text, to_plain(&faq_answer("wifi")), "{p:?}");
        match p {
            Platform::Messenger | Platform::Instagram => {
                assert_eq!(got[0].body["messaging_type"], "RESPONSE");
                assert!(got[0].body.get("tag").is_none());
            }
            Platform::Whatsapp => assert_eq!(got[0].body["type"], "text"),
            Platform::Vk => {
                assert_eq!(got[0].body["v"], "5.199");
                assert!(
                    got[0].body["random_id"]
                        .as_str()
                        .unwrap()
                        .parse::<i32>()
                        .unwrap()
                        > 0
                );
            }
        }
    }
}

async fn escalations_get_the_librarians_reply(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;
    for p in ALL {
        let patron = p.patron(2);
        p.say(&t, &patron, 1, OUT_OF_SCOPE).await;
        let notice = fake.wait_for(&patron, 1).await;
        assert!(
            notice[0].text.contains("librarian"),
            "{p:?}: {}",
            notice[0].text
        );
        let open = t.tickets(TicketStatus::Open).await;
        let id = open.last().unwrap().id;
        let reply = format!("Found it for you on {p:?}: box LS/1962/4, ask at the desk.");
        desk.reply_claiming(id, &reply).await;
        let got = fake.wait_for(&patron, 2).await;
        assert_eq!(got.len(), 2, "{p:?}");
        assert_eq!(got[1].text, reply);
    }
}

async fn signatures_and_secrets_are_checked(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    // The subscription handshake.
    let verify = |token: &str| {
        t.http_url(&format!(
            "/connectors/meta/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
    };
    let ok = reqwest::get(verify(VERIFY_TOKEN)).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(
        reqwest::get(verify("guess")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let payload = messenger_text("page", "2000000000000077", "mid.sig", "wifi password");
    let body = serde_json::to_vec(&payload).unwrap();
    let good = meta_signature(APP_SECRET, &body);
    assert_eq!(post_meta(&t, &body, None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        post_meta(&t, &body, Some(&meta_signature("another-secret", &body))).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_meta(&t, &body, Some(good.trim_start_matches("sha256="))).await,
        StatusCode::FORBIDDEN
    );
    // One byte changed after signing: the text says "wifi passwore".
    let mut tampered = body.clone();
    let at = body.windows(8).position(|w| w == b"password").unwrap() + 7;
    tampered[at] = b'e';
    assert_eq!(
        post_meta(&t, &tampered, Some(&good)).await,
        StatusCode::FORBIDDEN
    );
    // VK: a wrong or missing secret, and another community's id.
    let mut vk = vk_message(VK_GROUP, "wrong", 10_077, 1, "wifi password");
    assert_eq!(post_vk(&t, &vk).await.0, StatusCode::FORBIDDEN);
    vk.as_object_mut().unwrap().remove("secret");
    assert_eq!(post_vk(&t, &vk).await.0, StatusCode::FORBIDDEN);
    let other = vk_message(VK_GROUP + 1, VK_SECRET, 10_077, 1, "wifi password");
    assert_eq!(post_vk(&t, &other).await.0, StatusCode::FORBIDDEN);
    assert_eq!(count_messages(&t).await, 0, "nothing refused was stored");

    // The raw bytes are what is signed: non-ASCII text verifies.
    let spanish = messenger_text(
        "page",
        "2000000000000078",
        "mid.es",
        "¿Cuál es la contraseña del wifi? 🙂",
    );
    assert_eq!(post_signed(&t, &spanish).await, StatusCode::OK);
    assert_eq!(fake.wait_for("2000000000000078", 1).await.len(), 1);
    // VK confirmation answers the configured string.
    let confirm = json!({"type": "confirmation", "group_id": VK_GROUP, "secret": VK_SECRET});
    assert_eq!(
        post_vk(&t, &confirm).await,
        (StatusCode::OK, VK_CONFIRMATION.to_string())
    );
}

async fn a_duplicate_delivery_is_stored_once(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    for p in ALL {
        let patron = p.patron(3);
        p.say(&t, &patron, 1, "wifi password").await;
        p.say(&t, &patron, 1, "wifi password").await;
        p.say(&t, &patron, 2, "where can I park").await;
        let got = fake.wait_for(&patron, 2).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(fake.delivered_to(&patron).len(), 2, "{p:?}");
        assert_eq!(got[1].text, to_plain(&faq_answer("parking")), "{p:?}");
    }
    assert_eq!(count_messages(&t).await, 16);
}

/// Escalates on `p` and makes the patron's messages `hours` old; returns the ticket id.
async fn escalate_hours_ago(
    t: &TestApp,
    fake: &FakePlatforms,
    p: Platform,
    patron: &str,
    hours: i64,
) -> i64 {
    p.say(t, patron, 1, OUT_OF_SCOPE).await;
    fake.wait_for(patron, 1).await;
    let open = t.tickets(TicketStatus::Open).await;
    let ticket = open.last().unwrap().clone();
    sqlx::query("UPDATE messages SET created_at = created_at - $1 WHERE conversation_id = $2")
        .bind(hours * 3_600_000)
        .bind(ticket.conversation_id)
        .execute(&t.db)
        .await
        .unwrap();
    ticket.id
}

async fn late_replies_follow_each_platforms_window(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;

    // Messenger, 25 hours later: a librarian may still answer, tagged HUMAN_AGENT.
    let patron = Platform::Messenger.patron(4);
    let id = escalate_hours_ago(&t, &fake, Platform::Messenger, &patron, 25).await;
    desk.reply_claiming(id, "Still here: it's in box 4.").await;
    let got = fake.wait_for(&patron, 2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].body["messaging_type"], "MESSAGE_TAG");
    assert_eq!(got[1].body["tag"], "HUMAN_AGENT");

    // WhatsApp, 25 hours later: free-form text is not allowed; the librarian is told.
    let patron = Platform::Whatsapp.patron(4);
    let id = escalate_hours_ago(&t, &fake, Platform::Whatsapp, &patron, 25).await;
    desk.reply_claiming(id, "Box 4.").await;
    let shown = eventually(|| async {
        let detail: Value = desk.ticket(id).await;
        detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["from"] == "librarian" && m["delivery"]["status"] == "undeliverable")
    })
    .await;
    assert!(shown, "the ticket shows the reply as undeliverable");
    let detail: Value = desk.ticket(id).await;
    let reason = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["from"] == "librarian")
        .unwrap()["delivery"]["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("24 hours"), "{reason}");
    let page = desk
        .get(&format!("/desk/tickets/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Not delivered"), "the ticket page says so");
    assert_eq!(
        fake.delivered_to(&patron).len(),
        1,
        "nothing went to WhatsApp"
    );

    // Messenger, 8 days later: past the human agent window too.
    let patron = Platform::Messenger.patron(5);
    let id = escalate_hours_ago(&t, &fake, Platform::Messenger, &patron, 8 * 24).await;
    desk.reply_claiming(id, "Sorry for the wait.").await;
    let refused = eventually(|| async {
        let detail: Value = desk.ticket(id).await;
        detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["delivery"]["status"] == "undeliverable")
    })
    .await;
    assert!(refused);
}

async fn long_replies_are_split_to_each_platforms_limit(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;
    let paragraphs: Vec<String> = (1..=9)
        .map(|i| {
            format!(
                "Step {i}. {}",
                "Check the shelf mark against the list. "
                    .repeat(12)
                    .trim_end()
            )
        })
        .collect();
    let long = paragraphs.join("\n\n");
    for (p, limit) in [(Platform::Messenger, 2000), (Platform::Instagram, 1000)] {
        let patron = p.patron(6);
        p.say(&t, &patron, 1, OUT_OF_SCOPE).await;
        fake.wait_for(&patron, 1).await;
        let id = t.tickets(TicketStatus::Open).await.last().unwrap().id;
        desk.reply_claiming(id, &long).await;
        let expected = long.chars().count().div_ceil(limit);
        let got = fake.wait_for(&patron, 1 + expected).await;
        let parts: Vec<&str> = got[1..].iter().map(|d| d.text.as_str()).collect();
        assert!(parts.len() >= expected, "{p:?}: {} parts", parts.len());
        assert!(parts.iter().all(|x| x.chars().count() <= limit), "{p:?}");
        assert_eq!(parts.join("\n\n"), long, "{p:?}: in order, nothing lost");
    }
}

async fn malformed_and_oversized_bodies_are_refused(db: Db) {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(db, &fake).await;
    for body in [
        b"{not json".to_vec(),
        b"[]".to_vec(),
        br#"{"object":"user","entry":[]}"#.to_vec(),
    ] {
        let sig = meta_signature(APP_SECRET, &body);
        assert_eq!(
            post_meta(&t, &body, Some(&sig)).await,
            StatusCode::BAD_REQUEST
        );
    }
    let giant = format!(
        "{{\"object\":\"page\",\"entry\":[],\"pad\":\"{}\"}}",
        "x".repeat(2 << 20)
    );
    let sig = meta_signature(APP_SECRET, giant.as_bytes());
    assert_eq!(
        post_meta(&t, giant.as_bytes(), Some(&sig)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let r = reqwest::Client::new()
        .post(t.http_url("/connectors/vk/callback"))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = reqwest::Client::new()
        .post(t.http_url("/connectors/vk/callback"))
        .body(vec![b'x'; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let health = reqwest::get(t.http_url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(count_messages(&t).await, 0);
}

on_both_databases!(
    each_platform_answers_from_the_faq,
    escalations_get_the_librarians_reply,
    signatures_and_secrets_are_checked,
    a_duplicate_delivery_is_stored_once,
    late_replies_follow_each_platforms_window,
    long_replies_are_split_to_each_platforms_limit,
    malformed_and_oversized_bodies_are_refused,
);

/// A signed Messenger message of a megabyte (no Messenger app sends one) is cut to
/// Messenger's 2,000 characters before any analysis, stored cut, and the other patrons are
/// still answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_message_is_cut_to_the_platforms_limit() {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms(Db::Sqlite, &fake).await;
    let flooder = Platform::Messenger.patron(70);
    // One 980,000-letter word: the typo corrector's worst case.
    Platform::Messenger
        .say(&t, &flooder, 1, &"renewal".repeat(140_000))
        .await;
    let other = Platform::Vk.patron(71);
    Platform::Vk.say(&t, &other, 1, "wifi password").await;
    let got = fake.wait_for(&other, 1).await;
    assert_eq!(got[0].text, to_plain(&faq_answer("wifi")));
    let lengths: Vec<i64> =
        sqlx::query_scalar("SELECT LENGTH(text) FROM messages WHERE sender = 'patron' ORDER BY id")
            .fetch_all(&t.db)
            .await
            .unwrap();
    assert_eq!(lengths, [2_000, 13]);
}

/// A patron sending faster than `patron_limits.messages_per_minute` gets what fits answered,
/// one polite request to slow down in their language, and nothing more; the rest is not
/// stored. Another patron on the same channel is answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_patron_is_slowed_while_others_are_answered() {
    let fake = FakePlatforms::start().await;
    let t = spawn_with_platforms_and(Db::Sqlite, &fake, |s| {
        s.patron_limits.messages_per_minute = 3;
    })
    .await;
    let flooder = Platform::Vk.patron(80);
    for n in 1..=12 {
        Platform::Vk
            .say(&t, &flooder, n, "Где можно распечатать документ?")
            .await;
    }
    let other = Platform::Vk.patron(81);
    Platform::Vk.say(&t, &other, 1, "wifi password").await;
    assert_eq!(
        fake.wait_for(&other, 1).await[0].text,
        to_plain(&faq_answer("wifi"))
    );
    let got = fake.wait_for(&flooder, 4).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got_all = fake.delivered_to(&flooder);
    assert_eq!(got_all.len(), 4, "three answers and one request: {got:?}");
    let asks: Vec<_> = got_all
        .iter()
        .filter(|d| d.text.contains("подождите минуту"))
        .collect();
    assert_eq!(asks.len(), 1, "asked once, in Russian: {got_all:?}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE sender = 'patron'")
        .fetch_one(&t.db)
        .await
        .unwrap();
    assert_eq!(stored, 3 + 1, "what was refused is not stored");
}

/// Replies leave over HTTPS on the build's one TLS stack (rustls with aws-lc-rs), to a server
/// whose certificate authority refdesk was told to trust.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_reach_the_platforms_over_tls() {
    let ca = TestCa::new();
    let (fake, counts) = FakePlatforms::start_over_tls(&ca).await;
    let root = ca.root_pem.clone();
    let t =
        spawn_with_platforms_and(Db::Sqlite, &fake, move |s| s.tls.extra_roots = vec![root]).await;
    for p in ALL {
        let patron = p.patron(61);
        p.say(&t, &patron, 1, "wifi password").await;
        let got = fake.wait_for(&patron, 1).await;
        assert_eq!(got[0].text, to_plain(&faq_answer("wifi")), "{p:?}");
    }
    assert!(counts.handshakes() >= 1);
}

/// A certificate from an authority nobody trusts: the client refuses it during the handshake,
/// nothing is delivered, and the reply waits in the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_gets_no_reply() {
    let ca = TestCa::new();
    let (fake, counts) = FakePlatforms::start_over_tls(&ca).await;
    let t = spawn_with_platforms(Db::Sqlite, &fake).await;
    let patron = Platform::Vk.patron(62);
    Platform::Vk.say(&t, &patron, 1, "wifi password").await;
    assert!(
        eventually(|| async { counts.connections() >= 2 }).await,
        "the outbox tries, and retries"
    );
    assert_eq!(counts.handshakes(), 0);
    assert!(fake.delivered_to(&patron).is_empty());
}

#[tokio::test]
async fn incomplete_settings_refuse_to_start_naming_the_key() {
    type Tweak = fn(&mut refdesk::config::Settings);
    let cases: [(&str, Tweak); 4] = [
        ("meta.app_secret", |s| {
            s.meta.enabled = true;
            s.meta.verify_token = "v".into();
            s.meta.page_access_token = "p".into();
        }),
        ("meta.whatsapp_token", |s| {
            s.meta.enabled = true;
            s.meta.app_secret = "a".into();
            s.meta.verify_token = "v".into();
            s.meta.whatsapp_phone_number_id = "1".into();
        }),
        ("vk.access_token", |s| {
            s.vk.enabled = true;
            s.vk.group_id = 1;
            s.vk.secret = "s".into();
            s.vk.confirmation = "c".into();
        }),
        ("telegram.token", |s| s.telegram.enabled = true),
    ];
    for (key, tweak) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(Db::Sqlite, dir.path());
        tweak(&mut settings);
        let err = match refdesk::app::start(&settings, Vec::new()).await {
            Ok(_) => panic!("{key}: started anyway"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains(key), "{key}: {err}");
    }
}
