//! Schemas of fields whose rules live in the domain (texts, emails, UAI, codes, attendance):
//! written from those rules, so that the document and the parsers accept the same values.

use terrain_domain::{
    DisplayName, Email, FundCode, event, funding, history,
    project::{Description, ProjectTitle, Summary, Uai},
    review,
    text::{self, TextRule},
};
use utoipa::openapi::{
    ObjectBuilder, SchemaFormat, Type,
    schema::{AdditionalProperties, Object, SchemaType},
};

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn text(rule: TextRule, description: &str) -> ObjectBuilder {
    string(description)
        .min_length((rule.min > 0).then_some(rule.min))
        .max_length(Some(rule.max))
        .pattern(Some(rule.pattern()))
}

fn or_null(builder: ObjectBuilder) -> Object {
    builder
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

/// A project's or an event's title.
pub fn title() -> Object {
    text(
        ProjectTitle::RULE,
        "3 à 200 caractères sur une ligne, sans espace au début ni à la fin.",
    )
    .examples(["Un jardin pédagogique partagé"])
    .build()
}

/// A project's summary.
pub fn summary() -> Object {
    text(
        Summary::RULE,
        "1 à 1 000 caractères, sans espace au début ni à la fin.",
    )
    .build()
}

/// A project's description (`null` for none).
pub fn description() -> Object {
    or_null(text(
        Description::RULE,
        "Jusqu'à 20 000 caractères, sans espace au début ni à la fin (`null` : aucune).",
    ))
}

/// A comment on a transition, a note on a stage change or on a support decision.
pub fn comment() -> Object {
    or_null(text(
        history::COMMENT,
        "Jusqu'à 2 000 caractères, sans espace au début ni à la fin ; vide ou `null` : aucun.",
    ))
}

/// A title search.
pub fn title_search() -> Object {
    string("Le titre contient ce texte (sans distinction de casse) ; sans caractère de contrôle.")
        .min_length(Some(1))
        .max_length(Some(terrain_app::projects::SEARCH_MAX))
        .pattern(Some(text::control_free_pattern()))
        .build()
}

/// An event's place (`null` for none).
pub fn location() -> Object {
    or_null(text(
        event::LOCATION,
        "1 à 200 caractères sur une ligne (`null` : aucun).",
    ))
}

/// A fund's name.
pub fn fund_name() -> Object {
    text(funding::FUND_NAME, "3 à 200 caractères sur une ligne.")
        .examples(["FIR Auvergne-Rhône-Alpes 2025"])
        .build()
}

/// An API token's name.
pub fn token_name() -> Object {
    text(
        terrain_domain::integration::TOKEN_NAME,
        "1 à 100 caractères sur une ligne, sans espace au début ni à la fin.",
    )
    .examples(["Tableau de bord de l'académie"])
    .build()
}

/// A fund's code.
pub fn fund_code() -> Object {
    string("Code unique : 2 à 60 lettres, chiffres, `-` ou `_`.")
        .pattern(Some(FundCode::PATTERN))
        .examples(["FIR-2025-ARA"])
        .build()
}

/// The fund paying a financial support (`null` for other kinds).
pub fn fund_code_or_null() -> Object {
    or_null(
        string("Fonds payeur (soutien financier seulement, requis alors).")
            .pattern(Some(FundCode::PATTERN)),
    )
}

/// A person's display name.
pub fn display_name() -> Object {
    text(DisplayName::RULE, "1 à 100 caractères sur une ligne.")
        .examples(["Claire Martin"])
        .build()
}

/// A new display name (`null` or absent: unchanged).
pub fn display_name_or_null() -> Object {
    or_null(text(DisplayName::RULE, "1 à 100 caractères sur une ligne."))
}

/// An email address.
pub fn email() -> Object {
    string("Adresse électronique, unique sans distinction de casse.")
        .max_length(Some(Email::MAX))
        .pattern(Some(Email::PATTERN))
        .examples(["claire.martin@example.fr"])
        .build()
}

fn uai_builder() -> ObjectBuilder {
    string(
        "UAI de l'établissement : 7 chiffres et une lettre de contrôle \
         (`ABCDEFGHJKLMNPRSTUVWXYZ`[n mod 23]) ; le département qu'il désigne doit être dans \
         le territoire du projet.",
    )
    .pattern(Some(Uai::PATTERN))
    .format(Some(SchemaFormat::Custom("uai".to_owned())))
}

/// A school's UAI (`null` for none).
pub fn uai() -> Object {
    or_null(uai_builder().examples(["0690001U"]))
}

/// Participants by category.
pub fn attendance() -> Object {
    let count = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(event::Attendance::MAX_COUNT))
    };
    event::Category::all()
        .fold(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "Participants par catégorie (les parties prenantes et `citizens`), entiers ≥ 0.",
                ))
                .additional_properties(Some(AdditionalProperties::FreeForm(false))),
            |object, category| object.property(category.as_str(), count()),
        )
        .examples([serde_json::json!({"residents": 40, "health_professionals": 12})])
        .build()
}

/// Participants by category, replacing the current counts (`null` or absent: unchanged).
pub fn attendance_or_null() -> Object {
    let mut object = attendance();
    object.schema_type = SchemaType::from_iter([Type::Object, Type::Null]);
    object
}

/// A new title (`null` or absent: unchanged).
pub fn title_or_null() -> Object {
    or_null(text(
        ProjectTitle::RULE,
        "3 à 200 caractères sur une ligne, sans espace au début ni à la fin.",
    ))
}

/// A new summary (`null` or absent: unchanged).
pub fn summary_or_null() -> Object {
    or_null(text(
        Summary::RULE,
        "1 à 1 000 caractères, sans espace au début ni à la fin.",
    ))
}

/// A private note.
pub fn note_body() -> Object {
    text(
        review::NOTE,
        "1 à 5 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    )
    .build()
}

/// A message of a project's conversation.
pub fn message_body() -> Object {
    text(
        terrain_domain::conversation::MESSAGE_BODY,
        "1 à 5 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    )
    .build()
}

/// A decision template's name.
pub fn template_title() -> Object {
    text(review::TEMPLATE_TITLE, "1 à 120 caractères sur une ligne.").build()
}

/// A decision template's text.
pub fn template_body() -> Object {
    text(
        review::TEMPLATE_BODY,
        "1 à 2 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    )
    .build()
}

/// A new name for a decision template (`null` or absent: unchanged).
pub fn template_title_or_null() -> Object {
    or_null(text(
        review::TEMPLATE_TITLE,
        "1 à 120 caractères sur une ligne.",
    ))
}

/// A new text for a decision template (`null` or absent: unchanged).
pub fn template_body_or_null() -> Object {
    or_null(text(
        review::TEMPLATE_BODY,
        "1 à 2 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    ))
}

/// A milestone's title.
pub fn milestone_title() -> Object {
    text(
        terrain_domain::follow_up::MILESTONE_TITLE,
        "3 à 200 caractères sur une ligne.",
    )
    .build()
}

/// A new title for a milestone (`null` or absent: unchanged).
pub fn milestone_title_or_null() -> Object {
    or_null(text(
        terrain_domain::follow_up::MILESTONE_TITLE,
        "3 à 200 caractères sur une ligne.",
    ))
}

/// An indicator's name.
pub fn indicator_name() -> Object {
    text(
        terrain_domain::follow_up::INDICATOR_NAME,
        "3 à 200 caractères sur une ligne.",
    )
    .examples(["Coût par famille accompagnée"])
    .build()
}

/// An indicator's unit.
pub fn indicator_unit() -> Object {
    text(
        terrain_domain::follow_up::INDICATOR_UNIT,
        "1 à 40 caractères sur une ligne.",
    )
    .examples(["€"])
    .build()
}

/// A value of an indicator.
pub fn indicator_value() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .description(Some("Nombre, au plus 10¹² en valeur absolue."))
        .minimum(Some(-terrain_domain::follow_up::VALUE_MAX))
        .maximum(Some(terrain_domain::follow_up::VALUE_MAX))
        .build()
}

/// A measurement's note (`null` or empty for none).
pub fn measurement_note() -> Object {
    or_null(text(
        terrain_domain::follow_up::MEASUREMENT_NOTE,
        "Jusqu'à 1 000 caractères, sans espace au début ni à la fin.",
    ))
}

/// The report's summary.
pub fn report_summary() -> Object {
    text(
        terrain_domain::follow_up::REPORT_SUMMARY,
        "1 à 2 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    )
    .build()
}

/// The report's results or recommendations.
pub fn report_section() -> Object {
    text(
        terrain_domain::follow_up::REPORT_SECTION,
        "1 à 20 000 caractères, sauts de ligne permis, sans espace au début ni à la fin.",
    )
    .build()
}

fn slug(description: &str) -> ObjectBuilder {
    string(description)
        .min_length(Some(2))
        .max_length(Some(40))
        .pattern(Some("^[a-z][a-z0-9_]{1,39}$"))
}

/// A new programme's or theme's code, or a policy domain.
pub fn slug_code() -> Object {
    slug("2 à 40 caractères parmi a-z, 0-9 et _, commençant par une lettre.").build()
}

/// A programme's name.
pub fn programme_name() -> Object {
    text(
        terrain_domain::reference::PROGRAMME_NAME,
        "3 à 200 caractères sur une ligne.",
    )
    .build()
}

/// A new name for a programme (`null` or absent: unchanged).
pub fn programme_name_or_null() -> Object {
    or_null(text(
        terrain_domain::reference::PROGRAMME_NAME,
        "3 à 200 caractères sur une ligne.",
    ))
}

/// A theme's label.
pub fn theme_label() -> Object {
    text(
        terrain_domain::reference::THEME_LABEL,
        "2 à 100 caractères sur une ligne.",
    )
    .build()
}
