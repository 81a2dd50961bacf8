//! `/projects/{id}/milestones`, `/indicators`, `/report`, `/payments`: what happens after the
//! decision (§17). Reading is for whoever may see the project (a validated one is public, and
//! none of this is personal); writing is for its lead and the administrators in charge, and
//! payments for the administrators in charge only.

use axum::{Json, extract::State};
use terrain_app::follow_up;
use uuid::Uuid;

use crate::{
    auth::{AdminUser, AuthUser, MaybeUser},
    dto::follow_up::{
        IndicatorList, IndicatorRequest, IndicatorView, MeasurementRecorded, MeasurementRequest,
        MilestoneList, MilestonePatchRequest, MilestoneRequest, MilestoneView, PaymentList,
        PaymentRequest, PaymentView, ReportRequest, ReportView,
    },
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    reply::Created,
    state::AppState,
};

/// The milestones of a project, by due date, and its progress.
#[utoipa::path(get, path = "/projects/{id}/milestones", tag = "follow-up",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les jalons.", body = MilestoneList),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_milestones(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<MilestoneList>, ApiError> {
    let (project, milestones) =
        follow_up::milestones(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(MilestoneList {
        progress: project.follow_up.progress(),
        items: milestones.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a milestone to a validated project (its lead, the administrators in charge).
#[utoipa::path(post, path = "/projects/{id}/milestones", tag = "follow-up", request_body = MilestoneRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Jalon ajouté.", body = MilestoneView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou 100 jalons déjà.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_milestone(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MilestoneRequest>,
) -> Result<Created<MilestoneView>, ApiError> {
    let milestone = follow_up::add_milestone(&state.app, &user.actor(), id, body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/milestones/{}", milestone.id),
        version: None,
        body: milestone.into(),
    })
}

/// Changes a milestone: marks it done (`done_on`), undoes it (`done_on: null`), renames it or
/// moves its due date.
#[utoipa::path(patch, path = "/projects/{id}/milestones/{milestone_id}", tag = "follow-up",
    request_body = MilestonePatchRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("milestone_id" = Uuid, Path, description = "Identifiant du jalon"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le jalon.", body = MilestoneView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet ou jalon inconnu, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Le jalon a changé entre-temps.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn update_milestone(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, milestone_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<MilestonePatchRequest>,
) -> Result<Json<MilestoneView>, ApiError> {
    let milestone =
        follow_up::update_milestone(&state.app, &user.actor(), id, milestone_id, body.into())
            .await?;
    Ok(Json(milestone.into()))
}

/// The indicators of a project with their measurements.
#[utoipa::path(get, path = "/projects/{id}/indicators", tag = "follow-up",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les indicateurs.", body = IndicatorList),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_indicators(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<IndicatorList>, ApiError> {
    let indicators = follow_up::indicators(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(IndicatorList {
        items: indicators
            .into_iter()
            .map(|(i, m)| IndicatorView::of(i, m))
            .collect(),
    }))
}

/// Adds an indicator (baseline and target) to a validated project.
#[utoipa::path(post, path = "/projects/{id}/indicators", tag = "follow-up", request_body = IndicatorRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Indicateur ajouté.", body = IndicatorView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou 100 indicateurs déjà.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide (la cible doit différer de la valeur de départ).", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_indicator(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<IndicatorRequest>,
) -> Result<Created<IndicatorView>, ApiError> {
    let indicator = follow_up::add_indicator(&state.app, &user.actor(), id, body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/indicators"),
        version: None,
        body: IndicatorView::of(indicator, Vec::new()),
    })
}

/// Records a measurement of an indicator; it is met when its latest measurement reaches its
/// target.
#[utoipa::path(post, path = "/projects/{id}/indicators/{indicator_id}/measurements", tag = "follow-up",
    request_body = MeasurementRequest,
    params(
        ("id" = Uuid, Path, description = "Identifiant du projet"),
        ("indicator_id" = Uuid, Path, description = "Identifiant de l'indicateur"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Mesure enregistrée.", body = MeasurementRecorded),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet ou indicateur inconnu, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou 1 000 mesures déjà.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn add_measurement(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, indicator_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<MeasurementRequest>,
) -> Result<Created<MeasurementRecorded>, ApiError> {
    let (measurement, indicator) =
        follow_up::add_measurement(&state.app, &user.actor(), id, indicator_id, body.into())
            .await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/indicators"),
        version: None,
        body: MeasurementRecorded {
            met: indicator.met(),
            latest: indicator.latest,
            measurement: measurement.into(),
        },
    })
}

/// The final report of a project.
#[utoipa::path(get, path = "/projects/{id}/report", tag = "follow-up",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Le rapport.", body = ReportView),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, invisible pour vous, ou sans rapport.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_report(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReportView>, ApiError> {
    let report = follow_up::report(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(report.into()))
}

/// Writes or rewrites the final report, which entering `transfer` requires.
#[utoipa::path(put, path = "/projects/{id}/report", tag = "follow-up", request_body = ReportRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Le rapport.", body = ReportView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé au porteur et aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn put_report(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReportRequest>,
) -> Result<Json<ReportView>, ApiError> {
    let report = follow_up::put_report(&state.app, &user.actor(), id, body.into()).await?;
    Ok(Json(report.into()))
}

/// The payments made to a project, by date.
#[utoipa::path(get, path = "/projects/{id}/payments", tag = "follow-up",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les versements.", body = PaymentList),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_payments(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<PaymentList>, ApiError> {
    let (project, payments) = follow_up::payments(&state.app, viewer.actor().as_ref(), id).await?;
    Ok(Json(PaymentList {
        paid_cents: project.follow_up.paid_cents,
        granted_cents: project.granted_cents,
        items: payments.into_iter().map(Into::into).collect(),
    }))
}

/// Records money paid of a financial support (administrators in charge); the sum paid never
/// passes the amount granted (409), whatever the concurrent requests.
#[utoipa::path(post, path = "/projects/{id}/payments", tag = "follow-up", request_body = PaymentRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Versement enregistré.", body = PaymentView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs en charge.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet ou soutien inconnu, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou versement au-delà du montant accordé.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champ invalide, ou soutien non financier.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn record_payment(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PaymentRequest>,
) -> Result<Created<PaymentView>, ApiError> {
    let payment = follow_up::pay(&state.app, &admin.actor(), id, body.into()).await?;
    Ok(Created {
        location: format!("/api/v1/projects/{id}/payments"),
        version: None,
        body: payment.into(),
    })
}
