//! What a lead and the administrators in charge exchange about a project (SPEC §15): messages,
//! the reasons of a correction request, and attached files — which files are accepted, how
//! large, and under which name they are kept.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Action, Change, HistoryEntry, Role, text::TextRule};

/// What a message accepts.
pub const MESSAGE_BODY: TextRule = TextRule::lines(1, 5_000);

/// The most attachments one message may carry.
pub const MAX_MESSAGE_ATTACHMENTS: usize = 10;

/// The largest file accepted: 20 MB (20,000,000 bytes).
pub const MAX_FILE_BYTES: u64 = 20_000_000;

/// What all the files of one project may weigh together: 100 MB.
pub const PROJECT_QUOTA_BYTES: u64 = 100_000_000;

/// How many leading bytes the type of a file is recognised from (the office formats are zip
/// archives whose telling entry can come a few kilobytes in).
pub const SNIFF_BYTES: usize = 64 * 1024;

crate::code_enum! {
    /// Why a reviewer asks the lead for changes.
    pub enum CorrectionReason: "motif" {
        /// Something is missing.
        Incomplete = "incomplete",
        /// Something is wrong.
        Incorrect = "incorrect",
        /// Something is out of date.
        Outdated = "outdated",
    }
}

impl CorrectionReason {
    /// The reason in French, as the lead reads it.
    pub fn label_fr(self) -> &'static str {
        match self {
            CorrectionReason::Incomplete => "Dossier incomplet",
            CorrectionReason::Incorrect => "Informations inexactes",
            CorrectionReason::Outdated => "Informations périmées",
        }
    }

    /// The reasons of a history entry, from their stored form (`incomplete,outdated`).
    pub fn parse_list(stored: &str) -> Option<Vec<CorrectionReason>> {
        stored
            .split(',')
            .filter(|code| !code.is_empty())
            .map(|code| code.parse().ok())
            .collect()
    }

    /// The stored form of a set of reasons: sorted, without repeats.
    pub fn join(reasons: &[CorrectionReason]) -> String {
        let mut codes: Vec<_> = reasons.to_vec();
        codes.sort();
        codes.dedup();
        codes
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A request for changes, and when the lead answered it by submitting again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// Why.
    pub reasons: Vec<CorrectionReason>,
    /// What the reviewer wrote.
    pub comment: Option<String>,
    /// When the lead submitted again, if they did.
    pub answered_at: Option<DateTime<Utc>>,
}

/// For each entry of a history (oldest first), when it was answered: a `request_changes`
/// entry is answered by the next submission that follows it; every other entry is `None`.
pub fn answers(history: &[HistoryEntry]) -> Vec<Option<DateTime<Utc>>> {
    let mut out = vec![None; history.len()];
    let mut open: Option<usize> = None;
    for (i, entry) in history.iter().enumerate() {
        if let Change::Transition { action, .. } = entry.change {
            match action {
                Action::RequestChanges => open = Some(i),
                Action::Submit => {
                    if let Some(request) = open.take() {
                        out[request] = Some(entry.at);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The correction requests of a history (oldest first), each answered by the next submission
/// that follows it.
pub fn corrections(history: &[HistoryEntry]) -> Vec<Correction> {
    history
        .iter()
        .zip(answers(history))
        .filter(|(entry, _)| {
            matches!(
                entry.change,
                Change::Transition {
                    action: Action::RequestChanges,
                    ..
                }
            )
        })
        .map(|(entry, answered_at)| Correction {
            requested_at: entry.at,
            reasons: entry.reasons.clone(),
            comment: entry.comment.clone(),
            answered_at,
        })
        .collect()
}

/// A message of a project's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Their name.
    pub author_name: String,
    /// Their role when they wrote it.
    pub author_role: Role,
    /// What they wrote.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The files it carries.
    pub attachments: Vec<Uuid>,
}

crate::code_enum! {
    /// The kinds of file accepted, recognised from their content.
    pub enum FileKind: "type de fichier" {
        /// PDF.
        Pdf = "application/pdf",
        /// PNG image.
        Png = "image/png",
        /// JPEG image.
        Jpeg = "image/jpeg",
        /// OpenDocument text.
        Odt = "application/vnd.oasis.opendocument.text",
        /// OpenDocument spreadsheet.
        Ods = "application/vnd.oasis.opendocument.spreadsheet",
        /// Word document.
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        /// Excel workbook.
        Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

impl FileKind {
    /// The kind of a file recognised from its content type (as a content sniffer names it),
    /// or `None` when the service does not accept it.
    pub fn from_sniffed(mime: &str) -> Option<FileKind> {
        mime.parse().ok()
    }

    /// The usual extension.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Odt => "odt",
            FileKind::Ods => "ods",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
        }
    }

    /// What the pages and refusals say of the accepted kinds.
    pub const ACCEPTED_FR: &'static str = "PDF, PNG, JPEG, ODT, ODS, DOCX ou XLSX";
}

/// The name a file is kept under: the last part of what the browser sent (never a path),
/// without control characters, at most 200 characters; a file sent without a usable name is
/// called `fichier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// The longest name kept, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Cleans what the client sent.
    pub fn from_client(sent: Option<&str>) -> FileName {
        let last = sent
            .unwrap_or_default()
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default();
        let cleaned: String = last
            .chars()
            .filter(|c| !c.is_control() && !crate::text::is_invisible(*c) && *c != '"')
            .collect();
        let trimmed = cleaned.trim().trim_start_matches('.');
        let name: String = trimmed.chars().take(Self::MAX_CHARS).collect();
        let name = name.trim_end().to_owned();
        if name.is_empty() {
            FileName("fichier".to_owned())
        } else {
            FileName(name)
        }
    }

    /// A stored name, read back.
    pub fn stored(name: String) -> FileName {
        FileName(name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An attached file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id (also the last part of its object key).
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Its name.
    pub name: FileName,
    /// Its size in bytes.
    pub size: u64,
    /// Its kind, recognised from its content.
    pub kind: FileKind,
    /// The SHA-256 of its content, in lowercase hexadecimal.
    pub sha256: String,
    /// When it was stored.
    pub uploaded_at: DateTime<Utc>,
    /// Who sent it.
    pub uploaded_by: Uuid,
}

impl Attachment {
    /// Where its content is kept in the object store.
    pub fn object_key(project_id: Uuid, id: Uuid) -> String {
        format!("projects/{project_id}/{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn a_file_name_is_never_a_path_nor_empty() {
        assert_eq!(
            FileName::from_client(Some("../../etc/passwd")).as_str(),
            "passwd"
        );
        assert_eq!(
            FileName::from_client(Some("C:\\Users\\x\\devis.pdf")).as_str(),
            "devis.pdf"
        );
        assert_eq!(FileName::from_client(Some("..")).as_str(), "fichier");
        assert_eq!(FileName::from_client(None).as_str(), "fichier");
        assert_eq!(
            FileName::from_client(Some("a\u{0}b\"c\r\n.pdf")).as_str(),
            "abc.pdf"
        );
        let long = "é".repeat(500);
        assert_eq!(
            FileName::from_client(Some(&long)).as_str().chars().count(),
            FileName::MAX_CHARS
        );
    }

    #[test]
    fn only_the_listed_kinds_are_accepted() {
        assert_eq!(
            FileKind::from_sniffed("application/pdf"),
            Some(FileKind::Pdf)
        );
        assert_eq!(FileKind::from_sniffed("text/html"), None);
        assert_eq!(FileKind::from_sniffed("application/zip"), None);
        assert_eq!(FileKind::ALL.len(), 7);
    }

    #[test]
    fn reasons_are_stored_sorted_and_read_back() {
        let stored = CorrectionReason::join(&[
            CorrectionReason::Outdated,
            CorrectionReason::Incomplete,
            CorrectionReason::Outdated,
        ]);
        assert_eq!(stored, "incomplete,outdated");
        assert_eq!(
            CorrectionReason::parse_list(&stored),
            Some(vec![
                CorrectionReason::Incomplete,
                CorrectionReason::Outdated
            ])
        );
        assert_eq!(CorrectionReason::parse_list(""), Some(vec![]));
        assert_eq!(CorrectionReason::parse_list("nope"), None);
    }

    fn entry(minute: u32, action: Action, reasons: Vec<CorrectionReason>) -> HistoryEntry {
        HistoryEntry {
            at: DateTime::from_timestamp(i64::from(minute) * 60, 0).expect("time"),
            actor_id: Uuid::nil(),
            actor_role: Role::Admin,
            change: Change::Transition {
                action,
                from: Status::UnderReview,
                to: Status::ChangesRequested,
            },
            comment: Some("voir le budget".into()),
            batch: None,
            reasons,
        }
    }

    #[test]
    fn the_next_submission_answers_the_open_request_only() {
        let history = [
            entry(1, Action::Submit, vec![]),
            entry(
                2,
                Action::RequestChanges,
                vec![CorrectionReason::Incomplete],
            ),
            entry(3, Action::Submit, vec![]),
            entry(4, Action::RequestChanges, vec![CorrectionReason::Outdated]),
        ];
        let found = corrections(&history);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reasons, vec![CorrectionReason::Incomplete]);
        assert_eq!(found[0].answered_at, Some(history[2].at));
        assert_eq!(found[1].answered_at, None);
    }
}
