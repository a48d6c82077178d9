//! The reference model of Vietnamese person records: m and u of every comparison level counted
//! with known truth on a large generated population (not estimated by EM), compiled into the
//! binary from `data/model/reference.json`.
//!
//! It is the model of last resort and the prior of every other:
//!
//! * lookups ([`Matcher::query`](crate::pipeline::Matcher::query)) use it when neither the
//!   matcher nor the store carries a model, so that they never train at start-up;
//! * training starts EM from its m and holds m near it with pseudo-counts (a Dirichlet prior,
//!   `train.prior_strength`), and falls back to its m when the data cannot support training (a
//!   clean register has no duplicates to learn from);
//! * supervised training (`vnlink train --labels` / `--truth`) uses it as the prior of m too.
//!
//! The six fixed fields (name, dob, address, id, phone, sex) come from a Vietnamese population;
//! the extra field kinds (e-mail, postcode, code, text, numeric) from an English-language one,
//! by kind. `examples/fit_reference.rs` refits it (the exact command is in
//! `data/model/README.md`); `vnlink train --reference` prints it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::{Field, Level, Model};

/// The embedded reference, as written by `examples/fit_reference.rs`.
const REFERENCE_JSON: &str = include_str!("../../data/model/reference.json");

/// The reference model file: the six fixed fields and the levels of each extra field kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Version of the reference (`vn-person-N`); a refit with other data or levels bumps it.
    pub version: String,
    /// How it was fitted: generator, population, seeds, counts.
    pub fitted: serde_json::Value,
    /// The model of the six fixed fields (its prior is the generated population's).
    pub model: Model,
    /// Levels of the extra field kinds, by kind name (`email`, `postcode`, `code`, `text`,
    /// `numeric`).
    pub extra_kinds: BTreeMap<String, Vec<Level>>,
}

impl Reference {
    /// The levels of the fixed field called `name`, if it is one of the six.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.model.fields.iter().find(|f| f.name == name)
    }

    /// The levels of an extra field of kind `kind` (its [`FieldKind::as_str`] name).
    ///
    /// [`FieldKind::as_str`]: crate::schema::FieldKind::as_str
    pub fn kind(&self, kind: &str) -> Option<&[Level]> {
        self.extra_kinds.get(kind).map(Vec::as_slice)
    }

    /// The reference as pretty JSON (what `vnlink train --reference` prints).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// The embedded reference model (parsed once).
///
/// # Panics
/// If the embedded file does not parse or validate: a build defect, caught by the tests.
pub fn reference() -> &'static Reference {
    static CELL: OnceLock<Reference> = OnceLock::new();
    CELL.get_or_init(|| {
        let r: Reference = serde_json::from_str(REFERENCE_JSON)
            .unwrap_or_else(|e| panic!("embedded data/model/reference.json: {e}"));
        if let Err(e) = r.model.validate(std::path::Path::new("data/model/reference.json")) {
            panic!("embedded reference model: {e}");
        }
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_reference_parses_validates_and_round_trips() {
        let r = reference();
        assert!(r.version.starts_with("vn-person-"), "{}", r.version);
        let names: Vec<&str> = r.model.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, crate::compare::FIELD_NAMES);
        for (f, labels) in r.model.fields.iter().zip(crate::compare::LEVELS) {
            let have: Vec<&str> = f.levels.iter().map(|l| l.label.as_str()).collect();
            assert_eq!(have, labels, "field {}", f.name);
        }
        for kind in ["email", "postcode", "code", "text", "numeric"] {
            let k = crate::schema::FieldKind::parse(kind).expect("a kind");
            let want = crate::compare::extra::levels(k);
            let have: Vec<&str> =
                r.kind(kind).expect("every extra kind").iter().map(|l| l.label.as_str()).collect();
            assert_eq!(have, want, "kind {kind}");
        }
        let back: Reference = serde_json::from_str(&r.to_json()).expect("round trip");
        assert_eq!(&back, r);
    }
}
