//! `/donnees`: the public files (SPEC §19) and the page that lists them with what each column
//! means, read from the Data Package itself so that the page and the schemas never differ. The
//! files are streamed page by page; each carries the version of the data (`ETag`,
//! `Last-Modified`) and is answered 304 when the harvester already has it.

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::stream::{self, StreamExt as _};
use maud::html;
use serde_json::Value;
use terrain_app::{csv, open_data};

use crate::{WebState, error::PageError, layout::Page, session::Viewer};

fn tag(version: open_data::Version) -> String {
    format!("\"d{}\"", version.seq)
}

fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client already holds this version (`If-None-Match`, else `If-Modified-Since`).
fn fresh(headers: &HeaderMap, version: open_data::Version) -> bool {
    if let Some(matches) = headers.get(header::IF_NONE_MATCH) {
        let etag = tag(version);
        return matches
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
    match (since, version.at) {
        (Some(since), Some(at)) => at.timestamp() <= since.timestamp(),
        _ => false,
    }
}

fn versioned(mut response: Response, version: open_data::Version) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag(version)) {
        headers.insert(header::ETAG, value);
    }
    if let Some(at) = version.at
        && let Ok(value) = HeaderValue::from_str(&http_date(at))
    {
        headers.insert(header::LAST_MODIFIED, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The version of the data, or the 304 to answer when the client already holds it.
async fn current(
    state: &WebState,
    headers: &HeaderMap,
) -> Result<Result<open_data::Version, Response>, PageError> {
    let version = open_data::version(&state.app).await?;
    if fresh(headers, version) {
        Ok(Err(versioned(
            StatusCode::NOT_MODIFIED.into_response(),
            version,
        )))
    } else {
        Ok(Ok(version))
    }
}

fn csv_file(
    name: &str,
    columns: Vec<String>,
    body: impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Response {
    let header_row = Bytes::from(csv::encode(&[columns]));
    let body = stream::once(async { Ok(header_row) }).chain(body).fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

fn columns(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

/// `GET /donnees/projets-valides.csv`.
pub async fn validated_projects(
    State(state): State<WebState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let version = match current(&state, &headers).await? {
        Ok(version) => version,
        Err(not_modified) => return Ok(not_modified),
    };
    let query = open_data::projects_query(&state.app)?;
    let app = state.app.clone();
    let body = csv::stream_pages(query, move |mut query| {
        let app = app.clone();
        async move {
            let page = open_data::projects_page(&app, &mut query).await?;
            let catalogue = app.catalogue();
            let records = page
                .items
                .iter()
                .map(|p| open_data::project_record(&catalogue, p))
                .collect();
            Ok((records, page.more.then_some(query)))
        }
    });
    let file = csv_file(
        "projets-valides.csv",
        columns(&open_data::PROJECT_COLUMNS),
        body,
    );
    Ok(versioned(file, version))
}

/// `GET /donnees/evenements.csv`.
pub async fn events(
    State(state): State<WebState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let version = match current(&state, &headers).await? {
        Ok(version) => version,
        Err(not_modified) => return Ok(not_modified),
    };
    let query = open_data::events_query(&state.app)?;
    let app = state.app.clone();
    let body = csv::stream_pages(query, move |mut query| {
        let app = app.clone();
        async move {
            let page = open_data::events_page(&app, &mut query).await?;
            let records = page.items.iter().map(open_data::event_record).collect();
            Ok((records, page.more.then_some(query)))
        }
    });
    let file = csv_file("evenements.csv", columns(&open_data::EVENT_COLUMNS), body);
    Ok(versioned(file, version))
}

/// `GET /donnees/indicateurs-territoires.csv`.
pub async fn indicators(
    State(state): State<WebState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let version = match current(&state, &headers).await? {
        Ok(version) => version,
        Err(not_modified) => return Ok(not_modified),
    };
    let records = open_data::indicators(&state.app).await?;
    let body = stream::once(async move { Ok(Bytes::from(csv::encode(&records))) });
    let file = csv_file(
        "indicateurs-territoires.csv",
        open_data::indicator_columns(),
        body,
    );
    Ok(versioned(file, version))
}

/// `GET /donnees/datapackage.json`.
pub async fn datapackage(
    State(state): State<WebState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let version = match current(&state, &headers).await? {
        Ok(version) => version,
        Err(not_modified) => return Ok(not_modified),
    };
    let package = open_data::datapackage(&state.app);
    let response = (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&package).unwrap_or_default(),
    )
        .into_response();
    Ok(versioned(response, version))
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// `GET /donnees`: the files, their licence, and the dictionary of their fields.
pub async fn show_open_data(State(state): State<WebState>, viewer: Viewer) -> Page {
    let package = open_data::datapackage(&state.app);
    let resources = package["resources"].as_array().cloned().unwrap_or_default();
    let body = html! {
        h1 { "Données ouvertes" }
        p {
            "Les projets validés, les concertations et les indicateurs de chaque territoire, "
            "publiés sous la " a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/" { "Licence Ouverte 2.0" }
            ". Aucune donnée personnelle : ni porteur de projet, ni adresse, ni message, ni note, ni brouillon."
        }
        p {
            "Les fichiers sont en CSV (UTF-8, séparateur virgule, une ligne d'en-tête) ; les codes "
            "(territoires, UAI) sont des textes. Leur description exacte, au format "
            a href="https://datapackage.org/" lang="en" { "Frictionless Data Package" } ", est dans "
            a href="/donnees/datapackage.json" { "datapackage.json" } ". Chaque fichier porte sa version "
            "(en-têtes " code { "ETag" } " et " code { "Last-Modified" } ") : un moissonneur ne le "
            "télécharge à nouveau que s'il a changé."
        }
        @for resource in &resources {
            @let path = text(resource, "path");
            section aria-labelledby=(format!("h-{}", text(resource, "name"))) {
                h2 id=(format!("h-{}", text(resource, "name"))) { (text(resource, "title")) }
                p { (text(resource, "description")) }
                p { a href=(format!("/donnees/{path}")) download { "Télécharger " (path) } }
                div.table-wrap role="region" tabindex="0" aria-label=(format!("Champs de {path}")) {
                    table {
                        caption { "Champs de " (path) }
                        thead { tr { th scope="col" { "Champ" } th scope="col" { "Type" } th scope="col" { "Signification" } } }
                        tbody {
                            @for f in resource["schema"]["fields"].as_array().cloned().unwrap_or_default() {
                                tr {
                                    td { code { (text(&f, "name")) } }
                                    td { (text(&f, "type")) }
                                    td { (text(&f, "description")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Page::new("Données ouvertes", viewer, body)
}
