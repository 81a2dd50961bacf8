//! Accounts, tokens and roles.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TEST_SECRET, TestApp, assert_problem};

#[tokio::test]
async fn register_login_refresh_and_logout_round_trip() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "Claire.Martin@Example.fr", "password": PASSWORD, "display_name": "Claire Martin"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["role"], "lead");
    assert_eq!(created["email"], "claire.martin@example.fr");

    let session = app.login("CLAIRE.martin@example.fr").await;
    let me: Value = app
        .get_as("/api/v1/me", &session.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["display_name"], "Claire Martin");

    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
            None,
        )
        .await;
    assert_eq!(refreshed.status(), 200);
    let tokens: Value = refreshed.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let next_refresh = tokens["refresh_token"].as_str().expect("refresh");
    assert_ne!(next_refresh, session.refresh_token);
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(app.get_as("/api/v1/me", access).await.status(), 200);

    let logout = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": next_refresh}),
            None,
        )
        .await;
    assert_eq!(logout.status(), 204);
    let after_logout = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": next_refresh}),
            None,
        )
        .await;
    assert_problem(after_logout, 401).await;
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let session = app.lead("reuse").await;
    let first = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
            None,
        )
        .await;
    let second_token = first.json::<Value>().await.expect("json")["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    // Someone replays the spent token: refused, and the family dies with it.
    let replay = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
            None,
        )
        .await;
    assert_problem(replay, 401).await;
    let legitimate = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": second_token}),
            None,
        )
        .await;
    assert_problem(legitimate, 401).await;
    // Another login starts a new family that still works.
    let again = app.login(&session.email).await;
    let fresh = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": again.refresh_token}),
            None,
        )
        .await;
    assert_eq!(fresh.status(), 200);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.lead("known").await;
    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "known@example.fr", "password": "not the right password"}),
            None,
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.fr", "password": "not the right password"}),
            None,
        )
        .await;
    let a = assert_problem(wrong_password, 401).await;
    let b = assert_problem(unknown, 401).await;
    for key in ["type", "title", "detail", "status"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

#[tokio::test]
async fn registration_refuses_bad_fields_all_at_once_and_duplicates_with_409() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "not-an-email", "password": "short", "display_name": "Claire "}),
            None,
        )
        .await;
    let problem = assert_problem(response, 422).await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["display_name", "email", "password"]);

    app.lead("twice").await;
    let duplicate = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "TWICE@example.fr", "password": PASSWORD, "display_name": "Again"}),
            None,
        )
        .await;
    assert_problem(duplicate, 409).await;
}

#[tokio::test]
async fn registration_cannot_choose_a_role() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "sneaky@example.fr", "password": PASSWORD, "display_name": "S", "role": "admin"}),
            None,
        )
        .await;
    let problem = assert_problem(response, 422).await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("role")),
        "{problem}"
    );
    let login = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "sneaky@example.fr", "password": PASSWORD}),
            None,
        )
        .await;
    assert_problem(login, 401).await;
}

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": "00000000-0000-7000-8000-000000000000",
        "role": "admin",
        "iat": now,
        "exp": now + 600,
        "iss": "terrain",
        "aud": "terrain-api",
        "jti": "x",
    });
    if let (Some(base), Some(extra)) = (claims.as_object_mut(), overrides.as_object()) {
        for (key, value) in extra {
            if value.is_null() {
                base.remove(key);
            } else {
                base.insert(key.clone(), value.clone());
            }
        }
    }
    claims
}

fn sign(algorithm: Algorithm, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_all_401() {
    let app = TestApp::spawn().await;
    let lead = app.lead("victim").await;
    let sub = json!({"sub": lead.id});
    let with = |extra: Value| {
        let mut c = claims(sub.clone());
        if let (Some(base), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    base.remove(k);
                } else {
                    base.insert(k.clone(), v.clone());
                }
            }
        }
        c
    };
    // A control: the same claims, correctly signed, are accepted.
    let valid = sign(Algorithm::HS256, TEST_SECRET, &with(json!({})));
    assert_eq!(app.get_as("/api/v1/me", &valid).await.status(), 200);

    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(with(json!({})).to_string());
    let alg_none = format!("{header_none}.{payload}.");
    let (head, rest) = lead.token.split_once('.').expect("jwt");
    let (_, signature) = rest.split_once('.').expect("jwt");
    let tampered_payload = URL_SAFE_NO_PAD.encode(with(json!({"role": "admin"})).to_string());
    let tampered = format!("{head}.{tampered_payload}.{signature}");
    let now = chrono::Utc::now().timestamp();

    let forged = [
        ("alg none", alg_none),
        (
            "other secret",
            sign(
                Algorithm::HS256,
                "another secret that is long enough!!",
                &with(json!({})),
            ),
        ),
        (
            "other algorithm",
            sign(Algorithm::HS512, TEST_SECRET, &with(json!({}))),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"iat": now - 7200, "exp": now - 3600})),
            ),
        ),
        (
            "issued in the future",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"iat": now + 600, "exp": now + 900})),
            ),
        ),
        (
            "valid for longer than an access token lives",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"iat": now, "exp": now + 30 * 86_400})),
            ),
        ),
        (
            "not valid yet",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"nbf": now + 600})),
            ),
        ),
        (
            "no iat",
            sign(Algorithm::HS256, TEST_SECRET, &with(json!({"iat": null}))),
        ),
        (
            "exp as string",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"exp": (now + 600).to_string()})),
            ),
        ),
        (
            "no exp",
            sign(Algorithm::HS256, TEST_SECRET, &with(json!({"exp": null}))),
        ),
        (
            "no iss",
            sign(Algorithm::HS256, TEST_SECRET, &with(json!({"iss": null}))),
        ),
        (
            "no aud",
            sign(Algorithm::HS256, TEST_SECRET, &with(json!({"aud": null}))),
        ),
        (
            "wrong aud",
            sign(
                Algorithm::HS256,
                TEST_SECRET,
                &with(json!({"aud": "elsewhere"})),
            ),
        ),
        (
            "unknown user",
            sign(Algorithm::HS256, TEST_SECRET, &claims(json!({}))),
        ),
        ("tampered role", tampered),
        ("garbage", "garbage".to_owned()),
        ("empty", String::new()),
    ];
    for (name, token) in forged {
        let response = app.get_as("/api/v1/me", &token).await;
        assert_eq!(response.status(), 401, "{name}");
        assert_problem(response, 401).await;
    }
    let basic = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("request");
    assert_problem(basic, 401).await;
    assert_problem(app.get("/api/v1/me").await, 401).await;
}

#[tokio::test]
async fn a_lead_or_observer_calling_users_is_403_and_a_national_admin_manages_accounts() {
    let app = TestApp::spawn().await;
    let lead = app.lead("lead").await;
    let observer = app.account("observer", "observer", &[]).await;
    let regional = app
        .account("regional", "admin", &["--territory", "region:84"])
        .await;
    for token in [&lead.token, &observer.token, &regional.token] {
        assert_problem(app.get_as("/api/v1/users", token).await, 403).await;
        let create = app
            .post(
                "/api/v1/users",
                &json!({"email": "x@example.fr", "password": PASSWORD, "display_name": "X", "role": "admin"}),
                Some(token),
            )
            .await;
        assert_problem(create, 403).await;
    }

    let national = app.account("national", "admin", &[]).await;
    let created = app
        .post(
            "/api/v1/users",
            &json!({
                "email": "ars.bretagne@example.fr", "password": PASSWORD,
                "display_name": "ARS Bretagne", "role": "admin",
                "scope": {"programme": "health", "territory": "region:53"}
            }),
            Some(&national.token),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    assert_eq!(
        created["scope"],
        json!({"programme": "health", "territory": "region:53"})
    );

    let listed: Value = app
        .get_as("/api/v1/users?role=admin&limit=100", &national.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().expect("items").len(), 3);

    let id = created["id"].as_str().expect("id");
    let disabled = app
        .client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(&national.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(disabled.status(), 200);
    let login = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "ars.bretagne@example.fr", "password": PASSWORD}),
            None,
        )
        .await;
    assert_problem(login, 401).await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_access_and_refresh_tokens_at_once() {
    let app = TestApp::spawn().await;
    let national = app.account("boss", "admin", &[]).await;
    let lead = app.lead("leaving").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", lead.id)))
        .bearer_auth(&national.token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_problem(app.get_as("/api/v1/me", &lead.token).await, 401).await;
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": lead.refresh_token}),
            None,
        )
        .await;
    assert_problem(refresh, 401).await;
    // Enabled again, the account signs in afresh: the old sessions stay ended.
    let enabled = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", lead.id)))
        .bearer_auth(&national.token)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .expect("request");
    assert_eq!(enabled.status(), 200);
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": lead.refresh_token}),
            None,
        )
        .await;
    assert_problem(refresh, 401).await;
    app.login(&lead.email).await;
}

async fn patch_user(app: &TestApp, admin: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_national_admin_cannot_change_its_own_role_scope_or_state() {
    let app = TestApp::spawn().await;
    let national = app.account("patronne", "admin", &[]).await;
    for change in [
        json!({"scope": {"territory": "academy:10"}}),
        json!({"role": "observer"}),
        json!({"disabled": true}),
        json!({"role": "admin"}),
    ] {
        let response = patch_user(&app, &national.token, &national.id, change.clone()).await;
        assert_problem(response, 409).await;
    }
    let renamed = patch_user(
        &app,
        &national.token,
        &national.id,
        json!({"display_name": "La patronne"}),
    )
    .await;
    assert_eq!(renamed.status(), 200);
    // Still national: it still manages accounts.
    assert_eq!(
        app.get_as("/api/v1/users", &national.token).await.status(),
        200
    );
}

#[tokio::test]
async fn no_change_leaves_the_service_without_an_enabled_national_admin() {
    let app = TestApp::spawn().await;
    let first = app.account("premiere", "admin", &[]).await;
    let second = app.account("seconde", "admin", &[]).await;
    // The first scopes the second: one national admin is left, which is enough.
    let scoped = patch_user(
        &app,
        &first.token,
        &second.id,
        json!({"scope": {"programme": "health"}}),
    )
    .await;
    assert_eq!(scoped.status(), 200);
    assert_problem(app.get_as("/api/v1/users", &second.token).await, 403).await;
    // The same rule holds when two national admins disable each other at the same time.
    let third = app.account("troisieme", "admin", &[]).await;
    let (a, b) = futures::future::join(
        patch_user(&app, &first.token, &third.id, json!({"disabled": true})),
        patch_user(&app, &third.token, &first.id, json!({"disabled": true})),
    )
    .await;
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.contains(&409) || statuses.contains(&401),
        "{statuses:?}"
    );
    let db = app.database_handle();
    let left = terrain_persistence::repo::users::count_enabled_national_admins(db.reader())
        .await
        .expect("count");
    assert!(left >= 1, "no national admin left");
}

#[tokio::test]
async fn logging_out_needs_a_valid_refresh_token() {
    let app = TestApp::spawn().await;
    let lead = app.lead("sortie").await;
    let unknown = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": "not a token"}),
            None,
        )
        .await;
    assert_problem(unknown, 401).await;
    let out = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": lead.refresh_token}),
            None,
        )
        .await;
    assert_eq!(out.status(), 204);
    let again = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": lead.refresh_token}),
            None,
        )
        .await;
    assert_problem(again, 401).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_two_clients_are_limited_separately() {
    let app = TestApp::spawn_with(|settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".into()];
        settings.auth.rate_limit_burst = 3;
        settings.auth.rate_limit_per_minute = 1;
    })
    .await;
    let body = json!({"email": "who@example.fr", "password": "wrong password here"});
    let attempt = |client: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", client)
            .json(&body)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(attempt("203.0.113.1").await.expect("request").status(), 401);
    }
    assert_problem(attempt("203.0.113.1").await.expect("request"), 429).await;
    // Another client behind the same proxy is not locked out.
    assert_eq!(attempt("203.0.113.2").await.expect("request").status(), 401);
}

#[tokio::test]
async fn an_address_not_trusted_cannot_pick_its_own_forwarded_address() {
    let app = TestApp::spawn_with(|settings| {
        settings.auth.rate_limit_burst = 3;
        settings.auth.rate_limit_per_minute = 1;
    })
    .await;
    let body = json!({"email": "who@example.fr", "password": "wrong password here"});
    for n in 0..3 {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401);
    }
    let rotated = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.99")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_problem(rotated, 429).await;
}

#[tokio::test]
async fn an_account_attacked_from_many_addresses_is_limited_whatever_the_address() {
    let app = TestApp::spawn_with(|settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1/32".into()];
        settings.auth.account_failures = 10;
    })
    .await;
    let victim = app.lead("cible").await;
    let login = |n: u32, password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("192.0.2.{n}"))
            .json(&json!({"email": victim.email, "password": password}))
            .send()
    };
    for n in 0..10 {
        let response = login(n, "not the password at all").await.expect("request");
        assert_eq!(response.status(), 401);
    }
    let locked = login(200, "not the password at all")
        .await
        .expect("request");
    assert!(locked.headers().get("retry-after").is_some());
    assert_problem(locked, 429).await;
    // Even the right password waits: the attacker cannot tell it from a wrong one.
    let right = login(201, PASSWORD).await.expect("request");
    assert_problem(right, 429).await;
    // Another account is not concerned.
    app.lead("tranquille").await;
}

#[tokio::test]
async fn a_scope_with_an_unknown_territory_or_on_a_lead_is_refused() {
    let app = TestApp::spawn().await;
    let national = app.account("root", "admin", &[]).await;
    let unknown = app
        .post(
            "/api/v1/users",
            &json!({"email": "a@example.fr", "password": PASSWORD, "display_name": "A",
                    "role": "admin", "scope": {"territory": "department:99"}}),
            Some(&national.token),
        )
        .await;
    let problem = assert_problem(unknown, 422).await;
    assert_eq!(problem["errors"][0]["field"], "scope.territory");
    let lead_scope = app
        .post(
            "/api/v1/users",
            &json!({"email": "b@example.fr", "password": PASSWORD, "display_name": "B",
                    "role": "lead", "scope": {"programme": "education"}}),
            Some(&national.token),
        )
        .await;
    assert_problem(lead_scope, 422).await;
}

#[tokio::test]
async fn no_response_ever_contains_a_password_hash() {
    let app = TestApp::spawn().await;
    let national = app.account("auditor", "admin", &[]).await;
    app.lead("someone").await;
    for path in ["/api/v1/users?limit=100", "/api/v1/me"] {
        let body = app
            .get_as(path, &national.token)
            .await
            .text()
            .await
            .expect("text");
        assert!(!body.contains("$argon2"), "{path}: {body}");
        assert!(!body.contains("password"), "{path}: {body}");
    }
}

#[tokio::test]
async fn the_first_national_admin_comes_from_the_command_line_and_never_from_an_argument() {
    let app = TestApp::spawn().await;
    app.run_cli(
        &[
            "terrain",
            "user",
            "create",
            "--email",
            "first@example.fr",
            "--role",
            "admin",
            "--name",
            "Première",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await
    .expect("user create");
    let admin = app.login("first@example.fr").await;
    let me: Value = app
        .get_as("/api/v1/me", &admin.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["display_name"], "Première");
    assert_eq!(me["scope"], json!({"programme": null, "territory": null}));

    let as_argument = app
        .run_cli(
            &[
                "terrain",
                "user",
                "create",
                "--email",
                "x@example.fr",
                "--role",
                "admin",
                "--password",
                PASSWORD,
            ],
            "",
        )
        .await;
    assert!(as_argument.is_err());
    let no_terminal = app
        .run_cli(
            &[
                "terrain",
                "user",
                "create",
                "--email",
                "y@example.fr",
                "--role",
                "admin",
            ],
            "",
        )
        .await;
    assert!(no_terminal.is_err());
    let weak = app
        .run_cli(
            &[
                "terrain",
                "user",
                "create",
                "--email",
                "z@example.fr",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "short\n",
        )
        .await
        .expect_err("weak password");
    assert!(weak.to_string().contains("password"), "{weak}");
}

#[tokio::test]
async fn logging_in_too_often_is_answered_429_with_retry_after() {
    let app = TestApp::spawn_with(|settings| {
        settings.auth.rate_limit_burst = 3;
        settings.auth.rate_limit_per_minute = 1;
    })
    .await;
    let body = json!({"email": "who@example.fr", "password": "wrong password here"});
    let attempt = || app.post("/api/v1/auth/login", &body, None);
    for _ in 0..3 {
        assert_eq!(attempt().await.status(), 401);
    }
    let limited = attempt().await;
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1);
    assert_problem(limited, 429).await;
    // Reading statistics or reference data is not limited.
    assert_eq!(app.get("/api/v1/programmes").await.status(), 200);
}

#[tokio::test]
async fn an_address_with_letters_whose_lowercase_is_longer_registers_and_logs_in() {
    let app = TestApp::spawn().await;
    // `İ` lowercases to two characters: the stored address must keep the 64-character limit.
    let email = format!("{}@example.fr", "İ".repeat(64));
    let register = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "display_name": "Işıl"}),
            None,
        )
        .await;
    assert_eq!(register.status(), 201);
    let session = app.login(&email).await;
    let me: Value = app
        .get_as("/api/v1/me", &session.token)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["email"], email.as_str());
}
