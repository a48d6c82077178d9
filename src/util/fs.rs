//! Safe output: every file vnlink writes goes to a temporary file in the destination directory
//! and is renamed over the final name only when complete, so that a reader never sees a partial
//! file and a crash leaves the previous version in place.
//!
//! Main types:
//!
//! * [`AtomicFile`]: one file, written to `.vnlink-XXXXXX.tmp` beside it (locked while it is
//!   written) and renamed by [`AtomicFile::commit`].
//! * [`OutputSet`]: the files of one run (`clusters.csv`, `pairs.csv`, `store.vnl`…) staged in a
//!   private directory inside the output directory and renamed into place together, under an
//!   advisory lock on the output directory ([`PathLock`]).
//! * [`TempDir`]: a private (0700) scratch directory, for stores a command needs only while it
//!   runs.
//!
//! Invariants:
//!
//! * Every temporary file or directory is named `.vnlink-*.tmp`, is registered while it exists
//!   (so that [`remove_registered_temps`], called by the binary on SIGINT/SIGTERM, removes it)
//!   and holds an advisory lock while its writer lives (so that [`clean_stale`] can tell the
//!   leftovers of a killed run from the files of a live one).
//! * Finished files get the mode `0o666 & !umask`, as any file the user creates: vnlink never
//!   widens permissions (the files hold personal data).
//! * [`check_not_input`] refuses an output that is one of the command's inputs (same device and
//!   inode).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crate::error::{Error, Result};

/// The prefix of every temporary file or directory vnlink creates.
pub const TEMP_PREFIX: &str = ".vnlink-";
/// The suffix of every temporary file or directory vnlink creates.
pub const TEMP_SUFFIX: &str = ".tmp";
/// The lock file of an output directory (see [`OutputSet`]); removed when the run ends.
pub const DIR_LOCK_NAME: &str = ".vnlink.lock";
/// The lock file inside a temporary directory, held while its owner runs.
const TEMP_DIR_LOCK: &str = ".lock";

// ---------------------------------------------------------------------------------------------
// Registry of temporary paths, for the signal handler.

static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(path: &Path) {
    TEMPS.lock().unwrap_or_else(PoisonError::into_inner).push(path.to_path_buf());
}

fn unregister(path: &Path) {
    let mut t = TEMPS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(i) = t.iter().rposition(|p| p == path) {
        t.swap_remove(i);
    }
}

/// Removes every temporary file and directory (and lock file) that live writers registered;
/// returns how many were removed. Meant for a signal handler that then exits: the registry stays
/// locked until the process ends, so no new temporary path is registered after the sweep (the
/// thread that calls this must exit the process soon after).
pub fn remove_registered_temps() -> usize {
    let guard = TEMPS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut n = 0;
    // Newest first: files inside a staging directory before the directory.
    for p in guard.iter().rev() {
        let removed = match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).is_ok(),
            Ok(_) => std::fs::remove_file(p).is_ok(),
            Err(_) => false,
        };
        n += usize::from(removed);
    }
    // Hold the registry until the process exits.
    std::mem::forget(guard);
    n
}

/// Keeps a path registered for the signal handler while it lives.
#[derive(Debug)]
struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Self {
        register(path);
        Registered(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        unregister(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Permissions.

/// The process umask (Unix), read without changing it: from `/proc/self/status` where it is
/// there, else from the mode of a probe file created in the temporary directory.
#[cfg(unix)]
fn umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            let value = status.lines().find_map(|l| l.strip_prefix("Umask:"));
            if let Some(m) = value.and_then(|v| u32::from_str_radix(v.trim(), 8).ok()) {
                return m & 0o777;
            }
        }
        probe_umask().unwrap_or(0o077)
    })
}

/// The umask from the mode of a new file (created with mode 0o666, then removed).
#[cfg(unix)]
fn probe_umask() -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let f = tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX).tempdir().ok()?;
    let p = f.path().join("umask-probe");
    let file = OpenOptions::new().write(true).create_new(true).open(&p).ok()?;
    let mode = file.metadata().ok()?.permissions().mode();
    Some(!mode & 0o666)
}

/// The mode of a finished output: `0o666 & !umask`, as for any file the user creates.
#[cfg(unix)]
pub fn output_mode() -> u32 {
    0o666 & !umask()
}

/// Gives `file` (at `path`, for messages) the mode of a finished output ([`output_mode`]).
fn set_output_mode(file: &File, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(output_mode()))
            .map_err(|e| Error::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// One file.

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A file being written atomically. Write through [`AtomicFile::writer`], then call
/// [`AtomicFile::commit`]. Dropping it without committing removes the temporary file and leaves
/// no file at the final path. The temporary file is created owner-only (0600) and locked while
/// it is written; the final file gets the mode `0o666 & !umask`.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
    _registered: Registered,
}

impl AtomicFile {
    /// Starts writing `path` (its directory must exist).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let dir = parent_dir(&path);
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&path, e))?;
        let registered = Registered::new(tmp.path());
        // The lock tells `clean_stale` that the file's writer is alive. A file system without
        // locks just loses that protection.
        let _ = tmp.as_file().try_lock();
        Ok(AtomicFile {
            path,
            writer: BufWriter::with_capacity(1 << 16, tmp),
            _registered: registered,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The buffered writer of the temporary file.
    pub fn writer(&mut self) -> &mut BufWriter<tempfile::NamedTempFile> {
        &mut self.writer
    }

    /// Flushes, syncs and renames the temporary file to the final path, with the mode of a
    /// finished output.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { path, writer, _registered } = self;
        let tmp = writer.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        set_output_mode(tmp.as_file(), &path)?;
        tmp.as_file().sync_data().map_err(|e| Error::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Writes `bytes` to `path` atomically.
pub fn atomic_write(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let p = f.path().to_path_buf();
    f.writer().write_all(bytes).map_err(|e| Error::io(&p, e))?;
    f.commit()
}

/// Syncs the directory holding `path`, so that a new file's name survives a crash.
pub fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Directories cannot be opened for syncing everywhere; where they can, a failure is real.
    if let Ok(d) = File::open(dir) {
        d.sync_all().map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Opens a file for reading, naming it in the error.
pub fn open(path: impl AsRef<Path>) -> Result<File> {
    let path = path.as_ref();
    File::open(path).map_err(|e| Error::io(path, e))
}

/// Creates a directory and its parents, naming it in the error.
pub fn create_dir_all(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))
}

// ---------------------------------------------------------------------------------------------
// Inputs are not outputs.

/// An error if writing `output` would replace one of `inputs`: the same file (same device and
/// inode, symbolic links followed). A missing output or input is never the same file.
pub fn check_not_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = std::fs::metadata(output) else { return Ok(()) };
    for input in inputs {
        let Ok(inp) = std::fs::metadata(input) else { continue };
        if same_file(&out, &inp, output, input) {
            return Err(Error::OutputIsInput {
                output: output.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata, _: &Path, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

// ---------------------------------------------------------------------------------------------
// Locks.

/// An advisory lock held through a lock file: exclusive, taken without waiting, removed (then
/// released) on drop. Other vnlink processes that try to take it get [`Error::Busy`].
#[derive(Debug)]
pub struct PathLock {
    path: PathBuf,
    file: Option<File>,
    _registered: Registered,
}

impl PathLock {
    /// Takes the lock of `lock_path`; `what` (the directory or file it protects) is named in
    /// the error when another process holds it.
    pub fn acquire(lock_path: &Path, what: &Path) -> Result<PathLock> {
        // A holder removes the lock file before releasing it: after taking the lock, check that
        // the file is still the one at `lock_path`, or try again with the new one.
        for _ in 0..64 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(lock_path)
                .map_err(|e| Error::io(lock_path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Busy { path: what.to_path_buf() });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(lock_path, e)),
            }
            let held = file.metadata().map_err(|e| Error::io(lock_path, e))?;
            match std::fs::metadata(lock_path) {
                Ok(now) if same_file(&now, &held, lock_path, lock_path) => {
                    return Ok(PathLock {
                        path: lock_path.to_path_buf(),
                        file: Some(file),
                        _registered: Registered::new(lock_path),
                    });
                }
                _ => {}
            }
        }
        Err(Error::Busy { path: what.to_path_buf() })
    }

    /// The lock of a store file `path`: `.NAME.vnlink-lock` beside it.
    pub fn for_file(path: &Path) -> Result<PathLock> {
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let lock = parent_dir(path).join(format!(".{name}.vnlink-lock"));
        PathLock::acquire(&lock, path)
    }
}

impl Drop for PathLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

// ---------------------------------------------------------------------------------------------
// Directories.

/// A private scratch directory (`.vnlink-XXXXXX.tmp`, mode 0700) with a lock file inside held
/// while it lives; removed with its contents on drop.
#[derive(Debug)]
pub struct TempDir {
    // Field order: the lock is released after the directory is removed.
    dir: tempfile::TempDir,
    _lock: File,
    _registered: Registered,
}

impl TempDir {
    /// Creates a private directory in `parent`.
    pub fn new_in(parent: &Path) -> Result<TempDir> {
        let dir = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        let registered = Registered::new(dir.path());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(dir.path(), e))?;
        }
        let lock_path = dir.path().join(TEMP_DIR_LOCK);
        let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
        let _ = lock.try_lock();
        Ok(TempDir { dir, _lock: lock, _registered: registered })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the leftovers of killed vnlink runs in `dir`: `.vnlink-*.tmp` files whose lock is
/// free, and `.vnlink-*.tmp` directories whose lock file is free. Entries modified less than
/// `min_age` ago are kept (a live writer may not have taken its lock yet; pass zero when no
/// other vnlink process can write in `dir`, as under an [`OutputSet`]'s lock). Returns the
/// removed paths; errors are ignored (this is cleanup).
pub fn clean_stale(dir: &Path, min_age: Duration) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return removed };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok()).unwrap_or(Duration::MAX);
        if age < min_age {
            continue;
        }
        let gone = if meta.is_dir() {
            match File::open(path.join(TEMP_DIR_LOCK)) {
                Ok(f) => f.try_lock().is_ok() && std::fs::remove_dir_all(&path).is_ok(),
                // The lock file is created just after the directory; an old directory without
                // one is a leftover.
                Err(_) => age >= Duration::from_mins(1) && std::fs::remove_dir_all(&path).is_ok(),
            }
        } else if meta.is_file() {
            File::open(&path).is_ok_and(|f| f.try_lock().is_ok())
                && std::fs::remove_file(&path).is_ok()
        } else {
            false
        };
        if gone {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// The output files of one run, written as one set.
///
/// [`OutputSet::begin`] takes an advisory lock on the output directory (a second run into the
/// same directory gets [`Error::Busy`]), removes the leftovers of killed runs there
/// ([`clean_stale`]) and creates a private staging directory inside it. The run writes each file
/// at [`OutputSet::path`] (in the staging directory, atomically). [`OutputSet::commit`] then
/// renames every staged file into the output directory, only after all of them were written.
///
/// Guarantee: if the run fails or is interrupted before `commit`, the output directory keeps
/// its previous set untouched and the staging directory is removed (on error, on drop, or by
/// the binary's SIGINT/SIGTERM handler; after `kill -9`, by the next run). The only window in
/// which the directory can hold a mix of old and new files is a crash during the renames of
/// `commit` (a few `rename` calls in one directory). Files of a previous set that the new run
/// does not write (a `store.vnl` when the input was already a store) are left as they were.
#[derive(Debug)]
pub struct OutputSet {
    dir: PathBuf,
    // Field order: the staging directory is removed before the lock is released.
    staging: TempDir,
    _lock: PathLock,
    stale: Vec<PathBuf>,
}

impl OutputSet {
    /// Creates `dir` if needed, locks it, cleans it of stale temporary files and starts a set.
    pub fn begin(dir: &Path) -> Result<OutputSet> {
        create_dir_all(dir)?;
        let lock = PathLock::acquire(&dir.join(DIR_LOCK_NAME), dir)?;
        let stale = clean_stale(dir, Duration::ZERO);
        let staging = TempDir::new_in(dir)?;
        Ok(OutputSet { dir: dir.to_path_buf(), staging, _lock: lock, stale })
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where to write the output `name` (in the staging directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.path().join(name)
    }

    /// The final path of the output `name`.
    pub fn final_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The temporary files of killed runs that [`OutputSet::begin`] removed.
    pub fn stale_removed(&self) -> &[PathBuf] {
        &self.stale
    }

    /// Renames every staged file into the output directory (in name order), syncs the
    /// directory and removes the staging directory. Returns the final paths.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let staging = self.staging.path();
        let mut names = Vec::new();
        for entry in std::fs::read_dir(staging).map_err(|e| Error::io(staging, e))? {
            let entry = entry.map_err(|e| Error::io(staging, e))?;
            let name = entry.file_name();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            // Skip the lock and any hidden helper file (locks of the stores written there).
            if is_file && !name.to_string_lossy().starts_with('.') {
                names.push(name);
            }
        }
        names.sort();
        // A rename that cannot succeed (a directory in the way) fails before any other.
        for name in &names {
            let to = self.dir.join(name);
            if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
                return Err(Error::io(
                    &to,
                    std::io::Error::other("a directory is in the way of this output; remove it"),
                ));
            }
        }
        let mut done = Vec::with_capacity(names.len());
        for name in names {
            let to = self.dir.join(&name);
            std::fs::rename(staging.join(&name), &to).map_err(|e| Error::io(&to, e))?;
            done.push(to);
        }
        #[cfg(unix)]
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_writes_and_drop_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        atomic_write(&p, b"hello").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, output_mode());
        }

        let q = dir.path().join("b.txt");
        {
            let mut f = AtomicFile::create(&q).unwrap();
            f.write_all(b"partial").unwrap();
        }
        assert!(!q.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary file must be removed on drop");
    }

    #[test]
    fn stale_files_go_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".vnlink-dead.tmp");
        std::fs::write(&stale, b"x").unwrap();
        let mut live = AtomicFile::create(dir.path().join("out.csv")).unwrap();
        live.write_all(b"y").unwrap();
        let removed = clean_stale(dir.path(), Duration::ZERO);
        assert_eq!(removed, vec![stale]);
        live.commit().unwrap();
        assert_eq!(std::fs::read(dir.path().join("out.csv")).unwrap(), b"y");
    }

    #[test]
    fn output_set_locks_and_renames_together() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let set = OutputSet::begin(&out).unwrap();
        assert!(matches!(OutputSet::begin(&out), Err(Error::Busy { .. })));
        atomic_write(set.path("a.csv"), b"a").unwrap();
        atomic_write(set.path("b.csv"), b"b").unwrap();
        assert!(!out.join("a.csv").exists());
        let done = set.commit().unwrap();
        assert_eq!(done.len(), 2);
        let names: Vec<_> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // The lock is free again.
        drop(OutputSet::begin(&out).unwrap());
    }

    #[test]
    fn same_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, b"x").unwrap();
        let b = dir.path().join(".").join("a.csv");
        assert!(matches!(check_not_input(&b, &[&a]), Err(Error::OutputIsInput { .. })));
        assert!(check_not_input(&dir.path().join("c.csv"), &[&a]).is_ok());
    }
}
