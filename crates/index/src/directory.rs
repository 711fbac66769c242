//! The folder an index is built in: tantivy's `MmapDirectory`, except that
//! the files written are not synced to disk one by one.
//!
//! `MmapDirectory` syncs every file it closes and every `meta.json` and
//! `.managed.json` it rewrites: over a hundred `fdatasync` calls for one
//! build of 50,000 proposals in eight parts, each a rayon worker waiting on
//! the disk with nothing else to do (about 40 ms of waiting in all). The index
//! is built in the staging folder of `sborka build`, which is published as a
//! whole with the other outputs, none of which are synced one by one either;
//! an index interrupted half-way is never published.
//!
//! Nor are `meta.json` and `.managed.json` rewritten on disk each time
//! tantivy updates them (`.managed.json` once per file: about fifty times
//! at 50,000 proposals, each truncating the last copy, which on a disk
//! mounted with `discard` can wait for the device): they are held in memory
//! and written once, by [`BuildDirectory::write_held`].

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, FileHandle, MmapDirectory, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};

#[derive(Clone, Debug)]
pub(crate) struct BuildDirectory {
    root: PathBuf,
    inner: MmapDirectory,
    /// The files written whole ([`Directory::atomic_write`]), by path, not
    /// yet on disk.
    held: Arc<Mutex<BTreeMap<PathBuf, Vec<u8>>>>,
}

impl BuildDirectory {
    pub(crate) fn open(root: &Path) -> tantivy::Result<BuildDirectory> {
        Ok(BuildDirectory {
            root: root.to_path_buf(),
            inner: MmapDirectory::open(root)?,
            held: Arc::default(),
        })
    }

    /// Writes the files held in memory, each as it was last written.
    pub(crate) fn write_held(&self) -> io::Result<()> {
        let held = std::mem::take(&mut *self.held());
        for (path, data) in held {
            std::fs::write(self.root.join(path), data)?;
        }
        Ok(())
    }

    fn held(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, Vec<u8>>> {
        // A writer that panicked left whole files: the map is still sound.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A file written once and closed without a sync.
struct Unsynced(File);

impl Write for Unsynced {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl TerminatingWrite for Unsynced {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()
    }
}

impl Directory for BuildDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        if self.held().remove(path).is_some() && !self.inner.exists(path).unwrap_or(false) {
            return Ok(());
        }
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        if self.held().contains_key(path) {
            return Ok(true);
        }
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => OpenWriteError::FileAlreadyExists(path.into()),
                _ => OpenWriteError::wrap_io_error(e, path.into()),
            })?;
        Ok(BufWriter::new(Box::new(Unsynced(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        if let Some(data) = self.held().get(path) {
            return Ok(data.clone());
        }
        self.inner.atomic_read(path)
    }

    /// Held in memory until [`BuildDirectory::write_held`]: nothing else
    /// reads the index while it is built.
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.held().insert(path.to_path_buf(), data.to_vec());
        Ok(())
    }

    /// The caller publishes the folder, and syncs it then.
    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
