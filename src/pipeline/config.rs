//! A run's configuration: [`MatchConfig`] (the keys of a TOML or JSON configuration file),
//! [`Threshold`], and [`ConfigFile`], a configuration file as read, with errors that name the
//! line, column and key path.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::block::Blocking;
use crate::error::{Error, Result};
use crate::model::train::TrainOptions;
use crate::model::weight_of_probability;

/// Where pairs are cut: a match probability or a match weight. In a configuration file:
/// `threshold = 0.9` (a probability), `threshold = { probability = 0.9 }` or
/// `threshold = { weight = 12 }`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", from = "ThresholdRepr")]
pub enum Threshold {
    /// Keep pairs whose match probability is at least this (0 < p < 1).
    Probability(f64),
    /// Keep pairs whose match weight is at least this.
    Weight(f64),
}

impl Threshold {
    /// The threshold as a match weight.
    pub fn weight(self) -> f64 {
        match self {
            Threshold::Probability(p) => weight_of_probability(p),
            Threshold::Weight(w) => w,
        }
    }
}

/// A threshold as configuration files write it: a bare number is a probability.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a probability (0.9), { probability = 0.9 } or { weight = 12 }"
)]
enum ThresholdRepr {
    Bare(f64),
    Tagged(TaggedThreshold),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum TaggedThreshold {
    Probability(f64),
    Weight(f64),
}

impl From<ThresholdRepr> for Threshold {
    fn from(t: ThresholdRepr) -> Threshold {
        match t {
            ThresholdRepr::Bare(p) | ThresholdRepr::Tagged(TaggedThreshold::Probability(p)) => {
                Threshold::Probability(p)
            }
            ThresholdRepr::Tagged(TaggedThreshold::Weight(w)) => Threshold::Weight(w),
        }
    }
}

/// The default threshold: a match probability of 0.95.
pub const DEFAULT_THRESHOLD: Threshold = Threshold::Probability(0.95);

/// Everything a [`Matcher`](crate::pipeline::Matcher) can be configured with; the JSON/TOML config file has these keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchConfig {
    /// The column mapping (`[[columns]]`): which header holds which field kind. Empty: inferred
    /// from the headers and values ([`crate::dataset::infer`]). Used when reading CSV input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<crate::schema::ColumnConfig>,
    /// Blocking rules.
    pub blocking: Blocking,
    /// Training settings (used when no model is given).
    pub train: TrainOptions,
    /// Where pairs are cut.
    pub threshold: Threshold,
    /// Never cluster two records with different valid CCCDs (a one-digit typo excepted).
    pub cannot_link: bool,
    /// Link: keep each record's best pair only, on both sides.
    pub one_to_one: bool,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            columns: Vec::new(),
            blocking: Blocking::default(),
            train: TrainOptions::default(),
            threshold: DEFAULT_THRESHOLD,
            cannot_link: true,
            one_to_one: false,
        }
    }
}

impl MatchConfig {
    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        self.blocking.validate()?;
        let bad = match self.threshold {
            Threshold::Probability(p) if !(p > 0.0 && p < 1.0) => {
                Some(format!("a probability threshold must be in (0, 1), found {p}"))
            }
            // A weight is a log2 Bayes factor: ±1000 is already beyond any pair's reach, and a
            // non-finite one (NaN, ±inf, an overflowing 1e309) would keep every pair or none.
            Threshold::Weight(w) if !(w.is_finite() && w.abs() <= 1000.0) => Some(format!(
                "a match weight threshold must be a number in [-1000, 1000], found {w}"
            )),
            _ => None,
        };
        if let Some(reason) = bad {
            return Err(Error::Config { path: None, key: "threshold".into(), reason });
        }
        self.train.validate()
    }
}

/// A configuration file as read: the configuration and which blocking keys it set (omitted keys
/// keep their defaults; omitted rules are the ones that go with the input).
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The configuration.
    pub config: MatchConfig,
    /// Whether the file set `blocking.rules` (learning is then off unless the file turns it
    /// on).
    pub gives_rules: bool,
    /// Whether the file set `blocking.max_block`.
    pub gives_max_block: bool,
}

impl ConfigFile {
    /// Reads a configuration from TOML (`.toml`) or JSON. Errors name the file, the line and
    /// column, and the key path (`blocking.rules[1].fields`). The values are not checked yet, so
    /// that command-line flags can override them first: call [`MatchConfig::validate`] then
    /// (and [`ConfigFile::attribute`] to name this file in its error).
    pub fn read(path: &Path) -> Result<ConfigFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let config_error =
            |key: String, reason: String| Error::Config { path: Some(path.into()), key, reason };
        let (config, gives): (MatchConfig, [bool; 2]) = if is_toml {
            let cfg = toml::from_str(&text).map_err(|e| {
                let (line, column, key) = toml_location(&text, e.span().map_or(0, |s| s.start));
                let reason = format!("line {line} column {column}: {}", e.message());
                config_error(key.unwrap_or_else(|| format!("line {line}")), reason)
            })?;
            let table: toml::Table = toml::from_str(&text).unwrap_or_default();
            let blocking = table.get("blocking").and_then(toml::Value::as_table);
            let has = |k: &str| blocking.is_some_and(|b| b.contains_key(k));
            (cfg, [has("rules"), has("max_block")])
        } else {
            let cfg = serde_json::from_str(&text)
                .map_err(|e| config_error(format!("line {}", e.line()), e.to_string()))?;
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let has = |k: &str| value.get("blocking").and_then(|b| b.get(k)).is_some();
            (cfg, [has("rules"), has("max_block")])
        };
        let mut config: MatchConfig = config;
        // Rules written by hand are the run's rules: nothing is learned on top of them unless
        // the file asks for it (`blocking.learn.enabled = true`).
        if gives[0] && config.blocking.learn.enabled.is_none() {
            config.blocking.learn.enabled = Some(false);
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            config,
            gives_rules: gives[0],
            gives_max_block: gives[1],
        })
    }

    /// `e` naming this file when it is a configuration error without a file.
    pub fn attribute(&self, e: Error) -> Error {
        match e {
            Error::Config { path: None, key, reason } => {
                Error::Config { path: Some(self.path.clone()), key, reason }
            }
            e => e,
        }
    }
}

/// The line, column and key path of byte `at` of a TOML text: the path of the table the line is
/// in (arrays of tables with their index, `blocking.rules[1]`) and the key the line sets, if any.
fn toml_location(text: &str, at: usize) -> (usize, usize, Option<String>) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text.get(line_start..at).map_or(1, |s| s.chars().count() + 1);
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key = String::new();
    for (n, l) in text.lines().enumerate().take(line) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_owned();
            let i = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{i}]");
            *i += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            name.trim().clone_into(&mut table);
        } else if n + 1 == line
            && let Some((k, _)) = t.split_once('=')
        {
            k.trim().trim_matches('"').clone_into(&mut key);
        }
    }
    let path = match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    };
    (line, column, (!path.is_empty()).then_some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_the_table_and_key() {
        let text = "threshold = 0.9\n[blocking]\nmax_block = 5\n[[blocking.rules]]\nname = \"a\"\n\
                    [[blocking.rules]]\nfields = 3\n";
        let at = text.find("fields").unwrap_or(0);
        assert_eq!(toml_location(text, at), (7, 1, Some("blocking.rules[1].fields".into())));
        assert_eq!(toml_location(text, 0), (1, 1, Some("threshold".into())));
    }

    #[test]
    fn a_file_says_which_blocking_keys_it_sets() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[blocking]\nmax_block = 7\n").unwrap();
        let f = ConfigFile::read(&p).unwrap();
        assert!(!f.gives_rules && f.gives_max_block);
        assert_eq!(f.config.blocking.max_block, 7);
        std::fs::write(&p, "threshold = 2.0\n").unwrap();
        let f = ConfigFile::read(&p).unwrap();
        let e = f.config.validate().map_err(|e| f.attribute(e)).unwrap_err().to_string();
        assert!(e.contains("c.toml") && e.contains("threshold"), "{e}");
    }
}
