//! `/fonds`: the funds an administrator may draw on, with their envelope, what is committed,
//! what is paid (§17) and what remains.

use axum::extract::State;
use maud::html;
use terrain_app::funding;
use terrain_domain::fr;

use crate::{WebState, error::PageError, layout::Page, session::Admin};

/// `GET /fonds`.
pub async fn show_funds(
    State(state): State<WebState>,
    Admin(signed): Admin,
) -> Result<Page, PageError> {
    let funds = funding::funds_in_scope(&state.app, &signed.actor()).await?;
    let catalogue = state.app.catalogue();
    let body = html! {
        h1 { "Fonds" }
        @if funds.is_empty() {
            p { "Aucun fonds dans votre périmètre." }
        } @else {
            div.table-wrap role="region" tabindex="0" aria-label="Les fonds de votre périmètre" { table {
                caption { "Les fonds de votre périmètre" }
                thead { tr {
                    th scope="col" { "Code" }
                    th scope="col" { "Nom" }
                    th scope="col" { "Programme" }
                    th scope="col" { "Territoire" }
                    th scope="col" { "Année" }
                    th.num scope="col" { "Enveloppe" }
                    th.num scope="col" { "Engagé" }
                    th.num scope="col" { "Versé" }
                    th.num scope="col" { "Reste" }
                } }
                tbody {
                    @for fund in &funds {
                        tr {
                            td { (fund.code.as_str()) }
                            td { (fund.name) }
                            td { (catalogue.programme(fund.programme.as_str()).map_or(fund.programme.as_str(), |p| p.name.as_str())) }
                            td { (fund.territory.as_ref().and_then(|t| catalogue.territory(t.id.as_str())).map_or("France entière", |t| t.name.as_str())) }
                            td { (fund.year) }
                            td.num { (fr::euros(fund.envelope.get())) }
                            td.num { (fr::euros(fund.committed_cents)) }
                            td.num data-paid=(fund.paid_cents) { (fr::euros(fund.paid_cents)) }
                            td.num { (fr::euros(fund.remaining_cents())) }
                        }
                    }
                }
            } }
        }
    };
    Ok(Page::new("Fonds", signed.viewer, body))
}
