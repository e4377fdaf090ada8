//! The desk for a shift: hand-over between librarians, notes, the queue's question and
//! filters, the patron's history and rating, opening hours, failed deliveries.

use std::time::Duration;

use crate::support::librarian::*;
use crate::support::*;
use refdesk::domain::TicketStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};

const RESEARCH: &str =
    "My professor says an article from 1987 on drainage exists but I cannot find it";

/// A patron escalates over the web chat; returns the client, the notice and the ticket's id.
async fn escalate(t: &TestApp, text: &str) -> (ChatClient, Value, i64) {
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send(text, "q1").await;
    let notice = c.next_message(WAIT).await.expect("an escalation notice");
    assert_eq!(notice["from"], "system");
    let open = t.tickets(TicketStatus::Open).await;
    (c, notice, open.last().unwrap().id)
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// The CSRF token of a signed-in librarian's desk pages.
async fn csrf(d: &DeskClient) -> String {
    let page = d.get("/desk").await.text().await.unwrap();
    let marker = r#"<meta name="csrf" content=""#;
    let start = page.find(marker).unwrap() + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn handover_between_two_librarians_and_an_admin(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    add_librarian(&t, "ben", "librarian").await;
    add_librarian(&t, "ada", "admin").await;
    let (mut ann, mut ben, mut ada) = (
        DeskClient::new(&t),
        DeskClient::new(&t),
        DeskClient::new(&t),
    );
    ann.login("ann", PASSWORD).await;
    ben.login("ben", PASSWORD).await;
    ada.login("ada", PASSWORD).await;
    let r = ann
        .post(
            "/api/v1/account",
            json!({"display_name": "Ann", "shortcuts": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        json_of(ann.get("/api/v1/account").await).await,
        json!({"display_name": "Ann", "shortcuts": false})
    );

    let (mut patron, _, id) = escalate(&t, RESEARCH).await;
    // The patron asks for a person on top: the queue still shows the question.
    patron.send("can I talk to a librarian please?", "q2").await;
    // The ack says no automatic answer follows (the page shows no typing dots); the
    // acknowledgement comes from the system.
    let (mut ack, mut waiting) = (Value::Null, Value::Null);
    while ack.is_null() || waiting.is_null() {
        let frame = patron.next_frame(WAIT).await.expect("the ack and a notice");
        match frame["type"].as_str() {
            Some("ack") => ack = frame,
            Some("message") => waiting = frame,
            _ => {}
        }
    }
    assert_eq!(ack["with_librarian"], true, "{ack}");
    assert_eq!(waiting["from"], "system");
    assert!(
        waiting["text"]
            .as_str()
            .unwrap()
            .contains("already with the librarians"),
        "{waiting}"
    );
    let list = json_of(ann.get("/api/v1/tickets?status=open").await).await;
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["question"], RESEARCH);
    assert_eq!(list[0]["language"], "en");
    assert_eq!(list[0]["last_message"], "can I talk to a librarian please?");

    // Ann takes it; the patron hears her name.
    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/claim"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let joined = patron.next_message(WAIT).await.expect("a joined notice");
    assert_eq!(joined["text"], "Ann, a librarian, has joined the chat.");
    // Ben cannot take it from her, nor hand it on.
    let refused = ben
        .post(
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"to": "ben"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(json_of(refused).await["error"], "ann holds this ticket");

    // A note for whoever takes over: author and time, and it leaves nothing else changed.
    let note = ann
        .post(
            &format!("/api/v1/tickets/{id}/notes"),
            json!({"text": "Checked JSTOR and our catalogue: nothing under drainage 1987."}),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let note = json_of(note).await;
    assert_eq!(note["author"], "ann");
    assert!(note["at"].as_i64().unwrap() > 0);

    // Handing over: to nobody, then to Ben.
    let nobody = ann
        .post(
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"to": "nobody"}),
        )
        .await;
    assert_eq!(nobody.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        ann.post(
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"to": "ben"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let joined = patron
        .next_message(WAIT)
        .await
        .expect("the colleague's notice");
    assert_eq!(joined["text"], "A librarian has joined the chat.");
    let detail = ben.ticket(id).await;
    assert_eq!(detail["assignee"], "ben");
    assert_eq!(detail["status"], "claimed");
    let notes = json_of(ben.get(&format!("/api/v1/tickets/{id}/notes")).await).await;
    assert_eq!(notes.as_array().unwrap().len(), 1);
    assert_eq!(notes[0]["author"], "ann");
    assert_eq!(notes[0]["text"], note["text"]);
    assert_eq!(detail["notes"], notes);
    let mine = json_of(ben.get("/api/v1/tickets?status=claimed&assignee=me").await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let counts = json_of(ben.get("/api/v1/tickets/counts").await).await;
    assert_eq!(
        (counts["claimed"].as_i64(), counts["mine"].as_i64()),
        (Some(1), Some(1))
    );

    // Ann's page, sent after the hand-over, is refused on the ticket page itself.
    let form = [("csrf", csrf(&ann).await), ("text", "Here it is".into())];
    let page = ann
        .req(reqwest::Method::POST, &format!("/desk/tickets/{id}/reply"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::CONFLICT);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"role="alert">ben holds this ticket"#),
        "{html}"
    );
    assert!(
        html.contains("Checked JSTOR"),
        "the page shows the ticket and its notes"
    );

    // The admin takes it over.
    assert_eq!(
        ada.post(
            &format!("/api/v1/tickets/{id}/transfer"),
            json!({"to": "ada"})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(ada.ticket(id).await["assignee"], "ada");
    let r = ada
        .post(
            &format!("/api/v1/tickets/{id}/reply"),
            json!({"text": "Found it in the 1987 proceedings."}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let joined = patron.next_message(WAIT).await.expect("the admin's notice");
    assert_eq!(joined["from"], "system");
    let reply = patron.next_message(WAIT).await.expect("the reply");
    assert_eq!(reply["from"], "librarian");
    let detail = ada.ticket(id).await;
    let last = detail["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["author"], "ada", "the desk shows who wrote a reply");
    t.app.shutdown().await;
}

async fn the_queue_filters_and_searches(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_p1, _, first) = escalate(&t, RESEARCH).await;
    let (_p2, _, second) = escalate(
        &t,
        "Я ищу диссертацию о мелиорации Полесья, защищённую в 1974 году",
    )
    .await;
    let ids = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let get = |q: &'static str| {
        let ann = &ann;
        async move { ann.get(&format!("/api/v1/tickets?{q}")).await }
    };
    assert_eq!(
        ids(json_of(get("").await).await),
        vec![first, second],
        "waiting longest first"
    );
    assert_eq!(
        ids(json_of(get("sort=newest").await).await),
        vec![second, first]
    );
    assert_eq!(ids(json_of(get("q=drainage").await).await), vec![first]);
    // Case folds in Cyrillic too, on both databases.
    assert_eq!(
        ids(
            json_of(get("q=%D0%9C%D0%B5%D0%BB%D0%B8%D0%BE%D1%80%D0%B0%D1%86%D0%B8%D0%B8").await)
                .await
        ),
        vec![second]
    );
    assert_eq!(ids(json_of(get("q=%23").await).await), Vec::<i64>::new());
    assert_eq!(
        ids(json_of(ann.get(&format!("/api/v1/tickets?q=%23{second}")).await).await),
        vec![second]
    );
    assert_eq!(ids(json_of(get("language=ru").await).await), vec![second]);
    assert_eq!(
        ids(json_of(get("channel=telegram").await).await),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(json_of(get("assignee=none").await).await),
        vec![first, second]
    );
    assert_eq!(
        ids(json_of(get("status=resolved").await).await),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(json_of(get("status=all").await).await),
        vec![first, second]
    );
    for bad in ["status=lost", "channel=fax", "sort=random"] {
        assert_eq!(get(bad).await.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let long = "x".repeat(201);
    assert_eq!(
        ann.get(&format!("/api/v1/tickets?q={long}")).await.status(),
        StatusCode::BAD_REQUEST
    );
    // The page shows the question and the tab counts.
    let page = ann.get("/desk?q=drainage").await.text().await.unwrap();
    assert!(page.contains("drainage exists"), "{page}");
    assert!(!page.contains("Полесья"));
    assert!(page.contains(r#"data-count="open">2<"#));
    // Every status: the waiting ones first, then the resolved.
    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{first}/resolve"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        ids(json_of(get("status=all").await).await),
        vec![second, first]
    );
    assert_eq!(
        ids(json_of(get("status=resolved&language=en").await).await),
        vec![first]
    );
    t.app.shutdown().await;
}

async fn the_end_of_a_chat_asks_for_a_rating_and_a_follow_up_links_back(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (mut patron, _, id) = escalate(&t, RESEARCH).await;
    ann.reply_claiming(id, "It is in the 1987 proceedings, page 12.")
        .await;
    patron.next_message(WAIT).await.expect("the reply");
    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/resolve"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let ended = patron
        .next_message(WAIT)
        .await
        .expect("the end of the chat");
    assert_eq!(ended["prompt"], "rating");
    assert!(
        ended["text"]
            .as_str()
            .unwrap()
            .starts_with("This chat has ended.")
    );

    patron.send("4", "r1").await;
    let thanks = patron.next_message(WAIT).await.expect("thanks");
    assert!(
        thanks["text"]
            .as_str()
            .unwrap()
            .starts_with("Thank you for your rating")
    );
    assert_eq!(ann.ticket(id).await["rating"], 4);
    // A second rating replaces the first (and is thanked: no tap goes unanswered); the same
    // message delivered again is not taken twice.
    patron.send("5", "r2").await;
    let thanks = patron.next_message(WAIT).await.expect("thanks again");
    assert!(
        thanks["text"]
            .as_str()
            .unwrap()
            .starts_with("Thank you for your rating")
    );
    assert_eq!(ann.ticket(id).await["rating"], 5);
    patron.send("5", "r2").await;
    assert!(
        patron
            .next_message(Duration::from_millis(600))
            .await
            .is_none()
    );

    // The patron comes back with another question: a follow-up of the first ticket.
    patron
        .send(
            "Could you also find the 1988 volume of that journal for me",
            "q2",
        )
        .await;
    let notice = patron
        .next_message(WAIT)
        .await
        .expect("an escalation notice");
    assert_eq!(notice["from"], "system");
    let open = t.tickets(TicketStatus::Open).await;
    let next = open.last().unwrap().id;
    let detail = ann.ticket(next).await;
    assert_eq!(detail["follows"], id);
    assert_eq!(detail["history"][0]["id"], id);
    assert_eq!(detail["history"][0]["rating"], 5);
    assert_eq!(detail["history"][0]["question"], RESEARCH);
    // A number now is a message like any other, not a rating of the old chat.
    patron.send("5", "q3").await;
    assert!(
        eventually(|| async {
            ann.ticket(next).await["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["text"] == "5")
        })
        .await,
        "the message joined the open ticket"
    );
    assert_eq!(ann.ticket(id).await["rating"], 5);

    // The retention purge takes the first ticket, not yet the open one: the follow-up no
    // longer points at a ticket that is gone.
    let now = refdesk::domain::now_ms();
    let policy = refdesk::store::PurgePolicy {
        cutoff: now + 1,
        unresolved_cutoff: 0,
        now,
    };
    t.app.store().purge(policy).await.unwrap();
    assert_eq!(
        ann.get(&format!("/api/v1/tickets/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let kept = ann.ticket(next).await;
    assert!(kept["follows"].is_null(), "{kept}");
    assert!(kept["history"].as_array().unwrap().is_empty());
    t.app.shutdown().await;
}

async fn out_of_hours_the_patron_is_told_when_a_librarian_comes(db: Db) {
    let t = spawn_app_with(db, hours_closed_now, Vec::new()).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_patron, notice, id) = escalate(&t, RESEARCH).await;
    let text = notice["text"].as_str().unwrap();
    assert!(text.contains("No librarian is on duty right now"), "{text}");
    assert!(text.contains(":00"), "names the time: {text}");
    let detail = ann.ticket(id).await;
    assert_eq!(detail["out_of_hours"], true);
    assert_eq!(
        json_of(ann.get("/api/v1/tickets/counts").await).await["out_of_hours"],
        1
    );
    // In Russian, for a Russian question.
    let (_p, notice, _) = escalate(
        &t,
        "Я ищу диссертацию о мелиорации Полесья, защищённую в 1974 году",
    )
    .await;
    assert!(
        notice["text"]
            .as_str()
            .unwrap()
            .contains("библиотекари не на смене"),
        "{notice}"
    );
    t.app.shutdown().await;
}

async fn failed_deliveries_are_listed_and_sent_again(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_patron, _, id) = escalate(&t, RESEARCH).await;
    let store = t.app.store().clone();
    assert!(eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await);
    let reply = json_of(
        ann.post(
            &format!("/api/v1/tickets/{id}/reply"),
            json!({"text": "Box 4."}),
        )
        .await,
    )
    .await["message_id"]
        .as_i64()
        .unwrap();
    assert!(eventually(|| async { store.outbox_backlog().await.unwrap() == 0 }).await);
    assert!(
        ann.get("/api/v1/deliveries")
            .await
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Make the reply and the escalation notice fail, as a platform that stays down would.
    sqlx::query("UPDATE outbox SET status = CASE WHEN message_id = $1 THEN 'failed' ELSE 'undeliverable' END, last_error = 'the platform timed out'")
        .bind(reply)
        .execute(&t.db)
        .await
        .unwrap();
    let listed = json_of(ann.get("/api/v1/deliveries").await).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["message_id"], reply, "newest first");
    assert_eq!(listed[0]["status"], "failed");
    assert_eq!(listed[0]["ticket_id"], id);
    assert_eq!(listed[0]["error"], "the platform timed out");
    let notice = listed[1]["message_id"].as_i64().unwrap();
    assert_eq!(
        ann.post(&format!("/api/v1/deliveries/{notice}/retry"), json!({}))
            .await
            .status(),
        StatusCode::CONFLICT,
        "refused for good: not sent again"
    );
    assert_eq!(
        ann.post(&format!("/api/v1/deliveries/{reply}/retry"), json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        eventually(|| async {
            ann.get("/api/v1/deliveries")
                .await
                .json::<Value>()
                .await
                .unwrap()
                .as_array()
                .unwrap()
                .len()
                == 1
        })
        .await,
        "the reply went out again"
    );
    let page = ann.get("/desk/deliveries").await.text().await.unwrap();
    assert!(page.contains("the platform timed out"));
    t.app.shutdown().await;
}

async fn notes_transfers_and_searches_have_limits(db: Db) {
    let t = spawn_app(db).await;
    add_librarian(&t, "ann", "librarian").await;
    let mut ann = DeskClient::new(&t);
    ann.login("ann", PASSWORD).await;
    let (_patron, _, id) = escalate(&t, RESEARCH).await;
    for text in ["", "   ", &"n".repeat(4_001)] {
        let r = ann
            .post(
                &format!("/api/v1/tickets/{id}/notes"),
                json!({"text": text}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        ann.post("/api/v1/tickets/999999/notes", json!({"text": "x"}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ann.post(&format!("/api/v1/tickets/{id}/transfer"), json!({}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let long_name = "n".repeat(61);
    assert_eq!(
        ann.post(
            "/api/v1/account",
            json!({"display_name": long_name, "shortcuts": true})
        )
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ann.post(
            "/api/v1/account",
            json!({"display_name": "Ann\nSmith", "shortcuts": true})
        )
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
    // Without a session, nothing.
    let stranger = DeskClient::new(&t);
    for path in [
        format!("/api/v1/tickets/{id}/notes"),
        "/api/v1/deliveries".into(),
        "/api/v1/tickets/counts".into(),
    ] {
        assert_eq!(
            stranger.get(&path).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert_eq!(
        stranger
            .post(
                &format!("/api/v1/tickets/{id}/transfer"),
                json!({"to": "ann"})
            )
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(ann.ticket(id).await["notes"].as_array().unwrap().is_empty());
    t.app.shutdown().await;
}

on_both_databases!(
    handover_between_two_librarians_and_an_admin,
    the_queue_filters_and_searches,
    the_end_of_a_chat_asks_for_a_rating_and_a_follow_up_links_back,
    out_of_hours_the_patron_is_told_when_a_librarian_comes,
    failed_deliveries_are_listed_and_sent_again,
    notes_transfers_and_searches_have_limits,
);
