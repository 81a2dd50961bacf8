use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use terrain_domain::{Cents, FundCode, Grant, HistoryEntry, HistoryKind, Status, status::Party};
use terrain_persistence::{
    StoreError,
    repo::{funds, projects, supports},
};
use uuid::Uuid;

use super::{transitions::comment, visible_project};
use crate::{
    auth::{AdminUser, MaybeUser},
    dto::funding::{CreateSupportRequest, SupportList, SupportView},
    error::{ApiError, Problem},
    extract::{ApiJson, ApiPath},
    state::AppState,
};

/// Records a support decision on a validated project (administrators in scope). Financial
/// support commits money on a fund of the project's programme that covers its territory;
/// granting more than remains is refused with 409.
#[utoipa::path(post, path = "/projects/{id}/supports", tag = "funding", request_body = CreateSupportRequest,
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Soutien enregistré.", body = SupportView),
        (status = 401, description = "Non authentifié.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Réservé aux administrateurs, et aux fonds que couvre leur périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu, invisible, ou hors de votre périmètre.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Projet non validé, ou enveloppe insuffisante.", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(project = %id))]
pub(super) async fn create_support(
    State(state): State<AppState>,
    admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CreateSupportRequest>,
) -> Result<(StatusCode, Json<SupportView>), ApiError> {
    let actor = admin.actor();
    let project = visible_project(&state, id, Some(&actor)).await?;
    if project.party(&actor) != Party::AdminInScope {
        return Err(ApiError::NotFound);
    }
    if project.status != Status::Validated {
        return Err(ApiError::Conflict(
            "Seul un projet validé peut recevoir un soutien.".into(),
        ));
    }
    let fund = body
        .fund
        .map(|f| FundCode::parse(&f).map_err(|e| ApiError::invalid("fund", e.to_string())))
        .transpose()?;
    let amount = body
        .amount_cents
        .map(|a| Cents::new(a).map_err(|e| ApiError::invalid("amount_cents", e.to_string())))
        .transpose()?;
    let grant = Grant::new(body.kind.into(), fund, amount)
        .map_err(|(field, error)| ApiError::invalid(field, error.to_string()))?;
    let note = comment(body.note, "note")?;
    if let Grant::Financial { fund, .. } = &grant {
        let known = funds::find(state.db.reader(), fund)
            .await?
            .ok_or_else(|| ApiError::invalid("fund", "fonds inconnu"))?;
        if !known.covers(&project.fields.programme, &project.territory_path) {
            return Err(ApiError::invalid(
                "fund",
                "ce fonds ne couvre pas le programme ou le territoire du projet",
            ));
        }
        if !actor.scope.covers(&known.scope()) {
            return Err(ApiError::Forbidden(
                "Ce fonds dépasse votre périmètre : seul un administrateur dont le périmètre \
                 couvre celui du fonds y puise."
                    .into(),
            ));
        }
    }
    let now = Utc::now();
    let txn = state.db.begin_write().await?;
    let granted = match &grant {
        Grant::Financial { fund, amount } => {
            if !funds::commit(&txn, fund, *amount).await? {
                return Err(ApiError::Conflict(
                    "Le montant dépasse ce qui reste sur l'enveloppe du fonds.".into(),
                ));
            }
            amount.get()
        }
        Grant::Other(_) => 0,
    };
    if !projects::record_support(&txn, id, grant.kind(), granted).await? {
        return Err(ApiError::Conflict("Le projet n'est plus validé.".into()));
    }
    let support = supports::insert(&txn, id, &grant, note.clone(), actor.id, now).await?;
    let entry = HistoryEntry {
        at: now,
        actor_id: actor.id,
        actor_role: actor.role,
        kind: HistoryKind::Support,
        action: grant.kind().as_str().to_owned(),
        from: None,
        to: match &grant {
            Grant::Financial { fund, amount } => Some(format!("{} {}", fund, amount.get())),
            Grant::Other(_) => None,
        },
        comment: note,
    };
    projects::append_history(&txn, id, &entry).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok((StatusCode::CREATED, Json(support.into())))
}

/// The supports a project received, oldest first (whoever may see the project).
#[utoipa::path(get, path = "/projects/{id}/supports", tag = "funding",
    params(("id" = Uuid, Path, description = "Identifiant du projet")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Les soutiens.", body = SupportList),
        (status = 401, description = "Jeton invalide.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Projet inconnu ou invisible pour vous.", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_supports(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SupportList>, ApiError> {
    let project = visible_project(&state, id, viewer.actor().as_ref()).await?;
    let items = supports::for_project(state.db.reader(), project.id).await?;
    Ok(Json(SupportList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}
