//! Person-record stores: building a `.vnl` file from CSV or from records in memory, and reading
//! it back as [`Records`] for matching.
//!
//! The generic container ([`crate::store`]) knows nothing of people; this module decides the
//! columns (see [`layout`]) and global sections of a person store, built in one streaming pass:
//! records are read a block at a time, prepared in parallel ([`Preparer`]), and written; the
//! blocking keys of the default rules go to posting lists (spilled to disk beyond a budget), and
//! name frequencies to a term-frequency table.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::block::Blocking;
use crate::compare::{Features, Records};
use crate::error::{Error, LayoutError, Result};
use crate::ingest::{CsvSource, IngestOptions, IngestReport, RawRecord};
use crate::model::Model;
use crate::pipeline::prepare::{Encodings, Prepared, Preparer, RawFields, warning};
pub use crate::schema::ExtraField;
use crate::schema::{FieldKind, MAX_EXTRA};
pub use crate::store::Store;
use crate::store::{
    BlockBuilder, ColumnBuf, ColumnType, PostingsBuilder, RecordColumn, Sink, StoreLayout,
    StoreWriter, StrBuf, StrColumn,
};

/// Column of the features.
pub const FEATURES: &str = "features";
/// Column of the record ids.
pub const RECORD_ID: &str = "record_id";
/// Columns of the original field texts, in [`FieldKind`] order (name, dob, sex, address, id, phone).
pub const RAW: [&str; 6] =
    ["raw.full_name", "raw.dob", "raw.sex", "raw.address", "raw.id_number", "raw.phone"];
/// The kinds of the raw columns ([`FieldKind::FIXED`]).
pub const RAW_KINDS: [FieldKind; 6] = FieldKind::FIXED;
/// Column of the canonical names.
pub const NAME_TEXT: &str = "name.text";
/// Column of the ASCII names.
pub const NAME_ASCII: &str = "name.ascii";
/// Column of the names' phonetic keys.
pub const NAME_PHONETIC: &str = "name.phonetic";
/// Column of the preparation warnings.
pub const WARNINGS: &str = "warnings";
/// Column of the extra fields' stored values (`[u64; MAX_EXTRA]` per record; only in stores
/// with extra fields).
pub const EXTRA_HASHES: &str = "extra.hashes";

/// The column of extra field `j`'s canonical texts.
pub fn extra_text_column(j: usize) -> String {
    format!("extra.{j}")
}

/// The column of extra field `j`'s original texts.
pub fn extra_raw_column(j: usize) -> String {
    format!("raw.extra.{j}")
}
/// Global section: build metadata (JSON).
pub const META: &str = "vnlink.meta";
/// Global section: name term frequencies (`u64` name hashes ascending, then `u32` counts).
pub const NAME_COUNTS: &str = "vnlink.name_counts";
/// Global section: the model saved with the store (JSON, as `model.json`), used by lookups.
pub const MODEL: &str = "vnlink.model";
/// Global sections: term frequencies of family names, given names and streets (the hashes of
/// `Features::family`, `Features::given` and `Features::street`, same layout as
/// [`NAME_COUNTS`]).
pub const PART_COUNTS: [&str; 3] = ["vnlink.tf.family", "vnlink.tf.given", "vnlink.tf.street"];
/// Prefix of the posting lists of the blocking rules.
pub const POSTINGS_PREFIX: &str = "block.";
/// Posting list of the records by their order-free ASCII name ([`Features::name_sorted`]), for
/// lookups whose other fields give no blocking key (a query with only a name).
pub const NAME_POSTINGS: &str = "lookup.name";

/// The posting list of a rule's blocks after `level + 1` splits: `block.<rule>/<level + 1>`.
pub fn split_postings_name(rule: &str, level: usize) -> String {
    format!("{POSTINGS_PREFIX}{rule}/{}", level + 1)
}

/// The layout of a person store.
pub fn layout(block_records: u32, extras: usize) -> StoreLayout {
    let mut l = StoreLayout::new(block_records)
        .record_column(FEATURES, std::mem::size_of::<Features>() as u32)
        .column(RECORD_ID, ColumnType::Str);
    for c in RAW {
        l = l.column(c, ColumnType::Str);
    }
    l = l
        .column(NAME_TEXT, ColumnType::Str)
        .column(NAME_ASCII, ColumnType::Str)
        .column(NAME_PHONETIC, ColumnType::Str)
        .column(WARNINGS, ColumnType::U32);
    if extras > 0 {
        l = l.record_column(EXTRA_HASHES, std::mem::size_of::<[u64; MAX_EXTRA]>() as u32);
        for j in 0..extras {
            l = l
                .column(extra_text_column(j), ColumnType::Str)
                .column(extra_raw_column(j), ColumnType::Str);
        }
    }
    l
}

/// Build metadata kept in the store.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BuildMeta {
    /// vnlink version that built the store.
    pub vnlink_version: String,
    /// Source file (empty for in-memory builds).
    pub source: String,
    /// Records stored.
    pub records: u64,
    /// Input rows skipped, by reason.
    pub skipped_by_reason: std::collections::BTreeMap<String, u64>,
    /// Rows read.
    pub rows_read: u64,
    /// Legacy encoding decided for the name and address columns.
    pub encodings: Vec<(String, String)>,
    /// The column mapping: (kind, header).
    pub columns: Vec<(String, String)>,
    /// Non-missing values per field.
    pub completeness: std::collections::BTreeMap<String, u64>,
    /// Records per preparation warning.
    pub warnings: std::collections::BTreeMap<String, u64>,
    /// The blocking rules whose posting lists the store holds.
    pub blocking: Blocking,
    /// The extra fields, in column order (`extra.0`, `extra.1`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraField>,
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildSummary {
    /// Metadata written into the store.
    pub meta: BuildMeta,
    /// The ingest report (rows read, skipped and why).
    pub ingest: IngestReport,
    /// Bytes written.
    pub bytes: u64,
    /// Seconds spent building (not stored in the file, which depends only on its input).
    pub seconds: f64,
}

/// Build options.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// How to read the input.
    pub ingest: IngestOptions,
    /// Records per block.
    pub block_records: u32,
    /// Blocking rules whose posting lists are stored (for lookups).
    pub blocking: Blocking,
    /// Memory budget of each posting-list builder, in bytes.
    pub postings_budget: usize,
    /// The extra fields of records built from memory ([`Record::extras`]); a CSV build takes
    /// them from the input's columns instead.
    pub extras: Vec<ExtraField>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            ingest: IngestOptions::default(),
            block_records: crate::store::DEFAULT_BLOCK_RECORDS,
            blocking: Blocking::default(),
            postings_budget: 32 << 20,
            extras: Vec::new(),
        }
    }
}

/// One record in memory, as the library takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id in its source.
    #[serde(default)]
    pub record_id: String,
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// Date of birth, as written.
    #[serde(default)]
    pub dob: String,
    /// Sex, as written.
    #[serde(default)]
    pub sex: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// National id number.
    #[serde(default)]
    pub id_number: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// The values of the extra fields, in [`BuildOptions::extras`] order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
}

impl Record {
    /// The columns in the standard header's order: `record_id, full_name, dob, sex, address,
    /// id_number, phone`.
    pub fn fields(&self) -> [&str; 7] {
        [
            &self.record_id,
            &self.full_name,
            &self.dob,
            &self.sex,
            &self.address,
            &self.id_number,
            &self.phone,
        ]
    }

    /// Reads a record from a JSON object: the keys of the standard header (`record_id`,
    /// `full_name`, `dob`, `sex`, `address`, `id_number`, `phone`, each optional), and one key per
    /// extra field of `extras`, by its name (or all of them as an `extras` array). Values are
    /// strings (numbers are taken as written). An unknown key is an error naming it, so that a
    /// misspelt field is not silently ignored.
    pub fn from_json(text: &str, extras: &[ExtraField]) -> std::result::Result<Record, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let serde_json::Value::Object(map) = value else {
            return Err("expected a JSON object".into());
        };
        let text_of = |key: &str, v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            serde_json::Value::Null => Ok(String::new()),
            _ => Err(format!("`{key}` must be a string")),
        };
        let mut r = Record { extras: vec![String::new(); extras.len()], ..Record::default() };
        for (key, v) in &map {
            let slot = match key.as_str() {
                "record_id" => &mut r.record_id,
                "full_name" => &mut r.full_name,
                "dob" => &mut r.dob,
                "sex" => &mut r.sex,
                "address" => &mut r.address,
                "id_number" => &mut r.id_number,
                "phone" => &mut r.phone,
                "extras" => {
                    let serde_json::Value::Array(items) = v else {
                        return Err("`extras` must be an array of strings".into());
                    };
                    for (j, item) in items.iter().enumerate() {
                        let text = text_of("extras", item)?;
                        match r.extras.get_mut(j) {
                            Some(e) => *e = text,
                            None => {
                                return Err(format!(
                                    "`extras` has {} values; the store has {} extra fields",
                                    items.len(),
                                    extras.len()
                                ));
                            }
                        }
                    }
                    continue;
                }
                other => {
                    let Some(j) = extras.iter().position(|e| e.name == other) else {
                        let mut known: Vec<&str> = vec![
                            "record_id",
                            "full_name",
                            "dob",
                            "sex",
                            "address",
                            "id_number",
                            "phone",
                        ];
                        known.extend(extras.iter().map(|e| e.name.as_str()));
                        return Err(format!("unknown key `{other}` (known: {})", known.join(", ")));
                    };
                    &mut r.extras[j]
                }
            };
            *slot = text_of(key, v)?;
        }
        Ok(r)
    }

    /// The record's raw fields, as [`Preparer::prepare`] takes them.
    pub fn raw(&self) -> RawFields<'_> {
        RawFields {
            name: &self.full_name,
            dob: &self.dob,
            sex: &self.sex,
            address: &self.address,
            id_number: &self.id_number,
            phone: &self.phone,
            extras: std::array::from_fn(|j| self.extras.get(j).map_or("", String::as_str)),
            ..RawFields::default()
        }
    }
}

/// Accumulates one block and the store-wide tables while building.
struct Builder<S: Sink> {
    writer: StoreWriter<S>,
    split: Vec<u64>,
    block: BlockBuilder,
    postings: Vec<PostingsBuilder>,
    name_counts: FxHashMap<u64, u32>,
    part_counts: [FxHashMap<u64, u32>; 3],
    meta: BuildMeta,
    records: u64,
    joined: String,
    /// The block's features, reused from block to block.
    feats: Vec<Features>,
    /// Per blocking rule, the positions of its extra fields.
    rule_extras: Vec<Vec<usize>>,
}

impl<S: Sink> Builder<S> {
    fn new(writer: StoreWriter<S>, opts: &BuildOptions, extras: Vec<ExtraField>) -> Self {
        let block = BlockBuilder::new(writer.layout());
        // One list per rule, then one per split level of each rule (see `split_postings_name`),
        // then the names' list (`NAME_POSTINGS`).
        let lists: usize = opts.blocking.rules.iter().map(|r| 1 + r.split_by.len()).sum();
        let postings =
            (0..=lists).map(|_| PostingsBuilder::with_budget(opts.postings_budget)).collect();
        let rule_extras = opts
            .blocking
            .rules
            .iter()
            .map(|r| r.extra_indices(&extras).unwrap_or_default())
            .collect();
        Builder {
            rule_extras,
            writer,
            split: Vec::new(),
            block,
            postings,
            name_counts: FxHashMap::default(),
            part_counts: Default::default(),
            meta: BuildMeta { blocking: opts.blocking.clone(), extras, ..BuildMeta::default() },
            records: 0,
            joined: String::new(),
            feats: Vec::new(),
        }
    }

    /// Adds one prepared block (input rows and prepared records in parallel arrays).
    fn add_block<T: RawSource>(
        &mut self,
        rows: &[T],
        prepared: &[Prepared],
        blocking: &Blocking,
    ) -> Result<()> {
        self.block.clear();
        self.feats.clear();
        self.feats.extend(prepared.iter().map(|p| p.features));
        // The block follows the layout this builder made (`person_layout`); a column that is
        // missing or of another type is a bug here, reported as `Error::Layout`, never a panic.
        self.block.push_records(0, &self.feats)?;
        let col = |name: &str| {
            self.writer
                .layout()
                .column_index(name)
                .ok_or_else(|| LayoutError::UnknownColumn { name: name.to_owned() })
        };
        let (c_id, c_text, c_ascii, c_phon, c_warn) = (
            col(RECORD_ID)?,
            col(NAME_TEXT)?,
            col(NAME_ASCII)?,
            col(NAME_PHONETIC)?,
            col(WARNINGS)?,
        );
        let raw_cols = RAW.iter().map(|c| col(c)).collect::<Result<Vec<usize>, _>>()?;
        {
            let b = str_mut(&mut self.block, c_id)?;
            for row in rows {
                b.push(row.record_id());
            }
        }
        for (k, &c) in raw_cols.iter().enumerate() {
            let b = str_mut(&mut self.block, c)?;
            for row in rows {
                b.push(row.raw_text(RAW_KINDS[k], &mut self.joined));
            }
        }
        if !self.meta.extras.is_empty() {
            let c = col(EXTRA_HASHES)?;
            let hashes: Vec<[u64; MAX_EXTRA]> = prepared.iter().map(|p| p.extra_hashes).collect();
            self.block.push_records(c, &hashes)?;
            for j in 0..self.meta.extras.len() {
                let b = str_mut(&mut self.block, col(&extra_text_column(j))?)?;
                for p in prepared {
                    b.push(p.extra_texts.get(j).map_or("", String::as_str));
                }
                let b = str_mut(&mut self.block, col(&extra_raw_column(j))?)?;
                for row in rows {
                    b.push(row.raw().extras[j]);
                }
            }
        }
        for (c, get) in [
            (c_text, (|p: &Prepared| p.name_text.as_str()) as fn(&Prepared) -> &str),
            (c_ascii, |p: &Prepared| p.name_ascii.as_str()),
            (c_phon, |p: &Prepared| p.name_phonetic.as_str()),
        ] {
            let b = str_mut(&mut self.block, c)?;
            for p in prepared {
                b.push(get(p));
            }
        }
        u32_mut(&mut self.block, c_warn)?.extend(prepared.iter().map(|p| p.warnings));

        // Statistics, term frequencies and blocking keys.
        for (i, p) in prepared.iter().enumerate() {
            let f = &p.features;
            let rec = (self.records + i as u64) as u32;
            if f.name_ascii != 0 {
                *self.name_counts.entry(f.name_ascii).or_default() += 1;
            }
            for (counts, h) in self.part_counts.iter_mut().zip([f.family, f.given, f.street]) {
                if h != 0 {
                    *counts.entry(u64::from(h)).or_default() += 1;
                }
            }
            let mut list = 0;
            for (rule, idx) in blocking.rules.iter().zip(&self.rule_extras) {
                let k = rule.key_with(f, &p.extra_hashes, idx);
                if k != 0 {
                    self.postings[list].push(k, rec)?;
                }
                rule.split_keys_with(f, &p.extra_hashes, idx, &mut self.split);
                for (level, &sk) in self.split.iter().enumerate() {
                    if sk != 0 {
                        self.postings[list + 1 + level].push(sk, rec)?;
                    }
                }
                list += 1 + rule.split_by.len();
            }
            if f.name_sorted != 0 {
                self.postings[list].push(u64::from(f.name_sorted), rec)?;
            }
            for (bit, name) in warning::NAMES.iter().enumerate() {
                if p.warnings & (1 << bit) != 0 {
                    *self.meta.warnings.entry((*name).to_owned()).or_default() += 1;
                }
            }
            let present = [
                ("full_name", f.name_tokens != 0),
                ("dob", f.dob != 0),
                ("sex", f.sex != 0),
                ("address", f.province_new != 0 || f.ward_old != 0 || f.ward_new != 0),
                ("id_number", f.national_id != 0),
                ("phone", f.phone != 0),
            ];
            for (k, v) in present {
                if v {
                    *self.meta.completeness.entry(k.to_owned()).or_default() += 1;
                }
            }
        }
        self.writer.push_block(&self.block)?;
        self.records += prepared.len() as u64;
        Ok(())
    }

    fn finish_tables(&mut self, blocking: &Blocking) -> Result<()> {
        let mut postings = std::mem::take(&mut self.postings).into_iter();
        for rule in &blocking.rules {
            if let Some(p) = postings.next() {
                self.writer.add_postings(&format!("{POSTINGS_PREFIX}{}", rule.name), p)?;
            }
            for level in 0..rule.split_by.len() {
                if let Some(p) = postings.next() {
                    self.writer.add_postings(&split_postings_name(&rule.name, level), p)?;
                }
            }
        }
        if let Some(p) = postings.next() {
            self.writer.add_postings(NAME_POSTINGS, p)?;
        }
        self.writer.add_global(NAME_COUNTS, &counts_section(&mut self.name_counts))?;
        for (name, counts) in PART_COUNTS.iter().zip(self.part_counts.iter_mut()) {
            self.writer.add_global(name, &counts_section(counts))?;
        }
        self.meta.records = self.records;
        self.meta.vnlink_version = env!("CARGO_PKG_VERSION").into();
        let json = serde_json::to_vec(&self.meta).map_err(|e| Error::Config {
            path: None,
            key: META.into(),
            reason: e.to_string(),
        })?;
        self.writer.add_global(META, &json)
    }
}

/// A term-frequency table as stored: the keys ascending (u64), then their counts (u32).
fn counts_section(counts: &mut FxHashMap<u64, u32>) -> Vec<u8> {
    let mut sorted: Vec<(u64, u32)> = counts.drain().collect();
    sorted.sort_unstable();
    let mut bytes = Vec::with_capacity(sorted.len() * 12);
    for (k, _) in &sorted {
        bytes.extend_from_slice(&k.to_le_bytes());
    }
    for (_, c) in &sorted {
        bytes.extend_from_slice(&c.to_le_bytes());
    }
    bytes
}

/// Checks the options of an in-memory build: rules, and extra fields that fit.
fn check_options(opts: &BuildOptions) -> Result<()> {
    opts.blocking.validate()?;
    if opts.extras.len() > MAX_EXTRA {
        return Err(Error::Config {
            path: None,
            key: "extras".into(),
            reason: format!("{} extra fields (at most {MAX_EXTRA})", opts.extras.len()),
        });
    }
    opts.blocking.check_fields(&opts.extras)
}

/// The strings of `Str` column `col` of `block`, or the layout error saying why not.
fn str_mut(block: &mut BlockBuilder, col: usize) -> Result<&mut StrBuf, LayoutError> {
    match block.column_mut(col) {
        Some(ColumnBuf::Str(s)) => Ok(s),
        other => Err(column_error(col, other.map(|c| c.ty()), ColumnType::Str)),
    }
}

/// The values of `U32` column `col` of `block`, or the layout error saying why not.
fn u32_mut(block: &mut BlockBuilder, col: usize) -> Result<&mut Vec<u32>, LayoutError> {
    match block.column_mut(col) {
        Some(ColumnBuf::U32(v)) => Ok(v),
        other => Err(column_error(col, other.map(|c| c.ty()), ColumnType::U32)),
    }
}

/// The error for column `col` (of type `found`, if it exists) not being of type `expected`.
fn column_error(col: usize, found: Option<ColumnType>, expected: ColumnType) -> LayoutError {
    match found {
        Some(found) => LayoutError::ColumnType {
            index: col,
            found: found.to_string(),
            expected: expected.to_string(),
        },
        None => LayoutError::NoColumn { index: col },
    }
}

pub(crate) fn raw_of(r: &RawRecord) -> RawFields<'_> {
    let g = |k| r.get(k).unwrap_or("");
    RawFields {
        name: g(FieldKind::Name),
        dob: g(FieldKind::Dob),
        sex: g(FieldKind::Sex),
        address: g(FieldKind::Address),
        id_number: g(FieldKind::NationalId),
        phone: g(FieldKind::Phone),
        name_parts: [g(FieldKind::FamilyName), g(FieldKind::MiddleName), g(FieldKind::GivenName)],
        address_parts: [
            g(FieldKind::HouseNumber),
            g(FieldKind::Street),
            g(FieldKind::Ward),
            g(FieldKind::District),
            g(FieldKind::Province),
        ],
        extras: std::array::from_fn(|j| r.extra(j)),
    }
}

/// An input row: its record id and raw fields, viewed without copying (a block's rows are not
/// turned into a vector of [`RawFields`], which would be one more large allocation per block).
trait RawSource: Sync {
    fn record_id(&self) -> &str;
    fn raw(&self) -> RawFields<'_>;

    /// The stored raw text of one of the [`RAW_KINDS`]: the name and the address joined from
    /// their parts when given in parts (in `buf`).
    fn raw_text<'b>(&'b self, kind: FieldKind, buf: &'b mut String) -> &'b str {
        let r = self.raw();
        match kind {
            FieldKind::Name => r.joined_name_into(buf),
            FieldKind::Address => r.joined_address_into(buf),
            FieldKind::Dob => return r.dob,
            FieldKind::Sex => return r.sex,
            FieldKind::NationalId => return r.id_number,
            _ => return r.phone,
        }
        buf
    }
}

impl RawSource for RawRecord {
    fn record_id(&self) -> &str {
        RawRecord::record_id(self)
    }
    fn raw(&self) -> RawFields<'_> {
        raw_of(self)
    }
    fn raw_text<'b>(&'b self, kind: FieldKind, buf: &'b mut String) -> &'b str {
        let parts: &[FieldKind] = match kind {
            FieldKind::Name => &FieldKind::PARTS[..3],
            FieldKind::Address => &FieldKind::PARTS[3..],
            _ => &[],
        };
        // Without part columns, the field as read (no joining, no copy).
        if parts.iter().all(|&k| self.get(k).is_none()) {
            return self.get(kind).unwrap_or("");
        }
        let r = raw_of(self);
        if kind == FieldKind::Name {
            r.joined_name_into(buf);
        } else {
            r.joined_address_into(buf);
        }
        buf
    }
}

impl RawSource for Record {
    fn record_id(&self) -> &str {
        &self.record_id
    }
    fn raw(&self) -> RawFields<'_> {
        Record::raw(self)
    }
}

/// Prepares `rows` into `out` (resized to them), reusing its records' buffers.
fn prepare_into<T: RawSource>(
    rows: &[T],
    enc: Encodings,
    extras: &[FieldKind],
    out: &mut Vec<Prepared>,
) {
    out.resize_with(rows.len(), Prepared::default);
    out.par_iter_mut()
        .zip(rows.par_iter())
        .for_each_init(|| Preparer::with_extras(extras), |p, (o, r)| p.prepare(&r.raw(), &enc, o));
}

fn prepare_all<T: RawSource>(rows: &[T], enc: Encodings, extras: &[FieldKind]) -> Vec<Prepared> {
    rows.par_iter()
        .map_init(
            || Preparer::with_extras(extras),
            |p, r| {
                let mut out = Prepared::default();
                p.prepare(&r.raw(), &enc, &mut out);
                out
            },
        )
        .collect()
}

/// Builds a store from a CSV file into `out` (written atomically).
///
/// Three stages overlap: a thread reads and decodes the next block of rows, the rayon pool
/// prepares the current one, and a thread writes the previous one; blocks are written in input
/// order, so the store does not depend on the thread count. `progress` is called with the
/// number of records written so far.
pub fn build_csv(
    input: impl AsRef<Path>,
    out: impl AsRef<Path>,
    opts: &BuildOptions,
    progress: impl FnMut(u64) + Send,
) -> Result<BuildSummary> {
    use std::sync::mpsc::{channel, sync_channel};

    let start = Instant::now();
    let input = input.as_ref();
    let mut src = CsvSource::open(input, &opts.ingest)?;
    opts.blocking.validate()?;
    let extras = ExtraField::of_schema(src.schema());
    opts.blocking.check_fields(&extras)?;
    let kinds: Vec<FieldKind> = extras.iter().map(|e| e.kind).collect();
    let writer = StoreWriter::create(out, layout(opts.block_records, extras.len()))?;
    let mut b = Builder::new(writer, opts, extras);
    b.meta.source = input.display().to_string();
    b.meta.columns = src
        .schema()
        .columns
        .iter()
        .map(|c| (c.kind.as_str().to_owned(), c.header.clone()))
        .collect();
    let block = opts.block_records as usize;

    // The legacy-encoding decision needs the first block before any preparation.
    let mut first: Vec<RawRecord> = Vec::new();
    src.read_chunk(&mut first, block)?;
    let enc = {
        let raws: Vec<RawFields<'_>> = first.iter().map(raw_of).collect();
        let mut names = vec![String::new(); raws.len()];
        let mut addresses = vec![String::new(); raws.len()];
        for ((r, n), a) in raws.iter().zip(&mut names).zip(&mut addresses) {
            r.joined_name_into(n);
            r.joined_address_into(a);
        }
        Encodings::detect(names.iter().map(String::as_str), addresses.iter().map(String::as_str))
    };

    let (to_prepare, prepare_rx) = sync_channel::<Vec<RawRecord>>(1);
    let (to_write, write_rx) = sync_channel::<(Vec<RawRecord>, Vec<Prepared>)>(1);
    let (recycle, recycled) = channel::<Vec<RawRecord>>();
    // Prepared blocks go back to the preparing stage too: their strings keep their capacity.
    let (recycle_prepared, recycled_prepared) = channel::<Vec<Prepared>>();
    let blocking = &opts.blocking;
    let (read_result, write_result) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<IngestReport> {
            let mut chunk = first;
            while !chunk.is_empty() {
                if to_prepare.send(chunk).is_err() {
                    break;
                }
                chunk = recycled.try_recv().unwrap_or_default();
                src.read_chunk(&mut chunk, block)?;
            }
            Ok(src.into_report())
        });
        let writer = scope.spawn(move || -> Result<Builder<crate::store::FileSink>> {
            let mut progress = progress;
            for (rows, prepared) in write_rx {
                b.add_block(&rows, &prepared, blocking)?;
                progress(b.records);
                // The reader reuses the rows' buffers; it may be gone already.
                let _ = recycle.send(rows);
                let _ = recycle_prepared.send(prepared);
            }
            Ok(b)
        });
        for rows in prepare_rx {
            let mut prepared = recycled_prepared.try_recv().unwrap_or_default();
            prepare_into(&rows, enc, &kinds, &mut prepared);
            if to_write.send((rows, prepared)).is_err() {
                break;
            }
        }
        drop(to_write);
        let read = reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        let write = writer.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (read, write)
    });
    // A write error first: it is why the reader may have stopped early.
    let mut b = write_result?;
    let ingest = read_result?;
    let show = |e: Option<crate::normalize::legacy::LegacyEncoding>| {
        e.map_or_else(|| "per value".to_owned(), |e| format!("{e:?}").to_lowercase())
    };
    b.meta.encodings =
        vec![("full_name".into(), show(enc.name)), ("address".into(), show(enc.address))];
    b.meta.rows_read = ingest.rows_read;
    b.meta.skipped_by_reason = ingest.skipped_by_reason.clone();
    b.finish_tables(&opts.blocking)?;
    let meta = b.meta.clone();
    let summary = b.writer.finish()?;
    Ok(BuildSummary { meta, ingest, bytes: summary.bytes, seconds: start.elapsed().as_secs_f64() })
}

/// Writes a person store record by record, to a file or to memory, with bounded memory: records
/// are prepared (in parallel) and written a block at a time.
///
/// ```
/// # fn main() -> vnlink::Result<()> {
/// use vnlink::{BuildOptions, Record, RecordWriter};
/// let mut w = RecordWriter::in_memory(&BuildOptions::default())?;
/// w.push(Record { record_id: "1".into(), full_name: "Nguyễn Văn An".into(), ..Record::default() })?;
/// let store = w.finish()?;
/// assert_eq!(store.record_count(), 1);
/// # Ok(())
/// # }
/// ```
pub struct RecordWriter<S: Sink = crate::store::FileSink> {
    builder: Builder<S>,
    pending: Vec<Record>,
    opts: BuildOptions,
}

impl<S: Sink> std::fmt::Debug for RecordWriter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordWriter")
            .field("records", &self.builder.records)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl RecordWriter<crate::store::FileSink> {
    /// Starts a store at `path` (written to a temporary file, renamed by [`finish`](Self::finish)).
    pub fn create(path: impl AsRef<Path>, opts: &BuildOptions) -> Result<Self> {
        check_options(opts)?;
        let writer = StoreWriter::create(path, layout(opts.block_records, opts.extras.len()))?;
        Ok(RecordWriter {
            builder: Builder::new(writer, opts, opts.extras.clone()),
            pending: Vec::new(),
            opts: opts.clone(),
        })
    }

    /// Writes the last block and the tables, and makes the file appear.
    pub fn finish(mut self) -> Result<BuildMeta> {
        self.flush()?;
        self.builder.finish_tables(&self.opts.blocking)?;
        let meta = self.builder.meta.clone();
        self.builder.writer.finish()?;
        Ok(meta)
    }
}

impl RecordWriter<crate::store::MemorySink> {
    /// Starts a store in memory: nothing touches the file system.
    pub fn in_memory(opts: &BuildOptions) -> Result<Self> {
        check_options(opts)?;
        let writer = StoreWriter::in_memory(layout(opts.block_records, opts.extras.len()))?;
        Ok(RecordWriter {
            builder: Builder::new(writer, opts, opts.extras.clone()),
            pending: Vec::new(),
            opts: opts.clone(),
        })
    }

    /// Writes the last block and the tables, and opens the store.
    pub fn finish(mut self) -> Result<Store> {
        self.flush()?;
        self.builder.finish_tables(&self.opts.blocking)?;
        let (bytes, _) = self.builder.writer.finish()?;
        Store::from_bytes(bytes)
    }
}

impl<S: Sink> RecordWriter<S> {
    /// Adds a record.
    pub fn push(&mut self, record: Record) -> Result<()> {
        self.pending.push(record);
        if self.pending.len() >= self.opts.block_records as usize {
            self.flush()?;
        }
        Ok(())
    }

    /// Records written or pending.
    pub fn len(&self) -> u64 {
        self.builder.records + self.pending.len() as u64
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let kinds: Vec<FieldKind> = self.opts.extras.iter().map(|e| e.kind).collect();
        let prepared = prepare_all(&self.pending, Encodings::default(), &kinds);
        self.builder.add_block(&self.pending, &prepared, &self.opts.blocking)?;
        self.pending.clear();
        Ok(())
    }
}

/// Builds a store in memory from records (no file involved).
pub fn build_records<'r>(
    records: impl IntoIterator<Item = &'r Record>,
    opts: &BuildOptions,
) -> Result<Store> {
    let mut w = RecordWriter::in_memory(opts)?;
    for r in records {
        w.push(r.clone())?;
    }
    w.finish()
}

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

impl View<'_> {
    /// The model saved with the store ([`MODEL`]), if any.
    pub fn saved_model(&self) -> Result<Option<Model>> {
        if !self.store.global_names().contains(&MODEL) {
            return Ok(None);
        }
        let bytes = self.store.global(MODEL)?;
        let corrupt = |reason: String| Error::Corrupt {
            path: self.store.path().to_path_buf(),
            section: MODEL.into(),
            offset: 0,
            reason,
        };
        let model: Model = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
        model.validate(self.store.path()).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(model))
    }
}

/// Saves `model` into the store at `path` (a copy of `store` with the model's global section
/// [`MODEL`] added or replaced, written atomically; `path` may be the store's own file).
/// Lookups in the store then use this model. The model must have the store's fields.
pub fn save_model(store: &Store, path: impl AsRef<Path>, model: &Model) -> Result<()> {
    check_model_fields(&View::new(store)?, model)?;
    let json = serde_json::to_vec_pretty(model)
        .map_err(|e| Error::Model { path: path.as_ref().to_path_buf(), reason: e.to_string() })?;
    crate::store::rewrite_with_globals(store, path, &[(MODEL, &json)])?;
    Ok(())
}

/// [`save_model`] for a store in memory: a new in-memory store with the model.
pub fn with_model(store: &Store, model: &Model) -> Result<Store> {
    check_model_fields(&View::new(store)?, model)?;
    let json = serde_json::to_vec_pretty(model)
        .map_err(|e| Error::Model { path: store.path().to_path_buf(), reason: e.to_string() })?;
    crate::store::with_globals(store, &[(MODEL, &json)])
}

/// An error unless `model` has the fields of `records`, in order, each with its kind's levels.
pub fn check_model_fields<R: Records>(records: &R, model: &Model) -> Result<()> {
    let want = crate::compare::field_names(records);
    let have: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
    let levels = crate::compare::field_levels(records);
    let same_levels = model.fields.iter().zip(&levels).all(|(f, l)| {
        f.levels.len() == l.len() && f.levels.iter().zip(*l).all(|(a, b)| a.label == *b)
    });
    if have != want || !same_levels {
        return Err(Error::Config {
            path: None,
            key: "model".into(),
            reason: format!(
                "the model's fields ({}) are not the input's ({}), or their levels differ: train \
                 a model on this input's columns",
                have.join(", "),
                want.join(", ")
            ),
        });
    }
    Ok(())
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
    /// [`warning`]).
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
    /// Builds a person store from a CSV file (see [`build_csv`]).
    pub fn build(
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
        opts: &BuildOptions,
    ) -> Result<BuildSummary> {
        build_csv(input, output, opts, |_| {})
    }

    /// Builds a person store in memory from records (see [`build_records`]).
    pub fn from_records<'r>(
        records: impl IntoIterator<Item = &'r Record>,
        opts: &BuildOptions,
    ) -> Result<Store> {
        build_records(records, opts)
    }

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
