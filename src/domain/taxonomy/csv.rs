//! PagoPA's published taxonomy CSV → catalog entries.
//!
//! The file comes in two shapes: the one PagoPA's taxonomy service reads (`;`, codes without
//! leading zeros, `# Progressivo Macro Area per Ente Creditore`, `DATA INIZIO VALIDITA
//! (mm/gg/aaaa)`, extra topic columns) and the export of the spreadsheet (`,`, headers spread
//! over several lines inside quotes, the legal reasons' legend in their header, the macro area's
//! name only on its first row, blank separator rows). Both are read: the separator is taken from
//! the header, columns are matched by name (case, spaces, `#`, accents and a trailing `(...)`
//! ignored), unknown columns are skipped, and a macro area's name and description carry down to
//! the following rows of the same area. Dates are day first (`15/02/2021`), as the data is
//! whatever its header says, or `2021-02-15`.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{TaxonomyCode, TaxonomyEntry};

/// Why a catalog file was refused. Line numbers are those of the file (a record spanning several
/// lines is numbered by its first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("line {line}: the file is not UTF-8 text; save the CSV as UTF-8")]
    NotUtf8 { line: usize },
    #[error("the file is empty: the header row is missing")]
    NoHeader,
    #[error("the header has no column {}; the taxonomy CSV needs {}", .missing.join(", "), required_names())]
    MissingColumns { missing: Vec<&'static str> },
    #[error("the file has a header but no taxonomy rows")]
    NoRows,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

fn line_error(line: usize, message: impl Into<String>) -> CatalogError {
    CatalogError::Line {
        line,
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    TypeCode,
    TypeName,
    MacroArea,
    MacroName,
    MacroDescription,
    ServiceType,
    ServiceName,
    ServiceDescription,
    LegalReason,
    Collection,
    ValidFrom,
    ValidTo,
}

/// Each column: its official name, other names seen in published files, whether it is required.
const COLUMNS: [(Column, &str, &[&str], bool); 12] = [
    (Column::TypeCode, "CODICE TIPO ENTE CREDITORE", &[], true),
    (Column::TypeName, "TIPO ENTE CREDITORE", &[], true),
    (
        Column::MacroArea,
        "PROGRESSIVO MACRO AREA PER ENTE CREDITORE",
        &[],
        true,
    ),
    (Column::MacroName, "NOME MACRO AREA", &[], true),
    (
        Column::MacroDescription,
        "DESCRIZIONE MACRO AREA",
        &[],
        false,
    ),
    (Column::ServiceType, "CODICE TIPOLOGIA SERVIZIO", &[], true),
    (Column::ServiceName, "TIPO SERVIZIO", &[], true),
    (
        Column::ServiceDescription,
        "DESCRIZIONE TIPO SERVIZIO",
        &[],
        false,
    ),
    (
        Column::LegalReason,
        "MOTIVO GIURIDICO DELLA RISCOSSIONE",
        &[],
        true,
    ),
    (
        Column::Collection,
        "DATI SPECIFICI DI INCASSO",
        &["DATI SPECIFICI INCASSO"],
        false,
    ),
    (Column::ValidFrom, "DATA INIZIO VALIDITA", &[], false),
    (Column::ValidTo, "DATA FINE VALIDITA", &[], false),
];

fn required_names() -> String {
    COLUMNS
        .iter()
        .filter(|c| c.3)
        .map(|c| c.1)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A header name compared: capitals without accents, words separated by one space, no `#`.
fn normalize(header: &str) -> String {
    let mut out = String::new();
    for ch in header.chars().flat_map(char::to_uppercase) {
        let ch = match ch {
            'À' | 'Á' => 'A',
            'È' | 'É' => 'E',
            'Ì' | 'Í' => 'I',
            'Ò' | 'Ó' => 'O',
            'Ù' | 'Ú' => 'U',
            c if c.is_ascii_alphanumeric() => c,
            _ => ' ',
        };
        if ch != ' ' || !(out.is_empty() || out.ends_with(' ')) {
            out.push(ch);
        }
    }
    out.trim_end().to_owned()
}

/// The column a header names: its name exactly, or followed by more words (a legend, a format).
fn column_of(header: &str) -> Option<Column> {
    let h = normalize(header);
    COLUMNS.iter().find_map(|(column, name, aliases, _)| {
        std::iter::once(name)
            .chain(aliases.iter())
            .any(|n| h == *n || h.strip_prefix(n).is_some_and(|rest| rest.starts_with(' ')))
            .then_some(*column)
    })
}

/// One record of the file and the line it starts on.
#[derive(Debug)]
struct Record {
    line: usize,
    fields: Vec<String>,
}

impl Record {
    fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// `;` when the header has more of them than commas (outside quotes), else `,`.
fn separator(text: &str) -> char {
    let (mut quoted, mut semicolons, mut commas) = (false, 0, 0);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\n' | '\r' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas {
        ';'
    } else {
        ','
    }
}

/// Splits the text into records: quoted fields may hold separators, newlines and `""`.
fn records(text: &str, sep: char) -> Result<Vec<Record>, CatalogError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut record = Record {
        line,
        fields: Vec::new(),
    };
    let mut field = String::new();
    let mut at_field_start = true;
    let mut quoted = false;
    let mut quote_line = 0;
    while let Some(ch) = chars.next() {
        let newline = ch == '\n' || ch == '\r';
        if newline && ch == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
        }
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    match chars.peek() {
                        None | Some('\n' | '\r') => {}
                        Some(c) if *c == sep => {}
                        Some(_) => {
                            return Err(line_error(
                                line,
                                "text after the closing quote of a field (a quote inside a quoted field is written \"\")",
                            ))
                        }
                    }
                }
            } else if newline {
                field.push('\n');
                line += 1;
            } else {
                field.push(ch);
            }
            continue;
        }
        if ch == '"' && at_field_start {
            quoted = true;
            quote_line = line;
            at_field_start = false;
        } else if ch == sep {
            record.fields.push(std::mem::take(&mut field));
            at_field_start = true;
        } else if newline {
            record.fields.push(std::mem::take(&mut field));
            line += 1;
            out.push(std::mem::replace(
                &mut record,
                Record {
                    line,
                    fields: Vec::new(),
                },
            ));
            at_field_start = true;
        } else {
            field.push(ch);
            at_field_start = false;
        }
    }
    if quoted {
        return Err(line_error(quote_line, "a quoted field is not closed"));
    }
    if !field.is_empty() || !record.fields.is_empty() {
        record.fields.push(field);
        out.push(record);
    }
    Ok(out)
}

/// A date of the catalog: `15/02/2021` (day first) or `2021-02-15`; empty is none.
fn date(line: usize, column: &str, text: &str) -> Result<Option<NaiveDate>, CatalogError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map(Some)
        .map_err(|_| {
            line_error(
                line,
                format!(
                    "{column} '{text}' is not a date like 15/02/2021 (day first) or 2021-02-15"
                ),
            )
        })
}

/// A number of at most `width` digits, written with its leading zeros (`1` → `01`).
fn padded(line: usize, column: &str, text: &str, width: usize) -> Result<String, CatalogError> {
    let t = text.trim();
    if !t.is_empty() && t.len() <= width && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("{t:0>width$}"))
    } else {
        Err(line_error(
            line,
            format!("{column} '{t}' is not a number of 1 to {width} digits"),
        ))
    }
}

/// Trimmed, with every run of spaces and newlines as one space (names are shown on one line).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Reads the catalog: one entry per row, in file order.
pub fn read(bytes: &[u8]) -> Result<Vec<TaxonomyEntry>, CatalogError> {
    let text = std::str::from_utf8(bytes).map_err(|e| CatalogError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = records(text, separator(text))?.into_iter();
    let header = rows
        .by_ref()
        .find(|r| !r.is_blank())
        .ok_or(CatalogError::NoHeader)?;
    let mut index: HashMap<Column, usize> = HashMap::new();
    for (i, name) in header.fields.iter().enumerate() {
        let Some(column) = column_of(name) else {
            continue;
        };
        if let Some(first) = index.insert(column, i) {
            return Err(line_error(
                header.line,
                format!(
                    "columns {} and {} are both '{}'",
                    first + 1,
                    i + 1,
                    one_line(name)
                ),
            ));
        }
    }
    let missing: Vec<&'static str> = COLUMNS
        .iter()
        .filter(|c| c.3 && !index.contains_key(&c.0))
        .map(|c| c.1)
        .collect();
    if !missing.is_empty() {
        return Err(CatalogError::MissingColumns { missing });
    }
    let mut reader = RowReader::default();
    let mut entries = Vec::new();
    for record in rows.filter(|r| !r.is_blank()) {
        let get = |column: Column| -> &str {
            index
                .get(&column)
                .and_then(|i| record.fields.get(*i))
                .map_or("", String::as_str)
        };
        entries.push(reader.entry(record.line, get)?);
    }
    if entries.is_empty() {
        return Err(CatalogError::NoRows);
    }
    Ok(entries)
}

/// What earlier rows said: names carried down, codes already seen.
#[derive(Default)]
struct RowReader {
    type_names: HashMap<String, String>,
    macro_areas: HashMap<String, (String, Option<String>)>,
    codes: HashMap<TaxonomyCode, usize>,
}

impl RowReader {
    fn entry<'r>(
        &mut self,
        line: usize,
        get: impl Fn(Column) -> &'r str,
    ) -> Result<TaxonomyEntry, CatalogError> {
        let institution_type = padded(line, COLUMNS[0].1, get(Column::TypeCode), 2)?;
        let macro_area = padded(line, COLUMNS[2].1, get(Column::MacroArea), 2)?;
        let service_type = padded(line, COLUMNS[5].1, get(Column::ServiceType), 3)?;
        let reason = get(Column::LegalReason).trim();
        if reason.len() != 2 || !reason.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(line_error(
                line,
                format!(
                    "{} '{reason}' is not 2 capital letters, e.g. TS",
                    COLUMNS[8].1
                ),
            ));
        }
        let text = format!("{institution_type}{macro_area}{service_type}{reason}");
        let code =
            TaxonomyCode::parse("code", &text).map_err(|e| line_error(line, e.to_string()))?;
        let collection = get(Column::Collection).trim();
        if !collection.is_empty() && collection != code.category() {
            return Err(line_error(
                line,
                format!(
                    "DATI SPECIFICI DI INCASSO '{collection}' does not match the code the row's columns give, {}",
                    code.category()
                ),
            ));
        }
        if let Some(first) = self.codes.insert(code.clone(), line) {
            return Err(line_error(
                line,
                format!("code {code} is already on line {first}"),
            ));
        }

        let type_name = match optional(get(Column::TypeName)) {
            Some(name) => one_line(&name),
            None => self.type_names.get(&institution_type).cloned().ok_or_else(|| {
                line_error(
                    line,
                    format!("TIPO ENTE CREDITORE is empty and no earlier row names institution type {institution_type}"),
                )
            })?,
        };
        self.type_names
            .insert(institution_type.clone(), type_name.clone());
        let area_key = format!("{institution_type}{macro_area}");
        let (macro_name, macro_description) = match optional(get(Column::MacroName)) {
            Some(name) => (one_line(&name), optional(get(Column::MacroDescription))),
            None => self.macro_areas.get(&area_key).cloned().ok_or_else(|| {
                line_error(
                    line,
                    format!(
                        "NOME MACRO AREA is empty and no earlier row names macro area {area_key}"
                    ),
                )
            })?,
        };
        self.macro_areas
            .insert(area_key, (macro_name.clone(), macro_description.clone()));
        let service_name = optional(get(Column::ServiceName))
            .map(|n| one_line(&n))
            .ok_or_else(|| line_error(line, "TIPO SERVIZIO is empty"))?;

        let valid_from = date(line, "DATA INIZIO VALIDITA", get(Column::ValidFrom))?;
        let valid_to = date(line, "DATA FINE VALIDITA", get(Column::ValidTo))?;
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to < from {
                return Err(line_error(
                    line,
                    format!("DATA FINE VALIDITA {to} is before DATA INIZIO VALIDITA {from}"),
                ));
            }
        }
        Ok(TaxonomyEntry {
            code,
            institution_type_name: type_name,
            macro_area_name: macro_name,
            macro_area_description: macro_description,
            service_type_name: service_name,
            service_type_description: optional(get(Column::ServiceDescription)),
            valid_from,
            valid_to,
        })
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
