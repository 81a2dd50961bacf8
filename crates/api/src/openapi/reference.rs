//! Programme codes, territory ids and theme codes in the document: named schemas that the
//! served document fills with the values of the database, so that a client (or a contract
//! tester) knows which codes exist without a round trip.

use std::{borrow::Cow, collections::BTreeSet};

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, OpenApi, RefOr, Schema, Type},
};

use terrain_domain::Catalogue as Reference;

macro_rules! code_schema {
    ($(#[$doc:meta])* $name:ident, $description:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl $name {
            fn builder() -> ObjectBuilder {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .examples([$example])
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                Self::builder().into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

code_schema!(
    /// A programme's code.
    ProgrammeCode,
    "Code d'un programme.",
    "education"
);
code_schema!(
    /// A territory's identifier, `kind:code`.
    TerritoryId,
    "Identifiant d'un territoire, `kind:code` ; un filtre ou un périmètre vaut pour tout son sous-arbre.",
    "department:69"
);
code_schema!(
    /// A theme's code; a project's theme must be one of its programme's.
    ThemeCode,
    "Code d'un thème ; celui d'un projet doit appartenir à son programme (voir `GET /programmes`).",
    "pedagogy"
);

/// Lists the codes of `reference` in the document's named schemas.
pub fn describe(document: &mut OpenApi, reference: &Reference) {
    let programmes: Vec<String> = reference
        .programmes()
        .iter()
        .map(|p| p.code.to_string())
        .collect();
    let themes: BTreeSet<String> = reference
        .programmes()
        .iter()
        .flat_map(|p| p.themes.iter().map(|t| t.code.to_string()))
        .collect();
    let territories: Vec<String> = reference
        .territories()
        .iter()
        .map(|t| t.id().to_string())
        .collect();
    let components = document.components.get_or_insert_with(Default::default);
    for (name, builder, values) in [
        (ProgrammeCode::name(), ProgrammeCode::builder(), programmes),
        (
            ThemeCode::name(),
            ThemeCode::builder(),
            themes.into_iter().collect(),
        ),
        (TerritoryId::name(), TerritoryId::builder(), territories),
    ] {
        components
            .schemas
            .insert(name.into_owned(), builder.enum_values(Some(values)).into());
    }
}
