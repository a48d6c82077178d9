//! The one place where vnlink uses `unsafe`: memory-mapping a finished `.vnl` file.
//!
//! Contract (see also the docs of [`Store`](super::Store)): vnlink maps only finished,
//! read-only store files, and never writes a `.vnl` in place: [`StoreWriter`](super::StoreWriter)
//! writes a temporary file and renames it, so a live map keeps the old inode. The remaining risk
//! is another process truncating or rewriting the file in place while it is mapped, which makes
//! reads of the lost pages fault (SIGBUS) or change under our feet.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// Maps `file` (at `path`, for messages) read-only. Returns `None` for an empty file, which
/// cannot be mapped on every platform and is not a store anyway.
pub(crate) fn map(file: &File, path: &Path) -> Result<Option<Mmap>> {
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: `Mmap::map` is unsafe because the mapped bytes may change or disappear if the
    // file is modified or truncated while mapped, which Rust's `&[u8]` rules do not allow.
    // vnlink maps only finished `.vnl` files opened read-only and never modifies a store in
    // place (writers write a temporary file in the same directory and rename it over the old
    // one, so existing maps keep the old inode). Another process truncating or rewriting the
    // file in place is outside what vnlink can prevent; that risk (SIGBUS, or bytes changing
    // after validation) is documented on `Store` and `Store::open`.
    let map = unsafe { Mmap::map(file) }.map_err(|e| Error::io(path, e))?;
    Ok(Some(map))
}
