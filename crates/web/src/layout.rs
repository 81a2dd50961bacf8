//! The page shell: language, title, the header with the product name and the person signed in,
//! a skip link, the notice of the previous action, the footer with the accessibility statement.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, Markup, html};
use terrain_domain::Role;

use crate::{assets, session::Viewer};

/// A page to send.
#[derive(Debug)]
pub struct Page {
    /// What the page is, for the `<title>` (« — Terrain » is added).
    pub title: String,
    /// Who is looking.
    pub viewer: Viewer,
    /// The main content.
    pub body: Markup,
    /// The status (200 unless an error).
    pub status: StatusCode,
}

impl Page {
    /// A 200 page.
    pub fn new(title: impl Into<String>, viewer: Viewer, body: Markup) -> Self {
        Page {
            title: title.into(),
            viewer,
            body,
            status: StatusCode::OK,
        }
    }

    /// The same page with another status (a form shown again with its errors is a 422).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

/// Marks a response as a rendered page, so that the error middleware leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, maud::PreEscaped(shell(&self).into_string())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cookie) = self.viewer.csrf_cookie()
            && let Ok(value) = HeaderValue::from_str(&cookie)
        {
            headers.append(header::SET_COOKIE, value);
        }
        response.extensions_mut().insert(Rendered);
        response
    }
}

fn navigation(viewer: &Viewer) -> Markup {
    html! {
        nav.site aria-label="Menu principal" {
            ul {
                li { a href="/" { "Tableau de bord" } }
                @if let Some(session) = viewer.session() {
                    @match session.user.role {
                        Role::Lead => {
                            li { a href="/espace" { "Mon espace" } }
                            li { a href="/espace/evenements/nouveau" { "Nouvelle concertation" } }
                        }
                        Role::Admin => {
                            li { a href="/instruction" { "Instruction" } }
                            li { a href="/fonds" { "Fonds" } }
                            @if terrain_domain::Actor::from(&session.user).is_national_admin() {
                                li { a href="/administration/comptes" { "Comptes" } }
                                li { a href="/administration/programmes" { "Programmes" } }
                            }
                        }
                        Role::Observer => {}
                    }
                    li { a href="/espace/jetons" { "Jetons d'API" } }
                }
            }
        }
    }
}

fn shell(page: &Page) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " — Terrain" }
                link rel="stylesheet" href=(assets::stylesheet());
                link rel="icon" type="image/svg+xml" href=(assets::icon());
                script src=(assets::script()) defer {}
            }
            body {
                a.skip-link href="#contenu" { "Aller au contenu" }
                header.site {
                    div.wrap {
                        a.brand href="/" { "Terrain" }
                        (navigation(&page.viewer))
                        div.who {
                            @if let Some(session) = page.viewer.session() {
                                span { "Connecté·e : " strong { (session.user.display_name) } }
                                form method="post" action="/deconnexion" {
                                    input type="hidden" name="csrf" value=(session.csrf);
                                    button.secondary type="submit" { "Se déconnecter" }
                                }
                            } @else {
                                a href="/connexion" { "Se connecter" }
                                a href="/inscription" { "Créer un compte" }
                            }
                        }
                    }
                }
                main.wrap id="contenu" tabindex="-1" {
                    @if let Some(notice) = page.viewer.notice() {
                        p.notice role="status" { (notice) }
                    }
                    (page.body)
                }
                footer.site {
                    div.wrap {
                        ul {
                            li { a href="/accessibilite" { "Accessibilité : partiellement conforme" } }
                            li { a href="/donnees" { "Données ouvertes" } }
                            li { a href="/docs/" { "Documentation de l'API" } }
                        }
                        p { "Terrain — suivi des projets participatifs territoriaux." }
                    }
                }
            }
        }
    }
}
