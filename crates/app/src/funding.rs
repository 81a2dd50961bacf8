//! Funds (envelopes never overspent) and the support decisions on validated projects.

use terrain_domain::ChangeType;
use terrain_domain::{
    Actor, Cents, Change, Fund, FundCode, FundInput, Grant, HistoryEntry, NewFund, Status, Support,
    SupportKind,
    access::{self, Intent},
};
use terrain_persistence::repo::changes::NewChange;
use terrain_persistence::{
    StoreError,
    repo::{
        Page,
        funds::{self, FundQuery},
        history, projects, supports,
    },
    retrying,
};
use uuid::Uuid;

use crate::{App, AppError, comment, notify, projects::visible};

/// Creates a fund (an administrator whose scope covers the fund's reach).
///
/// # Errors
/// 422 every field at fault, 403 beyond the scope, 409 a code already used.
pub async fn create_fund(app: &App, actor: &Actor, input: FundInput) -> Result<Fund, AppError> {
    let new = NewFund::parse(input, &app.catalogue())?;
    if !access::may_create_fund(actor, &new.scope()) {
        return Err(AppError::Forbidden(
            "Ce fonds dépasse votre périmètre d'administration.".into(),
        ));
    }
    let txn = app.store().begin_write().await?;
    let fund = funds::insert(&txn, new, app.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("Un fonds porte déjà ce code.".into()),
            other => other.into(),
        })?;
    txn.record(NewChange::fund(&fund, fund.created_at));
    txn.commit().await?;
    Ok(fund)
}

/// One fund, with what is committed (any signed-in account).
///
/// # Errors
/// 404 when unknown.
pub async fn fund(app: &App, code: &str) -> Result<Fund, AppError> {
    let code = FundCode::parse(code).map_err(|_| AppError::NotFound)?;
    funds::find(app.store().reader(), &code)
        .await?
        .ok_or(AppError::NotFound)
}

/// Filters of the fund list, as typed.
#[derive(Debug, Clone, Default)]
pub struct FundFilters {
    /// Programme code.
    pub programme: Option<String>,
    /// Territory id (funds whose territory lies in its subtree).
    pub territory: Option<String>,
    /// Year.
    pub year: Option<i32>,
}

/// Funds by code, after the code `after`.
///
/// # Errors
/// 422 on an unknown programme or territory.
pub async fn list_funds(
    app: &App,
    filters: FundFilters,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<Fund>, AppError> {
    let catalogue = app.catalogue();
    let query = FundQuery {
        programme: catalogue.programme_filter("programme", filters.programme.as_deref())?,
        territory: catalogue.territory_filter("territory", filters.territory.as_deref())?,
        year: filters.year,
    };
    Ok(funds::list(app.store().reader(), &query, after, limit).await?)
}

/// A support decision as asked.
#[derive(Debug, Clone)]
pub struct SupportInput {
    /// Kind.
    pub kind: SupportKind,
    /// Fund code (financial support only).
    pub fund: Option<String>,
    /// Amount in cents (financial support only).
    pub amount_cents: Option<i64>,
    /// Note.
    pub note: Option<String>,
}

/// Records a support decision on a validated project (administrators in charge). Financial
/// support commits money on a fund of the project's programme covering its territory, within
/// the administrator's scope; granting more than remains is refused.
///
/// # Errors
/// 404 hidden or out of scope, 409 not validated, 422 an invalid or unsuited fund or amount,
/// 403 a fund beyond the scope, 409 more than remains.
pub async fn grant(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: SupportInput,
) -> Result<Support, AppError> {
    let project = visible(app, Some(actor), id).await?;
    access::authorize(actor, &project, Intent::Grant).map_err(|_| AppError::NotFound)?;
    if project.status != Status::Validated {
        return Err(AppError::Conflict(
            "Seul un projet validé peut recevoir un soutien.".into(),
        ));
    }
    let fund = input
        .fund
        .map(|f| FundCode::parse(&f).map_err(|e| AppError::invalid("fund", e.to_string())))
        .transpose()?;
    let amount = input
        .amount_cents
        .map(|a| Cents::new(a).map_err(|e| AppError::invalid("amount_cents", e.to_string())))
        .transpose()?;
    let grant = Grant::new(input.kind, fund, amount)
        .map_err(|(field, error)| AppError::invalid(field, error.to_string()))?;
    let note = comment(input.note, "note")?;
    if let Grant::Financial { fund, .. } = &grant {
        let known = funds::find(app.store().reader(), fund)
            .await?
            .ok_or_else(|| AppError::invalid("fund", "fonds inconnu"))?;
        if !known.covers(&project.fields.programme, &project.territory_path) {
            return Err(AppError::invalid(
                "fund",
                "ce fonds ne couvre pas le programme ou le territoire du projet",
            ));
        }
        if !access::may_spend(actor, &known) {
            return Err(AppError::Forbidden(
                "Ce fonds dépasse votre périmètre : seul un administrateur dont le périmètre \
                 couvre celui du fonds y puise."
                    .into(),
            ));
        }
    }
    retrying(|| async {
        let now = app.now();
        let txn = app.store().begin_write().await?;
        let granted = match &grant {
            Grant::Financial { fund, amount } => {
                if !funds::commit(&txn, fund, *amount).await? {
                    return Err(AppError::Conflict(
                        "Le montant dépasse ce qui reste sur l'enveloppe du fonds.".into(),
                    ));
                }
                amount.get()
            }
            Grant::Other(_) => 0,
        };
        if !projects::record_support(&txn, id, grant.kind(), granted, now).await? {
            return Err(AppError::Conflict("Le projet n'est plus validé.".into()));
        }
        let support = supports::insert(&txn, id, &grant, note.clone(), actor.id, now).await?;
        let entry = HistoryEntry {
            at: now,
            actor_id: actor.id,
            actor_role: actor.role,
            change: Change::Support(grant.clone()),
            comment: note.clone(),
            batch: None,
            reasons: Vec::new(),
        };
        history::append(&txn, id, &entry).await?;
        notify::support(app, &txn, &project, &support, now).await?;
        txn.record(NewChange::project(
            ChangeType::ProjectSupported,
            &project,
            now,
        ));
        txn.commit().await?;
        Ok(support)
    })
    .await
    .inspect(|_| app.outbox_written())
}

/// The funds `actor` may draw on (those whose reach lies inside its scope), by code.
///
/// # Errors
/// When the database fails.
pub async fn funds_in_scope(app: &App, actor: &Actor) -> Result<Vec<Fund>, AppError> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = funds::list(
            app.store().reader(),
            &FundQuery::default(),
            after.as_deref(),
            100,
        )
        .await?;
        after = page.items.last().map(|f| f.code.to_string());
        all.extend(
            page.items
                .into_iter()
                .filter(|f| access::may_spend(actor, f)),
        );
        if !page.more || all.len() >= 1_000 {
            break;
        }
    }
    Ok(all)
}

/// The funds `actor` may draw on for `project` (they cover its programme and territory).
///
/// # Errors
/// When the database fails.
pub async fn funds_for(
    app: &App,
    actor: &Actor,
    project: &terrain_domain::Project,
) -> Result<Vec<Fund>, AppError> {
    Ok(funds_in_scope(app, actor)
        .await?
        .into_iter()
        .filter(|f| f.covers(&project.fields.programme, &project.territory_path))
        .collect())
}
