//! Sign-in through ProConnect (SPEC §20): the provider's subject an account is linked to (one
//! account per issuer and subject), and the ID token of a session opened through the provider,
//! which signing out hands back to it (`id_token_hint`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    OidcIssuer,
    OidcSubject,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::OidcIssuer, Users::OidcSubject] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_users_oidc_subject")
                    .table(Users::Table)
                    .col(Users::OidcIssuer)
                    .col(Users::OidcSubject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(text_null(Sessions::IdToken))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::IdToken)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_users_oidc_subject")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Users::OidcSubject, Users::OidcIssuer] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
