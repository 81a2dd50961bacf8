//! Sign-in through an OpenID provider (SPEC §20), end to end: Terrain's real client (the
//! `openidconnect` crate) talks over HTTP to a small provider started by the test, which speaks
//! the protocol (discovery, keys, authorization code with PKCE, token, signed userinfo) and can
//! be told to misbehave — a token signed with another key, for another audience, expired, with
//! another nonce. The certified provider (npm `oidc-provider`) runs the browser journeys of
//! `.ci/browser`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::helpers::{TestApp, assert_problem};

const CLIENT_ID: &str = "terrain";
const CLIENT_SECRET: &str = "a secret shared with the test provider";
const KEY: &[u8] = include_bytes!("../../fixtures/oidc-key.der");
const OTHER_KEY: &[u8] = include_bytes!("../../fixtures/oidc-other-key.der");
const JWKS: &str = include_str!("../../fixtures/oidc-jwks.json");

/// How the provider should answer the next sign-in.
#[derive(Debug, Clone, Default)]
struct Twist {
    other_key: bool,
    other_audience: bool,
    expired: bool,
    other_nonce: bool,
}

/// Who signs in next, and how the provider behaves.
#[derive(Debug, Clone)]
struct Person {
    sub: String,
    email: String,
    verified: bool,
    given_name: String,
    usual_name: String,
}

#[derive(Debug, Default)]
struct ProviderState {
    issuer: String,
    next: Option<(Person, Twist)>,
    /// Codes handed out: (person, twist, nonce, PKCE challenge); removed when spent.
    codes: HashMap<String, (Person, Twist, String, String)>,
    /// Access tokens: the person they are for.
    tokens: HashMap<String, Person>,
}

type Shared = Arc<Mutex<ProviderState>>;

async fn discovery(State(state): State<Shared>) -> Json<Value> {
    let issuer = state.lock().expect("lock").issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "given_name", "usual_name"],
    }))
}

async fn jwks() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], JWKS).into_response()
}

/// The authorization endpoint: the person set by the test "signs in" at once and is sent back
/// with a code, as a provider does after its own login page.
async fn authorize(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut provider = state.lock().expect("lock");
    let Some((person, twist)) = provider.next.clone() else {
        return (StatusCode::BAD_REQUEST, "nobody to sign in").into_response();
    };
    assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(query.get("response_type").map(String::as_str), Some("code"));
    assert_eq!(
        query.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    let scope = query.get("scope").cloned().unwrap_or_default();
    assert!(scope.split(' ').any(|s| s == "openid"), "{scope}");
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    provider.codes.insert(
        code.clone(),
        (
            person,
            twist,
            query.get("nonce").cloned().unwrap_or_default(),
            query.get("code_challenge").cloned().unwrap_or_default(),
        ),
    );
    let redirect = query.get("redirect_uri").cloned().unwrap_or_default();
    let state_param = query.get("state").cloned().unwrap_or_default();
    let to = format!("{redirect}?code={code}&state={state_param}");
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

fn sign(claims: &Value, other_key: bool) -> String {
    let key = EncodingKey::from_rsa_der(if other_key { OTHER_KEY } else { KEY });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key".into());
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

fn client_authenticated(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form_escape(CLIENT_ID),
            form_escape(CLIENT_SECRET)
        ))
    );
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(basic.as_str())
        || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET))
}

/// `application/x-www-form-urlencoded` escaping, as RFC 6749 asks for Basic credentials.
fn form_escape(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(
    State(state): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut provider = state.lock().expect("lock");
    if !client_authenticated(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let code = form.get("code").cloned().unwrap_or_default();
    // A code is spent once: a replay is refused, as any provider does.
    let Some((person, twist, nonce, challenge)) = provider.codes.remove(&code) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = if twist.expired {
        (now - 7200, now - 3600)
    } else {
        (now, now + 600)
    };
    let claims = json!({
        "iss": provider.issuer,
        "sub": person.sub,
        "aud": if twist.other_audience { "someone-else" } else { CLIENT_ID },
        "iat": iat,
        "exp": exp,
        "nonce": if twist.other_nonce { "another-nonce".to_owned() } else { nonce },
    });
    let access = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    provider.tokens.insert(access.clone(), person);
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 600,
        "id_token": sign(&claims, twist.other_key),
    }))
    .into_response()
}

/// The userinfo, signed as ProConnect signs it.
async fn userinfo(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let provider = state.lock().expect("lock");
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(person) = provider.tokens.get(bearer) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let claims = json!({
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": person.sub,
        "email": person.email,
        "email_verified": person.verified,
        "given_name": person.given_name,
        "usual_name": person.usual_name,
    });
    (
        [(header::CONTENT_TYPE, "application/jwt")],
        sign(&claims, false),
    )
        .into_response()
}

/// The test provider, listening on loopback.
struct Provider {
    issuer: String,
    state: Shared,
}

impl Provider {
    async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let state: Shared = Arc::new(Mutex::new(ProviderState {
            issuer: issuer.clone(),
            ..ProviderState::default()
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Provider { issuer, state }
    }

    fn next(&self, person: &Person, twist: Twist) {
        self.state.lock().expect("lock").next = Some((person.clone(), twist));
    }
}

fn person(sub: &str, email: &str, verified: bool) -> Person {
    Person {
        sub: sub.to_owned(),
        email: email.to_owned(),
        verified,
        given_name: "Camille".into(),
        usual_name: "Martin".into(),
    }
}

async fn terrain_with(provider: &Provider) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::spawn_with(move |settings| {
        settings.auth.oidc = Some(terrain_app::config::OidcSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.to_owned().into(),
            redirect_path: "/auth/oidc/callback".into(),
            scopes: vec![
                "openid".into(),
                "email".into(),
                "given_name".into(),
                "usual_name".into(),
            ],
            label: "S'identifier avec ProConnect".into(),
        });
    })
    .await
}

/// What a browser goes through: `/auth/oidc/login`, the provider, back to the callback.
/// Returns the callback's answer, its URL and the flow cookie.
async fn sign_in(app: &TestApp) -> (reqwest::Response, String, String) {
    let login = app.get("/auth/oidc/login").await;
    assert_eq!(login.status(), 303, "to the provider");
    let flow = set_cookie(&login, "terrain_oidc").expect("flow cookie");
    let to_provider = location(&login);
    let at_provider = app.client.get(&to_provider).send().await.expect("provider");
    assert_eq!(
        at_provider.status(),
        302,
        "{}",
        at_provider.text().await.unwrap_or_default()
    );
    let callback = at(app, &location(&at_provider));
    let answer = follow(app, &callback, &flow).await;
    (answer, callback, flow)
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned()
}

/// The callback, followed with the flow cookie `flow`.
async fn follow(app: &TestApp, callback: &str, flow: &str) -> reqwest::Response {
    app.client
        .get(callback)
        .header(header::COOKIE, format!("terrain_oidc={flow}"))
        .send()
        .await
        .expect("callback")
}

/// The callback as the browser follows it: the test app listens on a port drawn at start, so
/// its `server.public_url` (unset) still says port 0.
fn at(app: &TestApp, url: &str) -> String {
    url.replacen("http://127.0.0.1:0", &app.base, 1)
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .and_then(|pair| pair.split_once('='))
                .filter(|(k, value)| *k == name && !value.is_empty())
                .map(|(_, value)| value.to_owned())
        })
}

async fn me_through_session(app: &TestApp, answer: &reqwest::Response) -> String {
    let cookie = set_cookie(answer, "terrain_session").expect("a session");
    let page = app
        .client
        .get(app.url("/espace/jetons"))
        .header(header::COOKIE, format!("terrain_session={cookie}"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    page.text().await.expect("body")
}

#[tokio::test]
async fn a_new_person_becomes_a_lead_and_a_known_admin_keeps_its_role() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    let page = app.get("/connexion").await.text().await.expect("page");
    assert!(
        page.contains("S&#39;identifier avec ProConnect")
            || page.contains("S'identifier avec ProConnect")
    );

    provider.next(
        &person("agent-1", "nouvelle@mairie.fr", true),
        Twist::default(),
    );
    let (answer, ..) = sign_in(&app).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), "/espace", "a new person is a lead");
    let page = me_through_session(&app, &answer).await;
    assert!(
        page.contains("Camille Martin"),
        "the name from the signed userinfo"
    );

    // An administrator Terrain knows, by its verified address: same account, same role.
    let admin = app
        .account("instructrice", "admin", &["--territory", "academy:10"])
        .await;
    provider.next(
        &person("agent-2", "instructrice@example.fr", true),
        Twist::default(),
    );
    let (answer, ..) = sign_in(&app).await;
    assert_eq!(location(&answer), "/instruction");
    // Roles and scopes stay Terrain's: the account is the one created above.
    let page = me_through_session(&app, &answer).await;
    assert!(
        page.contains("instructrice"),
        "the administrator's own account"
    );
    let me: Value = app
        .get_as("/api/v1/me", &admin.token)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["scope"]["territory"], "academy:10");
}

#[tokio::test]
async fn once_linked_the_account_follows_the_subject_not_the_address() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    let lead = app.lead("linked").await;
    provider.next(
        &person("stable-subject", "linked@example.fr", true),
        Twist::default(),
    );
    let (first, ..) = sign_in(&app).await;
    assert_eq!(location(&first), "/espace");
    // The provider now gives another address (the person moved): still the same account.
    provider.next(
        &person("stable-subject", "moved@example.fr", true),
        Twist::default(),
    );
    let (second, ..) = sign_in(&app).await;
    assert_eq!(location(&second), "/espace");
    let page = me_through_session(&app, &second).await;
    assert!(page.contains("linked"), "the account of the subject");
    // Another subject claiming the linked address is refused.
    provider.next(
        &person("intruder", "linked@example.fr", true),
        Twist::default(),
    );
    let (third, ..) = sign_in(&app).await;
    assert_eq!(third.status(), 403);
    assert!(third.text().await.expect("page").contains("déjà lié"));
    let _ = lead;
}

#[tokio::test]
async fn an_unverified_address_and_a_disabled_account_are_refused_with_a_page() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    provider.next(
        &person("unverified", "doute@example.fr", false),
        Twist::default(),
    );
    let (answer, ..) = sign_in(&app).await;
    assert_eq!(answer.status(), 403);
    assert!(set_cookie(&answer, "terrain_session").is_none());
    assert!(
        answer
            .text()
            .await
            .expect("page")
            .contains("n'a pas vérifié")
    );

    let national = app.account("dgesco", "admin", &[]).await;
    let lead = app.lead("suspendue").await;
    let disabled = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", lead.id)))
        .bearer_auth(&national.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(disabled.status(), 200);
    provider.next(
        &person("suspended", "suspendue@example.fr", true),
        Twist::default(),
    );
    let (answer, ..) = sign_in(&app).await;
    assert_eq!(answer.status(), 403);
    assert!(answer.text().await.expect("page").contains("désactivé"));
}

#[tokio::test]
async fn a_token_that_does_not_verify_is_refused_whatever_is_wrong_with_it() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    let someone = person("agent-x", "agent.x@example.fr", true);
    for twist in [
        Twist {
            other_key: true,
            ..Twist::default()
        },
        Twist {
            other_audience: true,
            ..Twist::default()
        },
        Twist {
            expired: true,
            ..Twist::default()
        },
        Twist {
            other_nonce: true,
            ..Twist::default()
        },
    ] {
        provider.next(&someone, twist.clone());
        let (answer, ..) = sign_in(&app).await;
        assert_eq!(answer.status(), 400, "{twist:?}");
        assert!(
            set_cookie(&answer, "terrain_session").is_none(),
            "{twist:?}"
        );
        let page = answer.text().await.expect("page");
        assert!(page.contains("Identité non vérifiée"), "{twist:?}: {page}");
    }
    // Nobody was created by those attempts.
    let national = app.account("dgesco", "admin", &[]).await;
    let users: Value = app
        .get_as("/api/v1/users?role=lead", &national.token)
        .await
        .json()
        .await
        .expect("users");
    assert_eq!(users["items"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_wrong_state_or_a_replayed_code_signs_nobody_in() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    provider.next(
        &person("agent-s", "agent.s@example.fr", true),
        Twist::default(),
    );
    let login = app.get("/auth/oidc/login").await;
    let flow = set_cookie(&login, "terrain_oidc").expect("flow");
    let at_provider = app
        .client
        .get(location(&login))
        .send()
        .await
        .expect("provider");
    let callback = at(&app, &location(&at_provider));

    let tampered = callback.replace("state=", "state=x");
    let answer = follow(&app, &tampered, &flow).await;
    assert_eq!(answer.status(), 400);
    assert!(
        answer
            .text()
            .await
            .expect("page")
            .contains("Connexion interrompue")
    );
    let without_cookie = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(without_cookie.status(), 400);
    let forged = app
        .client
        .get(&callback)
        .header(
            header::COOKIE,
            format!("terrain_oidc={}x", &flow[..flow.len() - 1]),
        )
        .send()
        .await
        .expect("callback");
    assert_eq!(forged.status(), 400);

    let first = follow(&app, &callback, &flow).await;
    assert_eq!(first.status(), 303);
    // The same answer of the provider, replayed (with the cookie kept): the code is spent.
    let replay = follow(&app, &callback, &flow).await;
    assert_eq!(replay.status(), 400);
    assert!(set_cookie(&replay, "terrain_session").is_none());
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_sends_the_browser_to_the_provider() {
    let provider = Provider::start().await;
    let app = terrain_with(&provider).await;
    provider.next(
        &person("agent-o", "agent.o@example.fr", true),
        Twist::default(),
    );
    let (answer, ..) = sign_in(&app).await;
    let session = set_cookie(&answer, "terrain_session").expect("session");
    let page = app
        .client
        .get(app.url("/espace"))
        .header(header::COOKIE, format!("terrain_session={session}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf")
        .to_owned();
    let out = app
        .client
        .post(app.url("/deconnexion"))
        .header(header::COOKIE, format!("terrain_session={session}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), 303);
    let to = location(&out);
    assert!(
        to.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{to}"
    );
    assert!(to.contains("id_token_hint="));
    assert!(to.contains("post_logout_redirect_uri="));
    let after = app
        .client
        .get(app.url("/espace"))
        .header(header::COOKIE, format!("terrain_session={session}"))
        .send()
        .await
        .expect("page");
    assert_eq!(after.status(), 303, "the session is over");
    // The pages may send a form there: the policy names the provider.
    let csp = answer
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let policy = app.get("/connexion").await;
    let policy = policy
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        policy.contains(&format!("form-action 'self' {}", provider.issuer)),
        "{policy} {csp}"
    );
}

#[tokio::test]
async fn without_a_provider_the_button_is_absent_and_the_routes_say_so() {
    let app = TestApp::spawn().await;
    let page = app.get("/connexion").await.text().await.expect("page");
    assert!(!page.contains("ProConnect"));
    let login = app.get("/auth/oidc/login").await;
    assert_eq!(login.status(), 404);
    let problem = app.get("/api/v1/unknown").await;
    assert_problem(problem, 404).await;
}
