//! Webhooks (SPEC §14): a receiver started by the test gets each matching change, signed as
//! the Standard Webhooks specification says; a failure is retried with the same `webhook-id`; a
//! private target needs the setting; a silent target holds up no other hook.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, assert_problem};

/// What a receiver does with a request.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    Answer(u16),
    Hang,
}

/// A request received.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

#[derive(Debug, Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Behaviour>>,
}

/// An HTTP receiver on loopback: answers 200 unless told otherwise, and records everything.
#[derive(Debug, Clone)]
struct Receiver {
    url: String,
    inner: Arc<Inner>,
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let body = String::from_utf8_lossy(&body).into_owned();
    inner
        .received
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    let next = inner.script.lock().expect("lock").pop_front();
    match next.unwrap_or(Behaviour::Answer(200)) {
        Behaviour::Answer(code) => StatusCode::from_u16(code).expect("status"),
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    async fn start(script: &[Behaviour]) -> Receiver {
        let inner = Arc::new(Inner::default());
        inner.script.lock().expect("lock").extend(script);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            inner,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.inner.received.lock().expect("lock").clone()
    }

    /// Waits until `n` requests have arrived (the worker runs in the background).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} request(s) received, {n} expected",
            self.received().len()
        );
    }
}

/// Whether `received` carries a valid Standard Webhooks signature for `secret`.
fn verifies(secret: &str, received: &Received) -> bool {
    let header = |name: &str| {
        received
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("prefix"))
        .expect("base64");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(
        format!(
            "{}.{}.{}",
            header("webhook-id"),
            header("webhook-timestamp"),
            received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|signature| signature == expected)
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(|settings| {
        settings.webhooks.allow_private_targets = true;
        settings.outbox.poll_interval_ms = 100;
    })
    .await
}

async fn register(app: &TestApp, owner: &Session, url: &str, types: &[&str]) -> Value {
    let response = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": url, "types": types}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(response.status(), 201, "register webhook");
    response.json().await.expect("hook")
}

fn json_of(received: &Received) -> Value {
    serde_json::from_str(&received.body).expect("json body")
}

#[tokio::test]
async fn a_receiver_gets_each_matching_change_signed_as_standard_webhooks_says() {
    let app = spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let observer = app.account("analyste", "observer", &[]).await;
    let lead = app.lead("porteuse").await;
    let receiver = Receiver::start(&[]).await;
    let hook = register(&app, &observer, &receiver.url, &["project.status_changed"]).await;
    let secret = hook["secret"].as_str().expect("secret");
    assert!(secret.starts_with("whsec_"));
    let listed = app.get_as("/api/v1/webhooks", &observer.token).await;
    assert!(
        !listed.text().await.expect("text").contains(secret),
        "the secret is shown once"
    );

    let project = app.create_project(&lead, json!({})).await;
    app.walk(&project, &[(&lead, "submit"), (&admin, "start_review")])
        .await;
    let got = receiver.wait_for(2).await;
    for received in &got {
        assert!(verifies(secret, received), "signature of {}", received.body);
        let body = json_of(received);
        assert_eq!(body["type"], "project.status_changed");
        assert_eq!(body["data"]["id"], project["id"]);
        assert_eq!(body["data"]["programme"], "education");
        assert!(body["timestamp"].is_string());
        assert_eq!(
            received.headers["webhook-id"].to_str().expect("id").len(),
            36
        );
    }
    assert_ne!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "project.created was not asked for"
    );
    let log: Value = app
        .get_as(
            &format!(
                "/api/v1/webhooks/{}/deliveries",
                hook["id"].as_str().expect("id")
            ),
            &observer.token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["items"].as_array().expect("items").len(), 2);
    assert_eq!(log["items"][0]["status_code"], 200);
}

#[tokio::test]
async fn a_receiver_answering_500_gets_a_retry_with_the_same_webhook_id() {
    let app = spawn().await;
    let observer = app.account("analyste", "observer", &[]).await;
    let admin = app.account("nationale", "admin", &[]).await;
    let receiver = Receiver::start(&[Behaviour::Answer(500)]).await;
    let hook = register(&app, &observer, &receiver.url, &["fund.created"]).await;
    let created = app
        .post(
            "/api/v1/funds",
            &json!({"code": "FIR-2026", "name": "Fonds d'innovation", "programme": "health",
                    "year": 2026, "envelope_cents": 100_000_000}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(created.status(), 201);
    receiver.wait_for(1).await;
    let path = format!(
        "/api/v1/webhooks/{}/deliveries",
        hook["id"].as_str().expect("id")
    );
    let mut log = Value::Null;
    for _ in 0..100 {
        log = app
            .get_as(&path, &observer.token)
            .await
            .json()
            .await
            .expect("json");
        if log["items"][0]["status_code"] == 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log["items"][0]["status_code"], 500, "{log}");
    assert_eq!(log["items"][0]["status"], "pending", "to be tried again");
    assert!(log["items"][0]["error"].is_string());
    // The backoff's first wait (20 s) is cut short: the retry comes due now.
    app.execute_sql("UPDATE outbox SET next_attempt_at = created_at WHERE channel = 'webhook'")
        .await
        .expect("due now");
    let both = receiver.wait_for(2).await;
    assert_eq!(
        both[0].headers["webhook-id"], both[1].headers["webhook-id"],
        "a retry is recognisable as the same delivery"
    );
    assert_eq!(both[0].body, both[1].body);
    let secret = hook["secret"].as_str().expect("secret");
    assert!(verifies(secret, &both[1]));
    assert_eq!(json_of(&both[1])["data"]["id"], "FIR-2026");
}

#[tokio::test]
async fn a_private_or_plain_http_target_is_refused_without_the_setting() {
    let app = TestApp::spawn().await;
    let observer = app.account("analyste", "observer", &[]).await;
    for url in [
        "http://example.org/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://localhost/hook",
        "https://user:pass@example.org/hook",
        "pas une adresse",
    ] {
        let answer = app
            .post(
                "/api/v1/webhooks",
                &json!({"url": url, "types": ["project.created"]}),
                Some(&observer.token),
            )
            .await;
        let problem = assert_problem(answer, 422).await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
    }
    let lead = app.lead("porteuse").await;
    let answer = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://example.org/hook", "types": ["project.created"]}),
            Some(&lead.token),
        )
        .await;
    assert_problem(answer, 403).await;
    let listed: Value = app
        .get_as("/api/v1/webhooks", &observer.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(listed["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn a_hanging_receiver_does_not_delay_another_hooks_deliveries() {
    let app = TestApp::spawn_with(|settings| {
        settings.webhooks.allow_private_targets = true;
        settings.webhooks.timeout_secs = 60;
        settings.outbox.poll_interval_ms = 100;
    })
    .await;
    let observer = app.account("analyste", "observer", &[]).await;
    let lead = app.lead("porteuse").await;
    let silent = Receiver::start(&[Behaviour::Hang; 10]).await;
    let quick = Receiver::start(&[]).await;
    register(&app, &observer, &silent.url, &["event.created"]).await;
    register(&app, &observer, &quick.url, &["event.created"]).await;
    for title in ["Atelier des parents", "Forum santé", "Réunion publique"] {
        app.record_event(&lead, title).await;
    }
    // The silent target holds its first deliveries (for 60 s) while the other gets all three.
    silent.wait_for(1).await;
    let got = quick.wait_for(3).await;
    assert_eq!(got.len(), 3);
    let hanging = silent.received().len();
    assert!(
        hanging <= 2,
        "at most two at a time to one target: {hanging}"
    );
}

#[tokio::test]
async fn a_ping_is_delivered_and_logged_and_a_deleted_hook_gets_nothing_more() {
    let app = spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let receiver = Receiver::start(&[]).await;
    let hook = register(&app, &admin, &receiver.url, &["project.created"]).await;
    let id = hook["id"].as_str().expect("id");
    let ping = app
        .post(
            &format!("/api/v1/webhooks/{id}/ping"),
            &json!({}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(ping.status(), 202);
    let got = receiver.wait_for(1).await;
    assert_eq!(json_of(&got[0])["type"], "webhook.ping");
    assert!(verifies(hook["secret"].as_str().expect("secret"), &got[0]));
    let other = app.account("autre", "observer", &[]).await;
    assert_problem(
        app.get_as(&format!("/api/v1/webhooks/{id}/deliveries"), &other.token)
            .await,
        404,
    )
    .await;
    let deleted = app
        .delete(&format!("/api/v1/webhooks/{id}"), &admin, None)
        .await;
    assert_eq!(deleted.status(), 204);
    let lead = app.lead("porteuse").await;
    app.create_project(&lead, json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "nothing after the deletion");
}

#[tokio::test]
async fn a_hook_failing_for_three_days_is_disabled_and_its_owner_told_by_mail() {
    let app = spawn().await;
    let admin = app.account("nationale", "admin", &[]).await;
    let receiver = Receiver::start(&[Behaviour::Answer(503); 5]).await;
    let hook = register(&app, &admin, &receiver.url, &["fund.created"]).await;
    app.execute_sql("UPDATE webhooks SET failing_since = '2020-01-01T00:00:00+00:00'")
        .await
        .expect("failing for long");
    let created = app
        .post(
            "/api/v1/funds",
            &json!({"code": "FIR-2027", "name": "Fonds d'innovation", "programme": "health",
                    "year": 2027, "envelope_cents": 100_000_000}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(created.status(), 201);
    receiver.wait_for(1).await;
    let mut listed = Value::Null;
    for _ in 0..100 {
        listed = app
            .get_as("/api/v1/webhooks", &admin.token)
            .await
            .json()
            .await
            .expect("json");
        if listed["items"][0]["disabled_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(listed["items"][0]["disabled_at"].is_string(), "{listed}");
    let mails: Value = app
        .get_as("/api/v1/deliveries?channel=mail", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        mails["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|m| m["kind"] == "webhook_disabled" && m["recipient"] == "nationale@example.fr"),
        "{mails}"
    );
    let ping = app
        .post(
            &format!("/api/v1/webhooks/{}/ping", hook["id"].as_str().expect("id")),
            &json!({}),
            Some(&admin.token),
        )
        .await;
    assert_problem(ping, 409).await;
}

#[tokio::test]
async fn a_hook_narrowed_to_a_territory_or_programme_gets_only_the_changes_there() {
    let app = spawn().await;
    let observer = app.account("analyste", "observer", &[]).await;
    let lead = app.lead("porteuse").await;
    let lyon = Receiver::start(&[]).await;
    let grenoble = Receiver::start(&[]).await;
    let health = Receiver::start(&[]).await;
    for (receiver, reach) in [
        (&lyon, json!({"territory": "academy:10"})),
        (&grenoble, json!({"territory": "academy:08"})),
        (&health, json!({"programme": "health"})),
    ] {
        let mut body = json!({"url": receiver.url, "types": ["event.created"]});
        if let (Some(body), Some(reach)) = (body.as_object_mut(), reach.as_object()) {
            body.extend(reach.clone());
        }
        let answer = app
            .post("/api/v1/webhooks", &body, Some(&observer.token))
            .await;
        assert_eq!(answer.status(), 201);
    }
    // An education workshop in the Rhône, in the académie of Lyon.
    let event = app.record_event(&lead, "Atelier des parents").await;
    let got = lyon.wait_for(1).await;
    assert_eq!(json_of(&got[0])["data"]["id"], event["id"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(grenoble.received().is_empty(), "another académie");
    assert!(health.received().is_empty(), "another programme");
}
