//! A generation request as a command line makes it: a configuration, a shape, and the
//! duplicates of the register given as optional rates and a "clean" switch ([`Duplicates`]),
//! resolved and checked by [`GenOptions::config`] for
//! [`generate_with_progress`](super::generate_with_progress).

use super::{GenConfig, Shape};
use crate::error::{Error, Result};

/// The duplicates of the register as asked for. A rate is an error with the shape it does not
/// apply to (`dup_rate`: dedupe, `registry_dup_rate`: link), and a non-zero one with `clean`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Duplicates {
    /// [`GenConfig::dup_rate`] (dedupe); `None`: the default.
    pub dup_rate: Option<f64>,
    /// [`GenConfig::registry_dup_rate`] (link); `None`: the default (0).
    pub registry_dup_rate: Option<f64>,
    /// A clean register, no person twice in it: the rate of the register is 0 (dedupe:
    /// `dup_rate`; link: `registry_dup_rate`, the agency file keeping
    /// [`GenConfig::agency_dup_rate`]). Nothing else changes.
    pub clean: bool,
}

/// What to generate: a shape, and [`GenOptions::config`], the configuration to generate it with.
#[derive(Clone, Debug, PartialEq)]
pub struct GenOptions {
    /// Every parameter but the duplicate rates, which [`GenOptions::duplicates`] sets.
    pub config: GenConfig,
    /// The output shape.
    pub shape: Shape,
    /// The duplicates of the register.
    pub duplicates: Duplicates,
}

impl GenOptions {
    /// The configuration with the duplicate rates of [`GenOptions::duplicates`], validated
    /// ([`GenConfig::validate`]); an [`Error::Config`] for rates that contradict the shape or
    /// `clean`.
    pub fn config(&self) -> Result<GenConfig> {
        let (dup_rate, registry_dup_rate) = self.dup_rates()?;
        let cfg = GenConfig { dup_rate, registry_dup_rate, ..self.config.clone() };
        cfg.validate()?;
        Ok(cfg)
    }

    /// `dup_rate` and `registry_dup_rate` (see [`Duplicates`]).
    fn dup_rates(&self) -> Result<(f64, f64)> {
        let d = &self.duplicates;
        let bad =
            |key: &str, reason: String| Error::Config { path: None, key: key.to_owned(), reason };
        let given = [("dup_rate", d.dup_rate), ("registry_dup_rate", d.registry_dup_rate)];
        for (key, rate) in given {
            if let Some(r) = rate
                && d.clean
                && r != 0.0
            {
                let flag = key.replace('_', "-");
                return Err(bad(
                    key,
                    format!(
                        "--clean and --{flag} {r} contradict each other: --clean writes no \
                         duplicates in the register; drop one of the two flags"
                    ),
                ));
            }
        }
        let nonzero = |rate: Option<f64>| rate.is_some_and(|r| r != 0.0);
        match self.shape {
            Shape::Dedupe if nonzero(d.registry_dup_rate) => {
                return Err(bad(
                    "registry_dup_rate",
                    "--registry-dup-rate applies to --shape link (registry.csv); the duplicates \
                     of records.csv are set by --dup-rate"
                        .into(),
                ));
            }
            Shape::Link if nonzero(d.dup_rate) => {
                return Err(bad(
                    "dup_rate",
                    "--dup-rate applies to --shape dedupe (records.csv); the duplicates of \
                     registry.csv are set by --registry-dup-rate, those of agency.csv by \
                     --agency-dup-rate"
                        .into(),
                ));
            }
            _ => {}
        }
        let c = &self.config;
        let dup_rate = match (self.shape, d.clean) {
            (Shape::Dedupe, true) => 0.0,
            _ => d.dup_rate.unwrap_or(c.dup_rate),
        };
        // With `clean` the registry rate is 0: its default, or given as 0.
        Ok((dup_rate, d.registry_dup_rate.unwrap_or(c.registry_dup_rate)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(shape: Shape, duplicates: Duplicates) -> GenOptions {
        GenOptions { config: GenConfig::default(), shape, duplicates }
    }

    fn rates(shape: Shape, duplicates: Duplicates) -> Result<(f64, f64)> {
        opts(shape, duplicates).config().map(|c| (c.dup_rate, c.registry_dup_rate))
    }

    #[test]
    fn duplicates_resolve_by_shape() {
        let d = GenConfig::default();
        let none = Duplicates::default();
        assert_eq!(rates(Shape::Dedupe, none).ok(), Some((d.dup_rate, 0.0)));
        let clean = Duplicates { clean: true, ..none };
        assert_eq!(rates(Shape::Dedupe, clean).ok(), Some((0.0, 0.0)));
        assert_eq!(rates(Shape::Link, clean).ok(), Some((d.dup_rate, 0.0)));
        let reg = Duplicates { registry_dup_rate: Some(0.2), ..none };
        assert_eq!(rates(Shape::Link, reg).ok(), Some((d.dup_rate, 0.2)));
        let zero = Duplicates { dup_rate: Some(0.0), clean: true, ..none };
        assert_eq!(rates(Shape::Dedupe, zero).ok(), Some((0.0, 0.0)));
    }

    #[test]
    fn contradictions_are_errors() {
        let none = Duplicates::default();
        let msg = |shape, d| rates(shape, d).err().map(|e| e.to_string()).unwrap_or_default();
        let m = msg(Shape::Dedupe, Duplicates { dup_rate: Some(0.2), clean: true, ..none });
        assert!(m.contains("--clean and --dup-rate 0.2"), "{m}");
        let m = msg(Shape::Dedupe, Duplicates { registry_dup_rate: Some(0.1), ..none });
        assert!(m.contains("--registry-dup-rate applies to --shape link"), "{m}");
        let m = msg(Shape::Link, Duplicates { dup_rate: Some(0.3), ..none });
        assert!(m.contains("--dup-rate applies to --shape dedupe"), "{m}");
        let m = msg(Shape::Dedupe, Duplicates { dup_rate: Some(0.6), ..none });
        assert!(m.contains("dup_rate") && m.contains("[0, 0.5]"), "{m}");
    }
}
