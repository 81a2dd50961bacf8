//! Programmes and territories, read once at start. Territories are seeded by migrations and
//! never change; programmes too, as long as no endpoint creates them (a restart picks up any
//! change made in the database). Every instance reads the same database, so caching them keeps
//! the service stateless.

use std::collections::HashMap;

use terrain_domain::{Programme, Territory, TerritoryKind};
use terrain_persistence::{ConnectionTrait, StoreError, repo::reference};

/// The reference data, by identifier.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    programmes: Vec<Programme>,
    territories: Vec<Territory>,
    programme_index: HashMap<String, usize>,
    territory_index: HashMap<String, usize>,
}

impl Reference {
    /// Reads every programme and territory.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, StoreError> {
        let programmes = reference::all_programmes(conn).await?;
        let territories = reference::all_territories(conn).await?;
        Ok(Reference {
            programme_index: programmes
                .iter()
                .enumerate()
                .map(|(i, p)| (p.code.to_string(), i))
                .collect(),
            territory_index: territories
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id().to_string(), i))
                .collect(),
            programmes,
            territories,
        })
    }

    /// Every programme, by code.
    pub fn programmes(&self) -> &[Programme] {
        &self.programmes
    }

    /// A programme by code.
    pub fn programme(&self, code: &str) -> Option<&Programme> {
        self.programme_index.get(code).map(|i| &self.programmes[*i])
    }

    /// Every territory, from the country down.
    pub fn territories(&self) -> &[Territory] {
        &self.territories
    }

    /// A territory by id.
    pub fn territory(&self, id: &str) -> Option<&Territory> {
        self.territory_index.get(id).map(|i| &self.territories[*i])
    }

    /// Every territory of one level, by id.
    pub fn of_kind(&self, kind: TerritoryKind) -> Vec<&Territory> {
        let mut found: Vec<&Territory> = self
            .territories
            .iter()
            .filter(|t| t.id().kind() == kind)
            .collect();
        found.sort_by(|a, b| a.id().cmp(b.id()));
        found
    }

    /// The ancestors of a territory, from the country down.
    pub fn ancestors(&self, of: &Territory) -> Vec<&Territory> {
        let mut chain = Vec::new();
        let mut parent = of.parent.as_ref();
        while let Some(id) = parent {
            match self.territory(id.as_str()) {
                Some(t) => {
                    chain.push(t);
                    parent = t.parent.as_ref();
                }
                None => break,
            }
        }
        chain.reverse();
        chain
    }
}
