//! The Matrix connector against a real Synapse (installed from PyPI into the target
//! directory and started by the tests). The patron is a real end-to-end encrypting client:
//! it opens an encrypted direct chat with the bot, gets FAQ answers and a librarian's reply,
//! and the bot, restarted, answers what comes next without repeating itself or adding a device.

// matrix-sdk's sync future is deep enough to need more than the default.

use std::path::Path;
use std::time::Duration;

use crate::support::librarian::*;
use crate::support::synapse::{Synapse, User};
use crate::support::*;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::OwnedUserId;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, RoomMessageEventContent,
};
use matrix_sdk::{Client, Room};
use refdesk::connectors::text::to_plain;
use refdesk::domain::TicketStatus;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const OUT_OF_SCOPE: &str =
    "Can you find me the 1962 minutes of the town council's drainage committee?";
const MATRIX_WAIT: Duration = Duration::from_secs(60);

/// A name no other test (or earlier run against the same Synapse) has used.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// A bot message as the patron's client decrypted it: plain body and HTML body.
#[derive(Debug)]
struct Received {
    body: String,
    html: Option<String>,
}

/// The patron: a matrix-sdk client with its own encrypted store, syncing in the background
/// and passing on every message the bot sends.
struct Patron {
    client: Client,
    from_bot: mpsc::UnboundedReceiver<Received>,
    _sync: tokio::task::JoinHandle<()>,
}

impl Patron {
    async fn sign_in(syn: &Synapse, user: &User, bot: &str, dir: &Path) -> Self {
        let client = Client::builder()
            .homeserver_url(&syn.base_url)
            .sqlite_store(dir, Some("patron passphrase"))
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(&user.user_id, &user.password)
            .initial_device_display_name("patron's phone")
            .send()
            .await
            .unwrap();
        let (tx, from_bot) = mpsc::unbounded_channel();
        let bot: OwnedUserId = bot.try_into().unwrap();
        client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent| {
            let (tx, bot) = (tx.clone(), bot.clone());
            async move {
                if ev.sender == bot
                    && let MessageType::Text(t) = ev.content.msgtype
                {
                    let _ = tx.send(Received {
                        body: t.body,
                        html: t.formatted.map(|f| f.body),
                    });
                }
            }
        });
        client.sync_once(SyncSettings::default()).await.unwrap();
        let syncing = client.clone();
        let _sync = tokio::spawn(async move {
            let _ = syncing.sync(SyncSettings::default()).await;
        });
        Self {
            client,
            from_bot,
            _sync,
        }
    }

    async fn next_from_bot(&mut self) -> Received {
        tokio::time::timeout(MATRIX_WAIT, self.from_bot.recv())
            .await
            .expect("the bot answers in time")
            .expect("the patron's client is running")
    }

    /// Nothing more from the bot for a while.
    async fn quiet(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.from_bot.recv())
            .await
            .ok()
            .flatten()
    }
}

async fn say(room: &Room, text: &str) {
    room.send(RoomMessageEventContent::text_plain(text))
        .await
        .unwrap();
}

/// A GET on the homeserver's client-server API (`/_matrix/client/v3/{path}`) as `token`.
async fn client_api(syn: &Synapse, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}/_matrix/client/v3/{path}", syn.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The bot's devices, as the homeserver lists them.
async fn devices(syn: &Synapse, bot: &User) -> Vec<String> {
    let list = client_api(syn, &bot.access_token, "devices").await;
    let mut ids: Vec<String> = list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// Event types the bot put in the room, read raw from the homeserver with the patron's token.
async fn bot_event_types(syn: &Synapse, patron: &Client, room: &Room, bot: &str) -> Vec<String> {
    let path = format!("rooms/{}/messages?dir=b&limit=100", room.room_id());
    let page = client_api(syn, &patron.access_token().unwrap(), &path).await;
    page["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sender"] == bot && e["state_key"].is_null())
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// A bot account, refdesk signed in as it (on `db`), and a patron's client syncing.
struct Scene {
    syn: &'static Synapse,
    bot: User,
    t: TestApp,
    patron: Patron,
    _dirs: tempfile::TempDir,
}

async fn scene(db: Db) -> Scene {
    let syn = Synapse::shared();
    let password = "a long bot passphrase";
    let bot = syn.register(&unique("librarybot"), password, false).await;
    let patron_user = syn
        .register(&unique("patron"), "patron passphrase", false)
        .await;
    let dirs = tempfile::tempdir().unwrap();
    let (homeserver, bot_id, store_dir) = (
        syn.base_url.clone(),
        bot.user_id.clone(),
        dirs.path().join("matrix"),
    );
    let t = spawn_app_with(
        db,
        move |s| {
            s.matrix.enabled = true;
            s.matrix.homeserver_url = homeserver;
            s.matrix.user_id = bot_id;
            s.matrix.password = password.into();
            s.matrix.store_dir = store_dir;
            s.matrix.store_passphrase = "bot store passphrase".into();
        },
        Vec::new(),
    )
    .await;
    let patron =
        Patron::sign_in(syn, &patron_user, &bot.user_id, &dirs.path().join("patron")).await;
    Scene {
        syn,
        bot,
        t,
        patron,
        _dirs: dirs,
    }
}

async fn an_encrypted_direct_chat_end_to_end(db: Db) {
    let Scene {
        syn,
        bot,
        t,
        mut patron,
        _dirs,
    } = scene(db).await;
    let bot_user: OwnedUserId = bot.user_id.as_str().try_into().unwrap();
    let room = patron.client.create_dm(&bot_user).await.unwrap();
    assert!(room.latest_encryption_state().await.unwrap().is_encrypted());
    let joined =
        eventually_within(MATRIX_WAIT, || joined_count(syn, &patron.client, &room, 2)).await;
    assert!(joined, "the bot accepts the invitation");

    say(&room, "wifi password").await;
    let answer = patron.next_from_bot().await;
    assert_eq!(answer.body, to_plain(&faq_answer("wifi")));
    let html = answer.html.expect("an HTML body too");
    assert!(
        html.contains("<a href=\"https://it.northbridge.example.edu/help\">"),
        "{html}"
    );

    // Escalation, and a librarian's reply through the desk API.
    say(&room, OUT_OF_SCOPE).await;
    let notice = patron.next_from_bot().await;
    assert!(notice.body.contains("librarian"), "{}", notice.body);
    let open = t.tickets(TicketStatus::Open).await;
    let id = open.last().unwrap().id;
    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;
    let detail: Value = desk.ticket(id).await;
    assert_eq!(detail["channel"], "matrix");
    let reply = "The 1962 minutes are in box LS/1962/4 in local studies.";
    desk.reply_claiming(id, reply).await;
    assert_eq!(patron.next_from_bot().await.body, reply);
    desk.post(&format!("/api/v1/tickets/{id}/resolve"), json!({}))
        .await;
    // The patron hears the chat ended, with a request for a rating.
    let ended = patron.next_from_bot().await.body;
    assert!(ended.contains("This chat has ended"), "{ended}");

    // Everything the bot put in the room is encrypted.
    let types = bot_event_types(syn, &patron.client, &room, &bot.user_id).await;
    assert!(types.len() >= 3, "{types:?}");
    assert!(types.iter().all(|t| t == "m.room.encrypted"), "{types:?}");

    // Restart: same device, no second answers, and the next question is answered.
    let before = devices(syn, &bot).await;
    let (dir, settings) = t.stop().await;
    let app = refdesk::app::start(&settings, Vec::new()).await.unwrap();
    let t = TestApp::new(app, dir, settings);
    say(&room, "where can I park").await;
    let next = patron.next_from_bot().await;
    assert_eq!(next.body, to_plain(&faq_answer("parking")));
    assert!(
        patron.quiet(Duration::from_secs(2)).await.is_none(),
        "nothing answered twice"
    );
    assert_eq!(devices(syn, &bot).await, before, "no new device");
    // The harness's own login and refdesk's: two devices, before and after.
    assert_eq!(before.len(), 2, "{before:?}");
    let answered: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) FROM messages WHERE direction = 'in'")
            .fetch_one(&t.db)
            .await
            .unwrap()
            .get(0)
    };
    assert_eq!(answered, 3, "each question stored once");
    t.app.shutdown().await;
}

async fn shared_rooms_only_when_mentioned(db: Db) {
    let Scene {
        syn,
        bot,
        t,
        mut patron,
        _dirs,
    } = scene(db).await;
    let friend = syn
        .register(&unique("friend"), "friend passphrase", false)
        .await;
    // A study group's room: the patron, a friend and the bot.
    let mut request = matrix_sdk::ruma::api::client::room::create_room::v3::Request::new();
    request.invite = vec![
        bot.user_id.as_str().try_into().unwrap(),
        friend.user_id.as_str().try_into().unwrap(),
    ];
    request.name = Some("Study group".into());
    let room = patron.client.create_room(request).await.unwrap();
    let http = reqwest::Client::new();
    let join = http
        .post(format!(
            "{}/_matrix/client/v3/rooms/{}/join",
            syn.base_url,
            room.room_id()
        ))
        .bearer_auth(&friend.access_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(join.status().is_success());
    assert!(eventually_within(MATRIX_WAIT, || joined_count(syn, &patron.client, &room, 3)).await);

    say(&room, "wifi password").await;
    let localpart = bot
        .user_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap();
    say(&room, &format!("{localpart}: where can I park?")).await;
    let answer = patron.next_from_bot().await;
    assert_eq!(
        answer.body,
        to_plain(&faq_answer("parking")),
        "only the mention is answered"
    );
    assert!(patron.quiet(Duration::from_secs(2)).await.is_none());
    assert_eq!(
        count_messages(&t).await,
        2,
        "the unaddressed message is not kept"
    );
    t.app.shutdown().await;
}

/// Whether the room has `n` joined members, as the homeserver says.
async fn joined_count(syn: &Synapse, client: &Client, room: &Room, n: usize) -> bool {
    let path = format!("rooms/{}/joined_members", room.room_id());
    let members = client_api(syn, &client.access_token().unwrap(), &path).await;
    members["joined"].as_object().map(|m| m.len()) == Some(n)
}

on_both_databases!(
    an_encrypted_direct_chat_end_to_end,
    shared_rooms_only_when_mentioned
);
