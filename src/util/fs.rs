//! Atomic output: every file vnlink writes goes to a temporary file in the destination directory
//! and is renamed over the final name only when complete, so that a reader never sees a partial
//! file and a crash leaves the previous version in place.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file being written atomically. Write through [`AtomicFile::writer`], then call
/// [`AtomicFile::commit`]. Dropping it without committing removes the temporary file and leaves
/// no file at the final path.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (its directory must exist).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".vnlink-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&path, e))?;
        // Temporary files are created owner-only; outputs are ordinary files (rw-r--r--).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::io(&path, e))?;
        }
        Ok(AtomicFile { path, writer: BufWriter::with_capacity(1 << 16, tmp) })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The buffered writer of the temporary file.
    pub fn writer(&mut self) -> &mut BufWriter<tempfile::NamedTempFile> {
        &mut self.writer
    }

    /// Flushes, syncs and renames the temporary file to the final path.
    pub fn commit(self) -> Result<()> {
        let AtomicFile { path, writer } = self;
        let tmp = writer.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
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
            assert_eq!(mode & 0o777, 0o644);
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
}
