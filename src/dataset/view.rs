//! A person store opened for matching ([`View`]), two joined for a link ([`Joined`]).

use std::path::{Path, PathBuf};

use super::layout::{
    BuildMeta, EXTRA_HASHES, FEATURES, META, NAME_ASCII, NAME_COUNTS, NAME_TEXT, PART_COUNTS,
    RECORD_ID, WARNINGS, extra_text_column,
};
use crate::compare::{Features, Records};
use crate::error::{Error, Result};
use crate::schema::{ExtraField, MAX_EXTRA};
use crate::store::{RecordColumn, Store, StrColumn};

/// A person store opened for matching: the store and its typed columns.
#[derive(Debug)]
pub struct View<'s> {
    store: &'s Store,
    features: RecordColumn<'s, Features>,
    name_ascii: StrColumn<'s>,
    extra_hashes: Option<RecordColumn<'s, [u64; MAX_EXTRA]>>,
    extra_texts: Vec<StrColumn<'s>>,
    extras: Vec<ExtraField>,
}

impl<'s> View<'s> {
    /// Opens the typed columns of a person store (validating the sections they use).
    pub fn new(store: &'s Store) -> Result<View<'s>> {
        let features = store.record_column::<Features>(FEATURES)?;
        let name_ascii = store.str_column(NAME_ASCII)?;
        let mut view = View {
            store,
            features,
            name_ascii,
            extra_hashes: None,
            extra_texts: Vec::new(),
            extras: Vec::new(),
        };
        let extras = view.meta()?.extras;
        if extras.len() > MAX_EXTRA {
            return Err(Error::Corrupt {
                path: store.path().to_path_buf(),
                section: META.into(),
                offset: 0,
                reason: format!("{} extra fields (at most {MAX_EXTRA})", extras.len()),
            });
        }
        if !extras.is_empty() {
            view.extra_hashes = Some(store.record_column::<[u64; MAX_EXTRA]>(EXTRA_HASHES)?);
            view.extra_texts = (0..extras.len())
                .map(|j| store.str_column(extra_text_column(j).as_str()))
                .collect::<Result<_>>()?;
        }
        view.extras = extras;
        Ok(view)
    }

    /// The extra fields of the store, in column order.
    pub fn extras(&self) -> &[ExtraField] {
        &self.extras
    }

    /// The store.
    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// The record ids column.
    pub fn record_ids(&self) -> Result<StrColumn<'s>> {
        self.store.str_column(RECORD_ID)
    }

    /// The build metadata.
    pub fn meta(&self) -> Result<BuildMeta> {
        let bytes = self.store.global(META)?;
        serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
            path: self.store.path().to_path_buf(),
            section: META.into(),
            offset: 0,
            reason: e.to_string(),
        })
    }
}

impl Records for View<'_> {
    fn len(&self) -> usize {
        self.features.len() as usize
    }
    #[inline]
    fn features(&self, i: u32) -> &Features {
        self.features.get(u64::from(i))
    }
    #[inline]
    fn name_ascii(&self, i: u32) -> &str {
        self.name_ascii.get(u64::from(i))
    }
    #[inline]
    fn extra_hashes(&self, i: u32) -> &[u64; MAX_EXTRA] {
        self.extra_hashes.as_ref().map_or(&crate::compare::NO_EXTRAS, |c| c.get(u64::from(i)))
    }
    fn extra_text(&self, i: u32, j: usize) -> &str {
        self.extra_texts.get(j).map_or("", |c| c.get(u64::from(i)))
    }
    fn extra_fields(&self) -> &[ExtraField] {
        &self.extras
    }
}

/// Two stores joined for a link: records of `left` first, then those of `right`.
#[derive(Debug)]
pub struct Joined<'a, 's> {
    /// The first source.
    pub left: &'a View<'s>,
    /// The second source.
    pub right: &'a View<'s>,
    split: u32,
    /// Whether both sides have the same extra fields (see [`Joined::check_extras`]).
    same_extras: bool,
}

impl<'a, 's> Joined<'a, 's> {
    /// Joins two views.
    pub fn new(left: &'a View<'s>, right: &'a View<'s>) -> Self {
        let same_extras = ExtraField::same_fields(left.extras(), right.extras());
        Joined { left, right, split: left.len() as u32, same_extras }
    }

    /// The number of records of the first source.
    pub fn split(&self) -> u32 {
        self.split
    }

    /// An error when the two sources have different extra fields (a link compares extra
    /// fields only when both have the same ones, by name and kind, in order).
    pub fn check_extras(&self) -> Result<()> {
        let (l, r) = (self.left.extras(), self.right.extras());
        if self.same_extras {
            return Ok(());
        }
        let list = |v: &[ExtraField]| {
            let names: Vec<String> = v.iter().map(|e| format!("{} ({})", e.name, e.kind)).collect();
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        };
        Err(Error::Config {
            path: Some(self.right.store().path().to_path_buf()),
            key: "columns".into(),
            reason: format!(
                "the two sources have different extra fields: {} has {}, {} has {}; map the \
                 columns of both with one config (`--config`)",
                self.left.store().path().display(),
                list(l),
                self.right.store().path().display(),
                list(r)
            ),
        })
    }
}

impl Records for Joined<'_, '_> {
    fn len(&self) -> usize {
        self.left.len() + self.right.len()
    }
    #[inline]
    fn features(&self, i: u32) -> &Features {
        if i < self.split { self.left.features(i) } else { self.right.features(i - self.split) }
    }
    #[inline]
    fn name_ascii(&self, i: u32) -> &str {
        if i < self.split { self.left.name_ascii(i) } else { self.right.name_ascii(i - self.split) }
    }
    #[inline]
    fn extra_hashes(&self, i: u32) -> &[u64; MAX_EXTRA] {
        if i < self.split {
            self.left.extra_hashes(i)
        } else {
            self.right.extra_hashes(i - self.split)
        }
    }
    fn extra_text(&self, i: u32, j: usize) -> &str {
        if i < self.split {
            self.left.extra_text(i, j)
        } else {
            self.right.extra_text(i - self.split, j)
        }
    }
    /// The extra fields both sides share: the left's when the right has the same ones (by name
    /// and kind, in order), none otherwise ([`Joined::check_extras`] tells).
    fn extra_fields(&self) -> &[ExtraField] {
        if self.same_extras { self.left.extras() } else { &[] }
    }
}

/// Any number of stores one after the other, for a link-and-dedupe: record `i` of source `k` is
/// record `start(k) + i`. Matched as one dataset (pairs inside a source and across sources).
#[derive(Debug)]
pub struct Sources<'a, 's> {
    views: &'a [View<'s>],
    /// The first record of each source, then the total.
    starts: Vec<u32>,
}

impl<'a, 's> Sources<'a, 's> {
    /// The views, in order; an error when they do not all have the same extra fields (by
    /// name, kind and use, in order).
    pub fn new(views: &'a [View<'s>]) -> Result<Self> {
        if let Some((first, rest)) = views.split_first()
            && let Some(other) =
                rest.iter().find(|v| !ExtraField::same_fields(first.extras(), v.extras()))
        {
            Joined::new(first, other).check_extras()?;
        }
        let mut starts = Vec::with_capacity(views.len() + 1);
        let mut n = 0u32;
        for v in views {
            starts.push(n);
            n += v.len() as u32;
        }
        starts.push(n);
        Ok(Sources { views, starts })
    }

    /// The source of record `i` and its index there.
    #[inline]
    pub fn locate(&self, i: u32) -> (usize, u32) {
        let k = self.starts.partition_point(|&s| s <= i).saturating_sub(1);
        let k = k.min(self.views.len().saturating_sub(1));
        (k, i - self.starts[k])
    }

    /// The views.
    pub fn views(&self) -> &[View<'s>] {
        self.views
    }
}

impl Records for Sources<'_, '_> {
    fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0) as usize
    }
    #[inline]
    fn features(&self, i: u32) -> &Features {
        let (k, j) = self.locate(i);
        self.views[k].features(j)
    }
    #[inline]
    fn name_ascii(&self, i: u32) -> &str {
        let (k, j) = self.locate(i);
        self.views[k].name_ascii(j)
    }
    #[inline]
    fn extra_hashes(&self, i: u32) -> &[u64; MAX_EXTRA] {
        let (k, j) = self.locate(i);
        self.views[k].extra_hashes(j)
    }
    fn extra_text(&self, i: u32, j: usize) -> &str {
        let (k, r) = self.locate(i);
        self.views[k].extra_text(r, j)
    }
    fn extra_fields(&self) -> &[ExtraField] {
        self.views.first().map_or(&[], |v| v.extras())
    }
}

/// Whether a path names a store (by its magic bytes) rather than a CSV file.
pub fn is_store(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    // Only a regular file can be a store (opening a FIFO to look would block).
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == crate::store::format::MAGIC)
}

/// A default output path for the store of a CSV input: `INPUT.vnl` beside it.
pub fn default_store_path(input: &Path) -> PathBuf {
    input.with_extension("vnl")
}

/// Read-only accessors for reports such as `vnlink inspect`: the typed columns a [`View`] holds,
/// the canonical names, and the name term-frequency table.
impl<'s> View<'s> {
    /// The features column (one [`Features`] per record).
    pub fn features_column(&self) -> &RecordColumn<'s, Features> {
        &self.features
    }

    /// The ASCII full names column ([`NAME_ASCII`]).
    pub fn name_ascii_column(&self) -> &StrColumn<'s> {
        &self.name_ascii
    }

    /// The canonical full names column ([`NAME_TEXT`]: lower case, with diacritics, tokens
    /// joined by one space, one token per token of the ASCII name).
    pub fn name_texts(&self) -> Result<StrColumn<'s>> {
        self.store.str_column(NAME_TEXT)
    }

    /// The preparation warnings column ([`WARNINGS`]: bit flags of
    /// [`warning`](super::prepare::warning)).
    pub fn warnings(&self) -> Result<crate::store::Column<'s, u32>> {
        self.store.column::<u32>(WARNINGS)
    }

    /// The name term frequencies ([`NAME_COUNTS`]): the distinct non-zero
    /// [`Features::name_ascii`] hashes, ascending, and the number of records with each.
    pub fn name_counts(&self) -> Result<(&'s [u64], &'s [u32])> {
        self.term_counts(NAME_COUNTS)
    }

    /// The term frequencies of family names, given names and streets ([`PART_COUNTS`], in that
    /// order): the distinct non-zero hashes of [`Features::family`], [`Features::given`] and
    /// [`Features::street`] (widened to `u64`), ascending, and the number of records with each.
    pub fn part_counts(&self) -> Result<[(&'s [u64], &'s [u32]); 3]> {
        Ok([
            self.term_counts(PART_COUNTS[0])?,
            self.term_counts(PART_COUNTS[1])?,
            self.term_counts(PART_COUNTS[2])?,
        ])
    }

    /// A term-frequency global section, validated: keys strictly ascending, one count each.
    fn term_counts(&self, section: &str) -> Result<(&'s [u64], &'s [u32])> {
        let bytes = self.store.global(section)?;
        let corrupt = |reason: &str| Error::Corrupt {
            path: self.store.path().to_path_buf(),
            section: section.into(),
            offset: 0,
            reason: reason.into(),
        };
        if bytes.len() % 12 != 0 {
            return Err(corrupt("length is not a multiple of 12 bytes"));
        }
        let (hashes, counts) = bytes.split_at(bytes.len() / 12 * 8);
        let hashes: &[u64] = bytemuck::try_cast_slice(hashes)
            .map_err(|_| corrupt("hashes are not aligned to 8 bytes"))?;
        let counts: &[u32] = bytemuck::try_cast_slice(counts)
            .map_err(|_| corrupt("counts are not aligned to 4 bytes"))?;
        if !hashes.windows(2).all(|w| w[0] < w[1]) {
            return Err(corrupt("hashes are not strictly ascending"));
        }
        Ok((hashes, counts))
    }
}

impl Store {
    /// The id of record `i` of a person store.
    pub fn record_id(&self, i: u32) -> Result<&str> {
        let ids = self.str_column(RECORD_ID)?;
        ids.try_get(u64::from(i)).ok_or_else(|| Error::OutOfRange {
            path: Some(self.path().to_path_buf()),
            what: "record",
            index: u64::from(i),
            len: ids.len(),
        })
    }
}
