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

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, FileHandle, MmapDirectory, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};

#[derive(Clone, Debug)]
pub(crate) struct BuildDirectory {
    root: PathBuf,
    inner: MmapDirectory,
}

impl BuildDirectory {
    pub(crate) fn open(root: &Path) -> tantivy::Result<BuildDirectory> {
        Ok(BuildDirectory {
            root: root.to_path_buf(),
            inner: MmapDirectory::open(root)?,
        })
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
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
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
        self.inner.atomic_read(path)
    }

    /// Written in place: nothing reads the index while it is built.
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        std::fs::write(self.root.join(path), data)
    }

    /// The caller publishes the folder, and syncs it then.
    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
