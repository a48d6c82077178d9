//! What the generator produced, counted while generating: [`GenStats`] (records, hard-negative
//! groups, and for every corruption how many records were eligible and how many received it, per
//! profile; the English-only corruptions only for [`Locale::En`]). Counted per chunk and summed
//! in chunk order, so the numbers are deterministic too.

use serde::Serialize;

use super::Profile;
use super::config::{Corruption, EnCorruption, GenConfig, Locale};
use super::people::{Group, HouseholdRole, LinkRole, Person};

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Eligible and applied counts of one corruption in one profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Records that could receive the corruption (and were rolled for it).
    pub eligible: u64,
    /// Records that received it.
    pub applied: u64,
}

impl Count {
    /// `applied ÷ eligible`, or 0 when nothing was eligible.
    pub fn rate(&self) -> f64 {
        if self.eligible == 0 { 0.0 } else { self.applied as f64 / self.eligible as f64 }
    }
}

/// The counts of one corruption.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorruptionStat {
    /// The corruption's name ([`Corruption::name`]).
    pub name: &'static str,
    /// Its configured rate (noisy profile; the clean profile uses it × `original_noise`).
    pub rate: f64,
    /// Counts over clean-profile records.
    pub clean: Count,
    /// Counts over noisy-profile records.
    pub noisy: Count,
}

/// Everything counted during a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenStats {
    /// Entities generated (the population).
    pub entities: u64,
    /// Records written (all files).
    pub records: u64,
    /// Records of the clean profile (dedupe originals, registry rows).
    pub clean_records: u64,
    /// Records of the noisy profile (dedupe copies, agency rows, registry copies).
    pub noisy_records: u64,
    /// `dedupe`: entities with at least one extra copy; `link`: agency people with internal
    /// duplicates.
    pub entities_with_copies: u64,
    /// `link`: registry people with extra copies in the registry
    /// ([`GenConfig::registry_dup_rate`]); serialised only when not 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub registry_entities_with_copies: u64,
    /// `link`: registry rows.
    pub registry_records: u64,
    /// `link`: agency rows.
    pub agency_records: u64,
    /// `link`: entities in the registry only, in both files, in the agency only (0 in `dedupe`).
    pub registry_only: u64,
    /// See `registry_only`.
    pub both: u64,
    /// See `registry_only`.
    pub agency_only: u64,
    /// Households (multi-person).
    pub households: u64,
    /// People living in them.
    pub household_members: u64,
    /// Pairs of twins.
    pub twin_pairs: u64,
    /// Sons with their father's full name.
    pub namesakes: u64,
    /// Common-name clusters defined.
    pub clusters: u64,
    /// People in them.
    pub cluster_members: u64,
    /// CCCD, CMND or phone numbers that repeat an earlier person's because more people shared
    /// a prefix than it has numbers (10^6 per CCCD prefix, 10^7 per phone prefix): 0 below
    /// hundreds of millions of people.
    pub ids_reused: u64,
    /// One entry per corruption, in the order of [`Corruption::ALL`].
    pub corruptions: Vec<CorruptionStat>,
    /// [`Locale::En`]: one entry per English-only corruption, in the order of
    /// [`EnCorruption::ALL`]; empty (and not serialised) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub en_corruptions: Vec<CorruptionStat>,
}

impl GenStats {
    /// The counts of `c`.
    pub fn corruption(&self, c: Corruption) -> &CorruptionStat {
        &self.corruptions[c.index()]
    }

    /// The counts of `c`, for [`Locale::En`] (`None` for the other locales).
    pub fn en_corruption(&self, c: EnCorruption) -> Option<&CorruptionStat> {
        self.en_corruptions.get(c.index())
    }
}

/// The accumulator behind [`GenStats`].
#[derive(Clone, Debug)]
pub(crate) struct StatsAcc {
    pub(crate) s: GenStats,
}

impl StatsAcc {
    pub(crate) fn new(cfg: &GenConfig) -> Self {
        StatsAcc {
            s: GenStats {
                entities: 0,
                records: 0,
                clean_records: 0,
                noisy_records: 0,
                entities_with_copies: 0,
                registry_entities_with_copies: 0,
                registry_records: 0,
                agency_records: 0,
                registry_only: 0,
                both: 0,
                agency_only: 0,
                households: 0,
                household_members: 0,
                twin_pairs: 0,
                namesakes: 0,
                clusters: 0,
                cluster_members: 0,
                ids_reused: 0,
                corruptions: Corruption::ALL
                    .iter()
                    .map(|&c| CorruptionStat {
                        name: c.name(),
                        rate: cfg.rates.get(c),
                        clean: Count::default(),
                        noisy: Count::default(),
                    })
                    .collect(),
                en_corruptions: if cfg.locale == Locale::En {
                    EnCorruption::ALL
                        .iter()
                        .map(|&c| CorruptionStat {
                            name: c.name(),
                            rate: cfg.en_rates.get(c),
                            clean: Count::default(),
                            noisy: Count::default(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            },
        }
    }

    pub(crate) fn count(&mut self, profile: Profile, c: Corruption, hit: bool) {
        Self::count_in(&mut self.s.corruptions[c.index()], profile, hit);
    }

    /// Counts a roll of an English-only corruption (a no-op outside [`Locale::En`]).
    pub(crate) fn count_en(&mut self, profile: Profile, c: EnCorruption, hit: bool) {
        if let Some(e) = self.s.en_corruptions.get_mut(c.index()) {
            Self::count_in(e, profile, hit);
        }
    }

    fn count_in(e: &mut CorruptionStat, profile: Profile, hit: bool) {
        let k = match profile {
            Profile::Clean => &mut e.clean,
            Profile::Noisy => &mut e.noisy,
        };
        k.eligible += 1;
        k.applied += u64::from(hit);
    }

    pub(crate) fn record(&mut self, profile: Profile) {
        self.s.records += 1;
        match profile {
            Profile::Clean => self.s.clean_records += 1,
            Profile::Noisy => self.s.noisy_records += 1,
        }
    }

    /// Counts the population facts of one person (its link role only for the `link` shape).
    pub(crate) fn person(&mut self, p: &Person, link: bool) {
        let s = &mut self.s;
        s.entities += 1;
        match p.group {
            Group::Household { role, .. } => {
                s.household_members += 1;
                s.households += u64::from(role == HouseholdRole::Head);
            }
            Group::Cluster { .. } => s.cluster_members += 1,
            Group::None => {}
        }
        // Both twins are counted; `finish` halves.
        s.twin_pairs += u64::from(p.twin && matches!(p.group, Group::Household { .. }));
        s.namesakes += u64::from(p.namesake);
        if !link {
            return;
        }
        match p.link_role {
            LinkRole::RegistryOnly => s.registry_only += 1,
            LinkRole::Both => s.both += 1,
            LinkRole::AgencyOnly => s.agency_only += 1,
        }
    }

    /// Adds `other` (a later chunk) to `self`.
    pub(crate) fn merge(&mut self, other: &StatsAcc) {
        let (a, b) = (&mut self.s, &other.s);
        a.entities += b.entities;
        a.records += b.records;
        a.clean_records += b.clean_records;
        a.noisy_records += b.noisy_records;
        a.entities_with_copies += b.entities_with_copies;
        a.registry_entities_with_copies += b.registry_entities_with_copies;
        a.registry_records += b.registry_records;
        a.agency_records += b.agency_records;
        a.registry_only += b.registry_only;
        a.both += b.both;
        a.agency_only += b.agency_only;
        a.households += b.households;
        a.household_members += b.household_members;
        a.twin_pairs += b.twin_pairs;
        a.namesakes += b.namesakes;
        a.cluster_members += b.cluster_members;
        for (x, y) in a
            .corruptions
            .iter_mut()
            .zip(&b.corruptions)
            .chain(a.en_corruptions.iter_mut().zip(&b.en_corruptions))
        {
            x.clean.eligible += y.clean.eligible;
            x.clean.applied += y.clean.applied;
            x.noisy.eligible += y.noisy.eligible;
            x.noisy.applied += y.noisy.applied;
        }
    }

    /// The final statistics; twins were counted per person, hence halved.
    pub(crate) fn finish(&self, clusters: u64, ids_reused: u64) -> GenStats {
        let mut s = self.s.clone();
        s.twin_pairs /= 2;
        s.clusters = clusters;
        s.ids_reused = ids_reused;
        s
    }
}
