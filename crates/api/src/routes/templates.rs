//! `/decision-templates`: ready-made comments for the decisions of a programme (its
//! administrators).

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use terrain_app::review::{self, TemplateInput};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::AdminUser,
    dto::review::{
        CreateTemplateRequest, DecisionName, TemplateView, TemplatesView, UpdateTemplateRequest,
    },
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath, ApiQuery},
    reply::Created,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
}

/// Filters of the templates.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TemplateQuery {
    /// Only this programme.
    #[param(value_type = Option<crate::openapi::reference::ProgrammeCode>)]
    programme: Option<String>,
    /// Only this decision.
    #[param(inline)]
    action: Option<DecisionName>,
}

/// The templates of your programme(s).
#[utoipa::path(get, path = "/decision-templates", tag = "review", params(TemplateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Les modèles.", body = TemplatesView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_templates(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiQuery(query): ApiQuery<TemplateQuery>,
) -> Result<Json<TemplatesView>, ApiError> {
    let items = review::templates(
        &state.app,
        &admin.actor(),
        query.programme.as_deref(),
        query.action.map(Into::into),
    )
    .await?;
    Ok(Json(TemplatesView {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Creates a template for your programme.
#[utoipa::path(post, path = "/decision-templates", tag = "review", request_body = CreateTemplateRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Modèle créé.", body = TemplateView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Programme d'un autre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_template(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiJson(body): ApiJson<CreateTemplateRequest>,
) -> Result<Created<TemplateView>, ApiError> {
    let input = TemplateInput {
        programme: body.programme,
        action: Some(body.action.into()),
        title: body.title,
        body: body.body,
    };
    let template = review::create_template(&state.app, &admin.actor(), input).await?;
    Ok(Created {
        location: format!("/api/v1/decision-templates/{}", template.id),
        version: None,
        body: template.into(),
    })
}

/// One template.
#[utoipa::path(get, path = "/decision-templates/{id}", tag = "review",
    params(("id" = Uuid, Path, description = "Identifiant du modèle")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le modèle.", body = TemplateView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Modèle inconnu ou d'un autre programme.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_template(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(
        review::template(&state.app, &admin.actor(), id)
            .await?
            .into(),
    ))
}

/// Changes a template's name or text.
#[utoipa::path(patch, path = "/decision-templates/{id}", tag = "review", request_body = UpdateTemplateRequest,
    params(("id" = Uuid, Path, description = "Identifiant du modèle")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le modèle.", body = TemplateView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Modèle inconnu ou d'un autre programme.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_template(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateTemplateRequest>,
) -> Result<Json<TemplateView>, ApiError> {
    let template =
        review::update_template(&state.app, &admin.actor(), id, body.title, body.body).await?;
    Ok(Json(template.into()))
}

/// Deletes a template.
#[utoipa::path(delete, path = "/decision-templates/{id}", tag = "review",
    params(("id" = Uuid, Path, description = "Identifiant du modèle")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Modèle supprimé."),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Modèle inconnu ou d'un autre programme.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_template(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    review::delete_template(&state.app, &admin.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
