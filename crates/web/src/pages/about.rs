//! `GET /accessibilite`: the accessibility statement (RGAA 4.1), as French administrations
//! publish it: the conformity level, what is not conform yet, how to report a problem.

use maud::html;

use crate::{layout::Page, session::Viewer};

/// `GET /accessibilite`.
pub async fn show_accessibility(viewer: Viewer) -> Page {
    let body = html! {
        h1 { "Déclaration d'accessibilité" }
        p {
            "Terrain s'engage à rendre ses pages accessibles conformément à l'article 47 de la loi "
            "n° 2005-102 du 11 février 2005. Cette déclaration s'applique aux pages du service "
            "(tableau de bord public, espace des porteurs de projet, pages d'instruction)."
        }
        h2 { "État de conformité" }
        p {
            "Terrain est " strong { "partiellement conforme" } " avec le référentiel général "
            "d'amélioration de l'accessibilité (RGAA), version 4.1, qui reprend les critères de "
            "niveau AA des WCAG 2.1."
        }
        h2 { "Résultats des tests" }
        p {
            "Chaque page est vérifiée automatiquement à chaque version avec axe-core dans un "
            "navigateur Chromium, à 1 280 et à 320 pixels de large : aucune erreur n'est relevée. "
            "Les parcours des porteurs de projet (inscription, connexion, brouillon, correction, "
            "dépôt) sont testés au clavier seul. Un audit complet du RGAA par une personne "
            "qualifiée n'a pas encore été réalisé."
        }
        h2 { "Contenus non accessibles" }
        ul {
            li {
                "Les graphiques du tableau de bord sont des images vectorielles : leurs valeurs "
                "sont données en texte dans leur description, mais aucun tableau de données "
                "n'accompagne chaque graphique."
            }
            li { "Aucun audit manuel avec des lecteurs d'écran (NVDA, VoiceOver) n'a encore été mené." }
        }
        h2 { "Retour d'information et contact" }
        p {
            "Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez à "
            a href="mailto:accessibilite@terrain.invalid" { "accessibilite@terrain.invalid" }
            " en décrivant la page et le problème rencontré : nous vous répondrons sous 15 jours "
            "ouvrés et vous proposerons une autre façon d'obtenir l'information ou d'effectuer "
            "la démarche."
        }
        h2 { "Voies de recours" }
        p {
            "Si vous avez signalé un défaut d'accessibilité sans obtenir de réponse satisfaisante, "
            "vous pouvez saisir le Défenseur des droits (formulaire en ligne, délégué de votre "
            "région, ou courrier gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris "
            "CEDEX 07)."
        }
        p { "Déclaration établie le 1er décembre 2026." }
    };
    Page::new("Déclaration d'accessibilité", viewer, body)
}
