//! Forms: errors tied to their field (`aria-describedby`, `aria-invalid`), summarised at the top
//! with links to the fields, and the fields themselves with their labels.

use maud::{Markup, html};
use terrain_domain::FieldErrors;

/// The errors of a form, by field, in the order they were found.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// No error.
    pub fn none() -> Self {
        FormErrors::default()
    }

    /// The errors of a use case, the API's field names turned into the form's by `rename`.
    pub fn from_fields(errors: &FieldErrors, rename: impl Fn(&str) -> String) -> Self {
        let mut out = FormErrors::default();
        for error in errors.errors() {
            out.push(&rename(&error.field), &error.message);
        }
        out
    }

    /// Adds an error (the first one of a field is kept).
    pub fn push(&mut self, field: &str, message: &str) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), capitalise(message)));
        }
    }

    /// The errors in the order of the form's fields (`order`), as the summary must list them;
    /// the errors of the whole form first.
    pub fn in_order(mut self, order: &[&str]) -> Self {
        let rank = |field: &str| {
            let base = field.split('.').next().unwrap_or(field);
            if field.is_empty() {
                0
            } else {
                order
                    .iter()
                    .position(|f| *f == field || *f == base)
                    .map_or(usize::MAX, |i| i + 1)
            }
        };
        self.0.sort_by_key(|(field, _)| rank(field));
        self
    }

    /// An error of the whole form (shown in the summary only).
    pub fn general(&mut self, message: &str) {
        self.push("", message);
    }

    /// The error of a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The summary at the top of the form: every error, each a link to its field.
    pub fn summary(&self, labels: &dyn Fn(&str) -> String) -> Markup {
        html! {
            @if !self.0.is_empty() {
                div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                    h2 id="error-summary-title" { "Le formulaire contient des erreurs" }
                    ul {
                        @for (field, message) in &self.0 {
                            @if field.is_empty() {
                                li { (message) }
                            } @else {
                                li { a href=(format!("#{}", field_id(field))) { (labels(field)) " : " (message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The id of a field's control.
pub fn field_id(name: &str) -> String {
    format!("f-{}", name.replace(['.', '[', ']'], "-"))
}

/// What a field's control needs: its name, label and hint, and its error.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The control's name.
    pub name: &'a str,
    /// Its label.
    pub label: &'a str,
    /// A hint under the label.
    pub hint: Option<&'a str>,
    /// Its error.
    pub error: Option<&'a str>,
    /// Whether the field is required.
    pub required: bool,
    /// Whether an optional field says « (facultatif) » (not in a filter form, where every
    /// field is).
    pub marked: bool,
}

impl<'a> Field<'a> {
    /// A field named `name`, labelled `label`, with its error from `errors`.
    pub fn new(name: &'a str, label: &'a str, errors: &'a FormErrors) -> Self {
        Field {
            name,
            label,
            hint: None,
            error: errors.get(name),
            required: false,
            marked: true,
        }
    }

    /// A filter: optional, without « (facultatif) ».
    pub fn filter(mut self) -> Self {
        self.marked = false;
        self
    }

    /// With a hint.
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn described_by(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", field_id(self.name)));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", field_id(self.name)));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn head(&self) -> Markup {
        let id = field_id(self.name);
        html! {
            label for=(id) { (self.label) @if !self.required && self.marked { " (facultatif)" } }
            @if let Some(hint) = self.hint {
                span.hint id=(format!("{id}-hint")) { (hint) }
            }
            @if let Some(error) = self.error {
                span.error-message id=(format!("{id}-error")) { span.visually-hidden { "Erreur : " } (error) }
            }
        }
    }

    /// An `<input>` of `kind` (`text`, `email`, `password`, `date`, `number`).
    pub fn input(&self, kind: &str, value: &str, autocomplete: Option<&str>) -> Markup {
        let id = field_id(self.name);
        html! {
            div.field.has-error[self.error.is_some()] {
                (self.head())
                input id=(id) type=(kind) name=(self.name) value=(value)
                    autocomplete=[autocomplete] required[self.required]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[self.described_by()];
            }
        }
    }

    /// A `<textarea>`.
    pub fn textarea(&self, value: &str, rows: u8) -> Markup {
        let id = field_id(self.name);
        html! {
            div.field.has-error[self.error.is_some()] {
                (self.head())
                textarea id=(id) name=(self.name) rows=(rows) required[self.required]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[self.described_by()] { (value) }
            }
        }
    }

    /// A `<select>` of `options` (already rendered `<option>`s and `<optgroup>`s).
    pub fn select(&self, options: Markup) -> Markup {
        let id = field_id(self.name);
        html! {
            div.field.has-error[self.error.is_some()] {
                (self.head())
                select id=(id) name=(self.name) required[self.required]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[self.described_by()] { (options) }
            }
        }
    }

    /// A group of checkboxes: `(value, label, checked)`.
    pub fn checkboxes(&self, choices: &[(&str, &str, bool)]) -> Markup {
        let id = field_id(self.name);
        html! {
            fieldset.field.has-error[self.error.is_some()] id=(id) tabindex="-1"
                aria-describedby=[self.described_by()] {
                legend { (self.label) @if !self.required && self.marked { " (facultatif)" } }
                @if let Some(hint) = self.hint {
                    span.hint id=(format!("{id}-hint")) { (hint) }
                }
                @if let Some(error) = self.error {
                    span.error-message id=(format!("{id}-error")) { span.visually-hidden { "Erreur : " } (error) }
                }
                div.checks {
                    @for (value, label, checked) in choices {
                        label {
                            input type="checkbox" name=(self.name) value=(value) checked[*checked];
                            span { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// One `<option>`.
pub fn option(value: &str, label: &str, selected: bool) -> Markup {
    html! { option value=(value) selected[selected] { (label) } }
}

/// The hidden field of the form's token.
pub fn token(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}
