//! Building a person store: from CSV in three overlapping stages, or record by record.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::layout::{
    BuildMeta, EXTRA_HASHES, META, NAME_ASCII, NAME_COUNTS, NAME_PHONETIC, NAME_POSTINGS,
    NAME_TEXT, PART_COUNTS, POSTINGS_PREFIX, RAW, RAW_KINDS, RECORD_ID, WARNINGS, extra_raw_column,
    extra_text_column, layout, split_postings_name,
};
use super::prepare::{Encodings, Prepared, Preparer, RawFields, warning};
use super::record::Record;
use crate::block::Blocking;
use crate::compare::Features;
use crate::error::{Error, LayoutError, Result};
use crate::ingest::{CsvSource, IngestOptions, IngestReport, RawRecord};
use crate::schema::{ColumnConfig, ExtraField, FieldKind, MAX_EXTRA};
use crate::store::{
    BlockBuilder, ColumnBuf, ColumnType, PostingsBuilder, Sink, Store, StoreWriter, StrBuf,
};

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
            meta: BuildMeta {
                // The rules whose posting lists are stored; learning is a run's business.
                blocking: Blocking::with_rules(
                    opts.blocking.rules.clone(),
                    opts.blocking.max_block,
                ),
                extras,
                ..BuildMeta::default()
            },
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
        self.fill_columns(rows, prepared)?;
        self.count_and_key(prepared, blocking)?;
        self.writer.push_block(&self.block)?;
        self.records += prepared.len() as u64;
        Ok(())
    }

    /// The block's columns: features, ids, raw texts, extra fields, names, warnings.
    fn fill_columns<T: RawSource>(&mut self, rows: &[T], prepared: &[Prepared]) -> Result<()> {
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
        Ok(())
    }

    /// Statistics, term frequencies and blocking keys of a block's records.
    fn count_and_key(&mut self, prepared: &[Prepared], blocking: &Blocking) -> Result<()> {
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

/// Reads the records of a CSV or Excel file into memory, as written (`extras` values in the
/// order of the input's extra fields), with the ingest report (rows read, rows skipped and why).
/// For inputs small enough to hold: the records added to a store ([`crate::pipeline::Incremental`]).
pub fn read_records(
    input: impl AsRef<Path>,
    ingest: &crate::ingest::IngestOptions,
) -> Result<(Vec<Record>, Vec<ExtraField>, IngestReport)> {
    let mut src = CsvSource::open(input.as_ref(), ingest)?;
    let extras = ExtraField::of_schema(src.schema());
    let mut out = Vec::new();
    let mut raw = RawRecord::new();
    while src.read_record(&mut raw)? {
        let f = raw_of(&raw);
        out.push(Record {
            record_id: raw.record_id().to_owned(),
            full_name: f.name.to_owned(),
            dob: f.dob.to_owned(),
            sex: f.sex.to_owned(),
            address: f.address.to_owned(),
            id_number: f.id_number.to_owned(),
            phone: f.phone.to_owned(),
            extras: f.extras[..extras.len().min(f.extras.len())]
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
            name_parts: f.name_parts.map(str::to_owned),
            address_parts: f.address_parts.map(str::to_owned),
        });
    }
    Ok((out, extras, src.into_report()))
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
    (extras, month_first, given_first): (&[FieldKind], bool, bool),
    out: &mut Vec<Prepared>,
) {
    out.resize_with(rows.len(), Prepared::default);
    out.par_iter_mut().zip(rows.par_iter()).for_each_init(
        || Preparer::with_extras(extras).month_first(month_first).given_first(given_first),
        |p, (o, r)| p.prepare(&r.raw(), &enc, o),
    );
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
    // A date-of-birth column configured (or inferred) as written month first, a whole-name
    // column as written given name first.
    let column_says = |kind: FieldKind, flag: fn(&ColumnConfig) -> bool| {
        opts.ingest
            .config_columns
            .as_ref()
            .is_some_and(|cols| cols.iter().any(|c| c.kind == kind && flag(c)))
    };
    let month_first = column_says(FieldKind::Dob, |c| c.month_first);
    let given_first = column_says(FieldKind::Name, |c| c.given_first);
    b.meta.month_first = month_first;
    b.meta.given_first = given_first;
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
            prepare_into(&rows, enc, (&kinds, month_first, given_first), &mut prepared);
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
    /// How records are read: legacy encodings, dates month first, whole names given first.
    reading: (Encodings, bool, bool),
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
            reading: (Encodings::default(), false, false),
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
            reading: (Encodings::default(), false, false),
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
    /// Reads the records as the store described by `meta` was built — its legacy encodings,
    /// dates month first, whole names given first — and keeps its source, column mapping and
    /// ingest counts: a store rebuilt from another's records (`vnlink compact`) compares like
    /// it. Call it before the first record.
    pub fn read_like(&mut self, meta: &BuildMeta) {
        let encoding = |column: &str| {
            let name = meta.encodings.iter().find(|(c, _)| c == column).map(|(_, e)| e.as_str());
            match name {
                Some("tcvn3") => Some(crate::normalize::legacy::LegacyEncoding::Tcvn3),
                Some("vni") => Some(crate::normalize::legacy::LegacyEncoding::Vni),
                _ => None,
            }
        };
        let enc = Encodings { name: encoding("full_name"), address: encoding("address") };
        self.reading = (enc, meta.month_first, meta.given_first);
        let m = &mut self.builder.meta;
        m.source.clone_from(&meta.source);
        m.columns.clone_from(&meta.columns);
        m.encodings.clone_from(&meta.encodings);
        m.month_first = meta.month_first;
        m.given_first = meta.given_first;
        m.rows_read = meta.rows_read;
        m.skipped_by_reason.clone_from(&meta.skipped_by_reason);
    }

    /// Adds a global section (e.g. a saved model, [`crate::dataset::MODEL`]) to the store.
    pub fn add_global(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.builder.writer.add_global(name, bytes)
    }

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
        let (enc, month_first, given_first) = self.reading;
        let mut prepared = Vec::new();
        prepare_into(&self.pending, enc, (&kinds, month_first, given_first), &mut prepared);
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
}
