//! Spreadsheet formula escaping of CSV cells (CSV injection): the output writers escape cells
//! that a spreadsheet would run, the readers of those files (evaluation) undo it. Pure functions.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula (OWASP's list for CSV
/// injection): `=`, `+`, `-`, `@`, tab and carriage return.
pub const FORMULA_CHARS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` with a `'` in front if it starts with one of [`FORMULA_CHARS`], so that a spreadsheet
/// shows it as text instead of running it (`=HYPERLINK(…)` becomes `'=HYPERLINK(…)`).
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_CHARS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`escape_formula`]: drops one leading `'` when a formula character follows it.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_CHARS) => rest,
        _ => cell,
    }
}
