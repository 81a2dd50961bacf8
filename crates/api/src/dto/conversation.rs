//! Messages and attachments (SPEC §15).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{Attachment, Message};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    dto::{accounts::RoleName, review::FollowerRef},
    openapi::fields,
};

/// `POST /projects/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// 1 to 5,000 characters; line breaks allowed.
    #[schema(schema_with = fields::message_body)]
    pub body: String,
    /// Files attached to the project beforehand by the author, not yet sent with a message
    /// (at most 10).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachment_ids: Vec<Uuid>,
}

/// A message of a project's conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// Identifier.
    pub id: Uuid,
    /// Author.
    pub author: FollowerRef,
    /// The author's role when they wrote it.
    pub author_role: RoleName,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The files it carries.
    pub attachment_ids: Vec<Uuid>,
}

impl From<Message> for MessageView {
    fn from(message: Message) -> Self {
        MessageView {
            id: message.id,
            author: FollowerRef {
                id: message.author_id,
                display_name: message.author_name,
            },
            author_role: message.author_role.into(),
            body: message.body,
            created_at: message.at,
            attachment_ids: message.attachments,
        }
    }
}

/// A project's conversation, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagesView {
    /// The messages.
    pub items: Vec<MessageView>,
}

/// `POST /projects/{id}/attachments`: one part named `file` (no other part is read).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG, JPEG, ODT, ODS, DOCX or XLSX (recognised from its content), at
    /// most 20 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The bytes of a file, as sent.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBytes(pub Vec<u8>);

/// An attached file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Identifier.
    pub id: Uuid,
    /// Its name, as sent (without any folder).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Its type, recognised from its content.
    pub content_type: String,
    /// SHA-256 of the content, lowercase hexadecimal.
    pub sha256: String,
    /// When it was stored.
    pub uploaded_at: DateTime<Utc>,
    /// Who sent it.
    pub uploaded_by: Uuid,
}

impl From<Attachment> for AttachmentView {
    fn from(file: Attachment) -> Self {
        AttachmentView {
            id: file.id,
            name: file.name.as_str().to_owned(),
            size: file.size,
            content_type: file.kind.as_str().to_owned(),
            sha256: file.sha256,
            uploaded_at: file.uploaded_at,
            uploaded_by: file.uploaded_by,
        }
    }
}

/// A project's files, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentsView {
    /// The files.
    pub items: Vec<AttachmentView>,
}
