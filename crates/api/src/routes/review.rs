//! `/review/queue`: the projects of an administrator's scope, by tab, with the count of every
//! tab (SPEC §16).

use axum::{Json, extract::State};
use chrono::NaiveDate;
use serde::Deserialize;
use terrain_app::{pagination, review};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::AdminUser,
    dto::{
        projects::{CategoryName, ProjectView, StageName},
        review::{QueueView, TabName},
    },
    error::{ApiError, Problem},
    extract::ApiQuery,
    state::AppState,
};

const LIST: &str = "queue";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show_queue))
}

/// The order of the queue.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub(crate) enum QueueSort {
    /// First submitted first (default).
    #[serde(rename = "submitted_at")]
    SubmittedAt,
    /// Last submitted first.
    #[serde(rename = "-submitted_at")]
    SubmittedAtDesc,
}

/// The tab, filters, order and position of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueQuery {
    /// The tab (default `to_review`).
    #[param(inline)]
    tab: Option<TabName>,
    /// Only this programme.
    #[param(value_type = Option<crate::openapi::reference::ProgrammeCode>)]
    programme: Option<String>,
    /// Only this territory and what lies below it.
    #[param(value_type = Option<crate::openapi::reference::TerritoryId>)]
    territory: Option<String>,
    /// Only this theme.
    #[param(value_type = Option<crate::openapi::reference::ThemeCode>)]
    theme: Option<String>,
    /// Only this stage.
    #[param(inline)]
    stage: Option<StageName>,
    /// Only this category.
    #[param(inline)]
    category: Option<CategoryName>,
    /// `none` (followed by nobody) or an account id.
    #[param(
        pattern = "^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    follower: Option<String>,
    /// First submitted on or after this day (Paris time).
    submitted_from: Option<NaiveDate>,
    /// First submitted on or before this day (Paris time); not before `submitted_from`.
    submitted_to: Option<NaiveDate>,
    /// Title contains this text (case-insensitive).
    #[param(schema_with = crate::openapi::fields::title_search)]
    q: Option<String>,
    /// Order (default `submitted_at`).
    #[param(inline)]
    sort: Option<QueueSort>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

impl QueueQuery {
    fn request(self) -> Result<review::QueueRequest, ApiError> {
        let descending = matches!(self.sort, Some(QueueSort::SubmittedAtDesc));
        let after = self
            .cursor
            .map(|c| pagination::decode_project(&list(descending), &c))
            .transpose()?;
        Ok(review::QueueRequest {
            tab: self.tab.map(Into::into),
            programme: self.programme,
            territory: self.territory,
            theme: self.theme,
            stage: self.stage.map(Into::into),
            category: self.category.map(Into::into),
            follower: self.follower,
            submitted_from: self.submitted_from,
            submitted_to: self.submitted_to,
            q: self.q,
            descending,
            after,
            limit: pagination::limit(self.limit)?,
        })
    }
}

fn list(descending: bool) -> String {
    format!("{LIST}{}", if descending { "-desc" } else { "" })
}

/// The queue of your scope: one tab's projects, and the count of every tab under the filters
/// (administrators).
#[utoipa::path(get, path = "/review/queue", tag = "review", params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "La file d'instruction.", body = QueueView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Filtre invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
async fn show_queue(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiQuery(query): ApiQuery<QueueQuery>,
) -> Result<Json<QueueView>, ApiError> {
    let request = query.request()?;
    let descending = request.descending;
    let queue = review::queue(&state.app, &admin.actor(), &request).await?;
    let next_cursor = queue
        .page
        .more
        .then(|| queue.page.items.last())
        .flatten()
        .map(|p| pagination::encode_project(&list(descending), p.submitted_at, p.id));
    Ok(Json(QueueView {
        counts: queue.counts.into(),
        items: queue
            .page
            .items
            .into_iter()
            .map(ProjectView::listed)
            .collect(),
        next_cursor,
    }))
}
