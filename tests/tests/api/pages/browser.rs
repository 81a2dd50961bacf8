//! A small browser for the page tests: it keeps cookies, reads a page's forms the way a browser
//! would (hidden fields, filled inputs, checked boxes, selected options) and posts them, so
//! that tests fill and send forms as people do, CSRF token included.

use std::collections::BTreeMap;

use reqwest::{StatusCode, header};
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{PASSWORD, TestApp};

/// A page as received.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The path asked for.
    pub path: String,
    /// The status.
    pub status: StatusCode,
    /// Where a redirect points.
    pub location: Option<String>,
    /// The headers.
    pub headers: header::HeaderMap,
    /// The body.
    pub body: String,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("selector")
}

fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Loaded {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The text of the main content, blanks collapsed.
    pub fn text(&self) -> String {
        let html = self.html();
        html.select(&selector("main"))
            .next()
            .map(text_of)
            .unwrap_or_default()
    }

    /// The values a `<select name=…>` offers, the empty choice included.
    pub fn options(&self, name: &str) -> Vec<String> {
        let html = self.html();
        html.select(&selector(&format!("select[name=\"{name}\"] option")))
            .map(|o| o.value().attr("value").unwrap_or_default().to_owned())
            .collect()
    }

    /// The `<title>`.
    pub fn title(&self) -> String {
        let html = self.html();
        html.select(&selector("title"))
            .next()
            .map(text_of)
            .unwrap_or_default()
    }

    /// The error shown next to a field: the element its `aria-describedby` names as its error.
    pub fn error_for(&self, name: &str) -> Option<String> {
        let html = self.html();
        let id = format!("f-{}", name.replace(['.', '[', ']'], "-"));
        let control = html.select(&selector(&format!("#{id}"))).next()?;
        let described = control.value().attr("aria-describedby")?;
        let error_id = described.split(' ').find(|d| d.ends_with("-error"))?;
        html.select(&selector(&format!("#{error_id}")))
            .next()
            .map(text_of)
    }

    /// Whether a field is marked invalid (`aria-invalid`).
    pub fn is_marked_invalid(&self, name: &str) -> bool {
        let html = self.html();
        let id = format!("f-{}", name.replace(['.', '[', ']'], "-"));
        html.select(&selector(&format!("#{id}")))
            .next()
            .and_then(|c| c.value().attr("aria-invalid"))
            == Some("true")
    }

    /// The lines of the error summary, and the fields they link to.
    pub fn summary(&self) -> Vec<(String, Option<String>)> {
        let html = self.html();
        html.select(&selector(".error-summary li"))
            .map(|li| {
                let link = li
                    .select(&selector("a"))
                    .next()
                    .and_then(|a| a.value().attr("href"))
                    .map(str::to_owned);
                (text_of(li), link)
            })
            .collect()
    }

    /// The labels of the page's buttons.
    pub fn buttons(&self) -> Vec<String> {
        let html = self.html();
        html.select(&selector("button, a.button"))
            .map(text_of)
            .collect()
    }

    /// The notice left by the previous action.
    pub fn notice(&self) -> Option<String> {
        let html = self.html();
        html.select(&selector(".notice")).next().map(text_of)
    }

    /// The target of the first link of the main content whose text is `text`.
    pub fn link(&self, text: &str) -> Option<String> {
        let html = self.html();
        html.select(&selector("main a[href]"))
            .find(|a| text_of(*a) == text)
            .and_then(|a| a.value().attr("href").map(str::to_owned))
    }

    /// Every form posting to `action`, as [`Loaded::form`] reads them.
    pub fn forms_posting(&self, action: &str) -> Vec<Form> {
        let html = self.html();
        let count = html
            .select(&selector(&format!("form[action=\"{action}\"]")))
            .count();
        (0..count).map(|n| self.nth_form(action, n)).collect()
    }

    /// The values of a form (`action`) as a browser would send them, to change and send.
    pub fn form(&self, action: &str) -> Form {
        self.nth_form(action, 0)
    }

    fn nth_form(&self, action: &str, n: usize) -> Form {
        let html = self.html();
        let form = html
            .select(&selector(&format!("form[action=\"{action}\"]")))
            .nth(n)
            .unwrap_or_else(|| {
                panic!(
                    "no form posting to {action} on {}:\n{}",
                    self.path, self.body
                )
            });
        let mut pairs = Vec::new();
        for control in form.select(&selector("input, select, textarea")) {
            let element = control.value();
            let Some(name) = element.attr("name") else {
                continue;
            };
            match element.name() {
                "input" => {
                    let kind = element.attr("type").unwrap_or("text");
                    let value = element.attr("value").unwrap_or_default();
                    if kind == "checkbox" || kind == "radio" {
                        if element.attr("checked").is_some() {
                            pairs.push((name.to_owned(), value.to_owned()));
                        }
                    } else {
                        pairs.push((name.to_owned(), value.to_owned()));
                    }
                }
                "select" => {
                    let options: Vec<ElementRef<'_>> =
                        control.select(&selector("option")).collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    if let Some(option) = chosen {
                        let value = option.value().attr("value").unwrap_or_default();
                        pairs.push((name.to_owned(), value.to_owned()));
                    }
                }
                _ => pairs.push((name.to_owned(), control.text().collect())),
            }
        }
        Form {
            action: action.to_owned(),
            pairs,
        }
    }
}

/// A form being filled.
#[derive(Debug, Clone)]
pub struct Form {
    /// Where it posts.
    pub action: String,
    /// Its values, in order.
    pub pairs: Vec<(String, String)>,
}

impl Form {
    /// Sets a field (every earlier value of that name is replaced).
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.pairs.retain(|(n, _)| n != name);
        self.pairs.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Checks exactly these boxes of a group.
    pub fn check(mut self, name: &str, values: &[&str]) -> Self {
        self.pairs.retain(|(n, _)| n != name);
        self.pairs
            .extend(values.iter().map(|v| (name.to_owned(), (*v).to_owned())));
        self
    }

    /// Removes a field.
    pub fn without(mut self, name: &str) -> Self {
        self.pairs.retain(|(n, _)| n != name);
        self
    }

    /// The value of a field.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A browser on a test app.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    /// A browser without cookies.
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    /// A browser with a new lead registered and signed in through the pages.
    pub async fn lead(app: &'a TestApp, name: &str) -> Self {
        let mut browser = Browser::new(app);
        let page = browser.get("/inscription").await;
        let form = page
            .form("/inscription")
            .set("display_name", name)
            .set("email", &format!("{name}@example.fr"))
            .set("password", PASSWORD);
        let landed = browser.submit(form).await;
        assert_eq!(landed.path, "/espace", "{}", landed.body);
        browser
    }

    /// Signs in through the page.
    pub async fn sign_in(app: &'a TestApp, email: &str) -> Self {
        let mut browser = Browser::new(app);
        let page = browser.get("/connexion").await;
        let form = page
            .form("/connexion")
            .set("email", email)
            .set("password", PASSWORD);
        let answer = browser.send(form).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        browser
    }

    /// The session cookie, if any.
    pub fn session_cookie(&self) -> Option<&str> {
        self.cookies.get("terrain_session").map(String::as_str)
    }

    /// Sets a cookie by hand (a stolen or stale one).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn load(&mut self, request: reqwest::RequestBuilder, path: &str) -> Loaded {
        let mut request = request;
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookie_header());
        }
        let response = request.send().await.expect("request");
        for value in response.headers().get_all(header::SET_COOKIE) {
            let value = value.to_str().expect("cookie");
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, content) = pair.split_once('=').expect("cookie pair");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), content.to_owned());
            }
        }
        Loaded {
            path: path.to_owned(),
            status: response.status(),
            location: response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    /// `GET path`, without following a redirect.
    pub async fn get_raw(&mut self, path: &str) -> Loaded {
        let request = self.app.client.get(self.app.url(path));
        self.load(request, path).await
    }

    /// `GET path`, following redirects.
    pub async fn get(&mut self, path: &str) -> Loaded {
        let page = self.get_raw(path).await;
        self.follow(page).await
    }

    /// Follows the redirects of an answer.
    pub async fn follow(&mut self, mut page: Loaded) -> Loaded {
        for _ in 0..5 {
            match (&page.location, page.status.is_redirection()) {
                (Some(location), true) => {
                    let location = location.clone();
                    page = self.get_raw(&location).await;
                }
                _ => break,
            }
        }
        page
    }

    /// Posts raw pairs to `path` (no redirect followed).
    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Loaded {
        let request = self.app.client.post(self.app.url(path)).form(pairs);
        self.load(request, path).await
    }

    /// Sends a form; the answer itself, no redirect followed.
    pub async fn send(&mut self, form: Form) -> Loaded {
        let pairs: Vec<(&str, &str)> = form
            .pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(&form.action, &pairs).await
    }

    /// Sends a form as `multipart/form-data`, its fields in order, then `file` (field name,
    /// file name, content, declared type) when given; the answer itself.
    pub async fn send_multipart(
        &mut self,
        form: Form,
        file: Option<(&str, &str, &[u8], &str)>,
    ) -> Loaded {
        let mut body = reqwest::multipart::Form::new();
        for (name, value) in form.pairs {
            if file.is_some_and(|(field, ..)| field == name) {
                continue;
            }
            body = body.text(name, value);
        }
        if let Some((field, name, bytes, mime)) = file {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str(mime)
                .expect("mime");
            body = body.part(field.to_owned(), part);
        }
        let request = self
            .app
            .client
            .post(self.app.url(&form.action))
            .multipart(body);
        self.load(request, &form.action).await
    }

    /// Sends a form and follows where it leads.
    pub async fn submit(&mut self, form: Form) -> Loaded {
        let answer = self.send(form).await;
        self.follow(answer).await
    }
}
