//! The Telegram connector against a loopback server speaking the Bot API's JSON: polling and
//! webhook delivery, commands, groups, escalation and a librarian's reply, duplicates, a
//! 429, a long answer in parts, and a crash in the middle of a stream of updates.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::librarian::*;
use crate::support::telegram::FakeTelegram;
use crate::support::tls::TestCa;
use crate::support::*;
use refdesk::connectors::telegram::Mode;
use refdesk::connectors::text::{telegram_visible_len, to_telegram_html};
use refdesk::domain::TicketStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKEN: &str = "123456:TEST-token_value";
const BOT: &str = "NorthLibBot";
const SECRET: &str = "s3cret-Webhook_token";

async fn spawn_with_telegram(db: Db, fake: &FakeTelegram, mode: Mode) -> TestApp {
    spawn_with_telegram_and(db, fake, mode, |_| {}).await
}

async fn spawn_with_telegram_and(
    db: Db,
    fake: &FakeTelegram,
    mode: Mode,
    tweak: impl FnOnce(&mut refdesk::config::Settings),
) -> TestApp {
    let base = fake.base_url.clone();
    spawn_app_with(
        db,
        move |s| {
            s.telegram.enabled = true;
            s.telegram.token = TOKEN.into();
            s.telegram.api_url = base;
            s.telegram.mode = mode;
            s.telegram.webhook_url =
                "https://library.example.org/connectors/telegram/webhook".into();
            s.telegram.webhook_secret = SECRET.into();
            tweak(s);
        },
        Vec::new(),
    )
    .await
}

async fn post_webhook(t: &TestApp, secret: Option<&str>, body: Vec<u8>) -> StatusCode {
    let mut req = reqwest::Client::new()
        .post(t.http_url("/connectors/telegram/webhook"))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(s) = secret {
        req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
    }
    req.send().await.unwrap().status()
}

async fn polling_answers_from_the_faq_and_registers_commands(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let _t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    fake.push_update(FakeTelegram::private_text(501, 1, "wifi password", "en"));
    let sent = fake.wait_for_sent(501, 1, WAIT).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
    assert_eq!(sent[0].text, to_telegram_html(&faq_answer("wifi")));
    assert!(
        sent[0]
            .text
            .contains("<a href=\"https://it.northbridge.example.edu/help\">")
    );

    // The menu in each language, and no webhook left behind to block polling.
    let menus = fake.calls("setMyCommands");
    assert_eq!(menus.len(), 3, "{menus:?}");
    let names: Vec<&str> = menus[0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["start", "help", "human"]);
    assert!(menus.iter().any(|m| m["language_code"] == "ru"));
    assert!(!fake.calls("deleteWebhook").is_empty());
    // The offset moved past the update: Telegram forgets it.
    assert!(eventually(|| async { fake.pending_updates() == 0 }).await);
}

async fn escalation_and_the_librarians_reply_reach_the_chat(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    fake.push_update(FakeTelegram::private_text(
        502,
        1,
        "Can you find me the 1962 minutes of the town council's drainage committee?",
        "en",
    ));
    let notice = fake.wait_for_sent(502, 1, WAIT).await;
    assert!(notice[0].text.contains("librarian"), "{}", notice[0].text);
    let open = t.tickets(TicketStatus::Open).await;
    assert_eq!(open.len(), 1);
    let id = open[0].id;

    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;
    let list: Value = desk
        .get("/api/v1/tickets?status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["channel"], "telegram");
    let reply = "The minutes are in our local studies room: ask for box LS/1962/4 & bring ID <3";
    desk.reply_claiming(id, reply).await;
    let sent = fake.wait_for_sent(502, 2, WAIT).await;
    assert_eq!(sent[1].text, to_telegram_html(reply));
    assert!(sent[1].text.contains("&amp; bring ID &lt;3"));
}

async fn the_end_of_a_chat_offers_rating_buttons(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    fake.push_update(FakeTelegram::private_text(
        503,
        1,
        "Can you find me the 1962 minutes of the town council's drainage committee?",
        "en",
    ));
    fake.wait_for_sent(503, 1, WAIT).await;
    let id = t.tickets(TicketStatus::Open).await[0].id;
    add_librarian(&t, "ann", "librarian").await;
    let mut desk = DeskClient::new(&t);
    desk.login("ann", PASSWORD).await;
    desk.reply_claiming(id, "They are in box LS/1962/4.").await;
    desk.post(&format!("/api/v1/tickets/{id}/resolve"), json!({}))
        .await;
    let sent = fake.wait_for_sent(503, 3, WAIT).await;
    assert!(
        sent[2].text.starts_with("This chat has ended."),
        "{}",
        sent[2].text
    );
    let ended = fake
        .calls("sendMessage")
        .into_iter()
        .find(|c| {
            c["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("This chat has ended.")
        })
        .unwrap();
    let keyboard = &ended["reply_markup"]["keyboard"][0];
    let labels: Vec<&str> = keyboard
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["1", "2", "3", "4", "5"]);
    assert_eq!(ended["reply_markup"]["one_time_keyboard"], true);
    // Only the request for a rating carries buttons.
    assert_eq!(
        fake.calls("sendMessage")
            .iter()
            .filter(|c| !c["reply_markup"].is_null())
            .count(),
        1
    );
    // The patron taps 2: a rating, thanked once.
    fake.push_update(FakeTelegram::private_text(503, 2, "2", "en"));
    let sent = fake.wait_for_sent(503, 4, WAIT).await;
    assert!(
        sent[3].text.starts_with("Thank you for your rating"),
        "{}",
        sent[3].text
    );
    assert_eq!(desk.ticket(id).await["rating"], 2);
    t.app.shutdown().await;
}

async fn webhook_needs_the_right_secret(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Webhook).await;
    assert!(eventually(|| async { !fake.calls("setWebhook").is_empty() }).await);
    let set = &fake.calls("setWebhook")[0];
    assert_eq!(
        set["url"],
        "https://library.example.org/connectors/telegram/webhook"
    );
    assert_eq!(set["secret_token"], SECRET);

    let mut update = FakeTelegram::private_text(503, 1, "wifi password", "en");
    update["update_id"] = json!(9001);
    let body = serde_json::to_vec(&update).unwrap();
    for wrong in [None, Some("s3cret-Webhook_toke"), Some("nope")] {
        assert_eq!(
            post_webhook(&t, wrong, body.clone()).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        count_messages(&t).await,
        0,
        "a refused update leaves nothing"
    );

    assert_eq!(
        post_webhook(&t, Some(SECRET), body.clone()).await,
        StatusCode::OK
    );
    // Telegram retrying the same update (a lost 200) is stored and answered once.
    assert_eq!(post_webhook(&t, Some(SECRET), body).await, StatusCode::OK);
    let sent = fake.wait_for_sent(503, 1, WAIT).await;
    assert_eq!(sent[0].text, to_telegram_html(&faq_answer("wifi")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.sent_to(503).len(), 1);
    assert_eq!(count_messages(&t).await, 2, "one question, one answer");

    // Garbage and giants are refused and the server stays up.
    for junk in [b"{not json".to_vec(), b"{\"hello\":1}".to_vec(), Vec::new()] {
        assert_eq!(
            post_webhook(&t, Some(SECRET), junk).await,
            StatusCode::BAD_REQUEST
        );
    }
    let giant = format!(
        "{{\"update_id\":1,\"message\":{{\"text\":\"{}\"}}}}",
        "a".repeat(400 * 1024)
    );
    assert_eq!(
        post_webhook(&t, Some(SECRET), giant.into_bytes()).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let health = reqwest::get(t.http_url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        fake.calls("getUpdates").is_empty(),
        "webhook mode never polls"
    );
}

async fn a_redelivered_message_is_answered_once(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    let msg = FakeTelegram::private_text(504, 7, "wifi password", "en");
    fake.push_update(msg.clone());
    fake.wait_for_sent(504, 1, WAIT).await;
    // The same message again under a new update id, then a new question.
    fake.push_update(msg);
    fake.push_update(FakeTelegram::private_text(504, 8, "where can I park", "en"));
    let sent = fake.wait_for_sent(504, 2, WAIT).await;
    assert_eq!(sent[1].text, to_telegram_html(&faq_answer("parking")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.sent_to(504).len(), 2);
    assert_eq!(count_messages(&t).await, 4);
}

async fn a_429_delays_the_next_send(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let _t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    fake.reject_next_sends(1, 2);
    fake.push_update(FakeTelegram::private_text(505, 1, "wifi password", "en"));
    let sent = fake.wait_for_sent(505, 1, WAIT).await;
    let rejected = fake.rejected();
    assert_eq!(rejected.len(), 1);
    let waited = sent[0].at.duration_since(rejected[0].at);
    assert!(
        waited >= Duration::from_millis(1_950),
        "sent again after {waited:?}, but Telegram asked for 2 s"
    );
    assert_eq!(sent[0].text, to_telegram_html(&faq_answer("wifi")));
}

/// A FAQ with one entry whose answer is about 6,000 characters, full of characters that
/// Telegram HTML must have escaped.
fn long_faq(dir: &std::path::Path) -> String {
    let paragraph = |i: usize| {
        format!(
            "Rule {i}: fines < 5 & renewals > 2 are checked with snake_case_ids and 2 * 3 = 6; see [the policy](https://library.example.org/policy?a=1&b={i}). {}",
            "Patrons keep their receipts until the item is back on the shelf. "
                .repeat(5)
                .trim_end()
        )
    };
    let answer: Vec<String> = (1..=14).map(paragraph).collect();
    let answer = answer.join("\n\n");
    std::fs::write(
        dir.join("policy.md"),
        format!(
            "+++\nquestion = \"What are the lending rules in full?\"\nalternates = [\"full lending rules\"]\n+++\n{answer}\n"
        ),
    )
    .unwrap();
    answer
}

async fn a_long_answer_arrives_in_order_in_two_parts(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let faq = tempfile::tempdir().unwrap();
    let answer = long_faq(faq.path());
    assert!((5_500..7_000).contains(&answer.chars().count()));
    let base = fake.base_url.clone();
    let faq_dir = faq.path().to_path_buf();
    let _t = spawn_app_with(
        db,
        move |s| {
            s.faq.dir = faq_dir;
            s.telegram.enabled = true;
            s.telegram.token = TOKEN.into();
            s.telegram.api_url = base;
        },
        Vec::new(),
    )
    .await;
    fake.push_update(FakeTelegram::private_text(
        506,
        1,
        "full lending rules",
        "en",
    ));
    let sent = fake.wait_for_sent(506, 2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.sent_to(506).len(), 2);
    // In order, cut between paragraphs, each within the limit, nothing lost.
    assert!(sent[0].text.starts_with("Rule 1:"));
    assert!(sent[1].text.starts_with("Rule "));
    assert!(sent[1].text.contains("Rule 14:"));
    let parts: Vec<&str> = answer.split("\n\n").collect();
    let cut = parts
        .iter()
        .position(|p| to_telegram_html(p).starts_with(&sent[1].text[..20]))
        .unwrap();
    assert_eq!(sent[0].text, to_telegram_html(&parts[..cut].join("\n\n")));
    assert_eq!(sent[1].text, to_telegram_html(&parts[cut..].join("\n\n")));
    for p in [&parts[..cut], &parts[cut..]] {
        assert!(telegram_visible_len(&p.join("\n\n")) <= 4096);
    }
}

async fn commands_stickers_and_languages(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    fake.push_update(FakeTelegram::private_text(507, 1, "/start", "ru"));
    let hello = fake.wait_for_sent(507, 1, WAIT).await;
    assert!(
        hello[0].text.starts_with("Здравствуйте"),
        "{}",
        hello[0].text
    );
    assert!(hello[0].text.contains("библиотекар"));

    fake.push_update(FakeTelegram::private_text(508, 1, "/help", "en-GB"));
    let help = fake.wait_for_sent(508, 1, WAIT).await;
    assert!(help[0].text.contains("/human"), "{}", help[0].text);

    fake.push_update(FakeTelegram::private_sticker(508, 2));
    let sticker = fake.wait_for_sent(508, 2, WAIT).await;
    assert!(sticker[1].text.contains("sticker"), "{}", sticker[1].text);
    assert!(t.tickets(TicketStatus::Open).await.is_empty());

    // /human opens a ticket; a sticker sent then reaches the librarian as a placeholder.
    fake.push_update(FakeTelegram::private_text(508, 3, "/human", "en"));
    fake.wait_for_sent(508, 3, WAIT).await;
    let open = t.tickets(TicketStatus::Open).await;
    assert_eq!(open.len(), 1);
    fake.push_update(FakeTelegram::private_sticker(508, 4));
    let after = fake.wait_for_sent(508, 4, WAIT).await;
    assert!(
        after[3].text.contains("librarian can see"),
        "{}",
        after[3].text
    );
    let messages = t
        .app
        .store()
        .conversation_messages(open[0].conversation_id)
        .await
        .unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.sender == "patron" && m.text.as_deref() == Some("[sticker]")),
        "{messages:?}"
    );
}

async fn groups_get_answers_only_when_they_address_the_bot(db: Db) {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(db, &fake, Mode::Polling).await;
    let group = -100_200;
    fake.push_update(FakeTelegram::group_text(
        group,
        11,
        1,
        "wifi password anyone?",
        None,
        None,
    ));
    let mention = json!([{"type": "mention", "offset": 0, "length": 12}]);
    fake.push_update(FakeTelegram::group_text(
        group,
        11,
        2,
        "@NorthLibBot where can I park?",
        Some(mention),
        None,
    ));
    let sent = fake.wait_for_sent(group, 1, WAIT).await;
    assert_eq!(sent[0].text, to_telegram_html(&faq_answer("parking")));
    // A reply to the bot's answer counts as addressing it.
    let bot_message = json!({"message_id": 900, "date": 1_700_000_000,
        "chat": {"id": group, "type": "group", "title": "Study group"},
        "from": {"id": 777_000_111, "is_bot": true, "first_name": "Library Bot", "username": BOT},
        "text": "parking"});
    fake.push_update(FakeTelegram::group_text(
        group,
        11,
        3,
        "wifi password",
        None,
        Some(bot_message),
    ));
    let sent = fake.wait_for_sent(group, 2, WAIT).await;
    assert_eq!(sent[1].text, to_telegram_html(&faq_answer("wifi")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.sent_to(group).len(), 2);
    assert_eq!(
        count_messages(&t).await,
        4,
        "the unaddressed message is not kept"
    );
}

/// teloxide's reqwest 0.12 has no crypto provider of its own: polling over HTTPS works on
/// the aws-lc-rs provider refdesk installs, trusting the authority it is given.
/// The poller's run-alone lock lives in a PostgreSQL session; when that session is lost,
/// so is the lock, and the poller stops and takes the lock again before it fetches more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_polling_lock_is_noticed_and_taken_again() {
    let fake = FakeTelegram::start(TOKEN, BOT).await;
    let t = spawn_with_telegram(Db::Postgres, &fake, Mode::Polling).await;
    fake.push_update(FakeTelegram::private_text(503, 1, "wifi password", "en"));
    fake.wait_for_sent(503, 1, WAIT).await;
    let holders = || async {
        sqlx::query_scalar::<_, i32>(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
        )
        .fetch_all(&t.db)
        .await
        .unwrap()
    };
    let before = holders().await;
    assert_eq!(before.len(), 1, "one poller holds the lock: {before:?}");
    let _: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(before[0])
        .fetch_one(&t.db)
        .await
        .unwrap();
    // Noticed at the next round (a poll lasts up to 10 s), then taken again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let mut now_held = Vec::new();
    while tokio::time::Instant::now() < deadline {
        now_held = holders().await;
        if now_held.len() == 1 && now_held != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        now_held.len() == 1 && now_held != before,
        "the lock is held again, by a new session: {before:?} then {now_held:?}"
    );
    fake.push_update(FakeTelegram::private_text(503, 2, "wifi password", "en"));
    assert_eq!(
        fake.wait_for_sent(503, 2, WAIT).await.len(),
        2,
        "polling goes on"
    );
    t.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_over_tls_answers() {
    let ca = TestCa::new();
    let (fake, _) = FakeTelegram::start_over_tls(TOKEN, BOT, &ca).await;
    let root = ca.root_pem.clone();
    let _t = spawn_with_telegram_and(Db::Sqlite, &fake, Mode::Polling, move |s| {
        s.tls.extra_roots = vec![root]
    })
    .await;
    fake.push_update(FakeTelegram::private_text(561, 1, "wifi password", "en"));
    let sent = fake.wait_for_sent(561, 1, WAIT).await;
    assert_eq!(sent[0].text, to_telegram_html(&faq_answer("wifi")));
}

/// Without that authority every call fails its handshake: refdesk still starts (its other
/// channels work) and keeps retrying, and no request reaches the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_telegram_certificate_is_refused() {
    let ca = TestCa::new();
    let (fake, counts) = FakeTelegram::start_over_tls(TOKEN, BOT, &ca).await;
    let _t = spawn_with_telegram(Db::Sqlite, &fake, Mode::Polling).await;
    assert!(
        eventually(|| async { counts.connections() >= 2 }).await,
        "getMe, then a retry"
    );
    assert_eq!(counts.handshakes(), 0);
    assert!(fake.calls("getMe").is_empty());
}

on_both_databases!(
    the_end_of_a_chat_offers_rating_buttons,
    polling_answers_from_the_faq_and_registers_commands,
    escalation_and_the_librarians_reply_reach_the_chat,
    webhook_needs_the_right_secret,
    a_redelivered_message_is_answered_once,
    a_429_delays_the_next_send,
    a_long_answer_arrives_in_order_in_two_parts,
    commands_stickers_and_languages,
    groups_get_answers_only_when_they_address_the_bot,
);

mod crash {
    //! `refdesk serve` is killed (SIGKILL) while updates stream in and while a reply is in
    //! flight, then restarted on the same database: every message is answered exactly once.

    use super::*;

    async fn restart_mid_stream_loses_and_repeats_nothing(db: Db) {
        let fake = FakeTelegram::start(TOKEN, BOT).await;
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(db, dir.path());
        let config = dir.path().join("refdesk.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\nlisten = \"127.0.0.1:{}\"\n[outbox]\nlease_ms = 1000\n[database]\nurl = \"{}\"\n[faq]\ndir = \"{}\"\nwatch = false\n[telegram]\nenabled = true\napi_url = \"{}\"\n",
                free_port(),
                settings.database.url,
                settings.faq.dir.display(),
                fake.base_url,
            ),
        )
        .unwrap();
        let questions = [
            "wifi password",
            "where can I park",
            "hello",
            "How do I renew my books?",
        ];
        let total: i64 = 40;
        let chat = |i: i64| 10_000 + i;

        let env = [("REFDESK__TELEGRAM__TOKEN", TOKEN)];
        let mut server = start_server(&config, &env);
        for i in 0..total {
            fake.push_update(FakeTelegram::private_text(
                chat(i),
                1,
                questions[i as usize % questions.len()],
                "en",
            ));
            if i == total / 2 {
                // Half the stream is in; let some answers out, then freeze the next send.
                assert!(eventually(|| async { fake.sent().len() >= 5 }).await);
                fake.stall_sends(true);
                tokio::time::sleep(Duration::from_millis(200)).await;
                server.kill().unwrap();
                server.wait().unwrap();
                fake.stall_sends(false);
                server = start_server(&config, &env);
            }
        }
        let all = eventually(|| async { fake.sent().len() as i64 >= total }).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let mut per_chat: BTreeMap<i64, usize> = BTreeMap::new();
        for s in fake.sent() {
            *per_chat.entry(s.chat_id).or_default() += 1;
        }
        assert!(
            all,
            "only {} of {total} answered: {per_chat:?}",
            fake.sent().len()
        );
        assert_eq!(
            per_chat.len() as i64,
            total,
            "every chat answered: {per_chat:?}"
        );
        assert!(
            per_chat.values().all(|&n| n == 1),
            "nobody answered twice: {per_chat:?}"
        );
        assert_eq!(fake.pending_updates(), 0, "every update confirmed");
    }

    on_both_databases!(restart_mid_stream_loses_and_repeats_nothing);
}
