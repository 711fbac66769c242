//! Writing a build so that readers never see half of it: a lock per output
//! folder, a staging folder beside it, and an atomic swap at the end.
//!
//! The output `DIR` is replaced as a whole. Until the swap, `DIR` is the
//! previous build, untouched; after it, the new one. On Linux the swap is a
//! single `renameat2(RENAME_EXCHANGE)`, so there is no moment without `DIR`,
//! whenever the process is killed. Leftovers of a killed build (a staging
//! folder whose process is gone) are removed by the next build.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The names of everything a build keeps beside `DIR`.
struct Names {
    parent: PathBuf,
    name: String,
}

impl Names {
    fn new(out: &Path) -> anyhow::Result<Names> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .with_context(|| format!("{}: not a folder name", out.display()))?
            .to_string_lossy()
            .into_owned();
        Ok(Names { parent, name })
    }

    fn lock(&self) -> PathBuf {
        self.parent.join(format!(".{}.lock", self.name))
    }

    fn staging_prefix(&self) -> String {
        format!(".{}.building-", self.name)
    }

    fn staging(&self) -> PathBuf {
        self.parent
            .join(format!("{}{}", self.staging_prefix(), std::process::id()))
    }

    fn prev(&self) -> PathBuf {
        self.parent.join(format!("{}.prev", self.name))
    }
}

/// An exclusive lock on an output folder, held for the whole build and
/// released by the operating system when the process ends, however it ends:
/// a lock left by a dead process is free.
pub(crate) struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock of `out`; if another build holds it, fails at once
    /// naming the holder, or waits for it when `wait` is set.
    pub(crate) fn acquire(out: &Path, wait: bool) -> anyhow::Result<Lock> {
        let names = Names::new(out)?;
        std::fs::create_dir_all(&names.parent)
            .with_context(|| format!("cannot create {}", names.parent.display()))?;
        let path = names.lock();
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    holder.to_string()
                };
                if !wait {
                    bail!(
                        "{} is being built by {holder}; not starting a second build into it \
                         (use --wait to wait for it)",
                        out.display()
                    );
                }
                file.lock()
                    .with_context(|| format!("cannot wait for the lock {}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        // Say who holds it, for the message of a second build. The start
        // time is wall-clock on purpose: it is for a human, not an output.
        file.set_len(0)?;
        write!(
            file,
            "sborka build pid {} (started {})",
            std::process::id(),
            started_now()
        )?;
        file.flush()?;
        Ok(Lock { _file: file })
    }
}

/// The local time, ISO 8601 with its offset: `2026-12-07T04:25:31+03:00`.
fn started_now() -> String {
    jiff::Zoned::now()
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A folder beside the output where the build is written.
pub(crate) struct Staging {
    pub(crate) dir: PathBuf,
    out: PathBuf,
    names: Names,
    published: bool,
}

impl Staging {
    /// A fresh staging folder. Call with the lock held: it also removes the
    /// staging folders that killed builds left behind.
    pub(crate) fn new(out: &Path, _lock: &Lock) -> anyhow::Result<Staging> {
        let names = Names::new(out)?;
        remove_leftovers(&names);
        let dir = names.staging();
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            names,
            published: false,
        })
    }

    pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    pub(crate) fn write_with(
        &self,
        name: &str,
        f: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        let file =
            File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)
            .and_then(|()| w.flush())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Makes the staged folder the output. The previous output is kept as
    /// `DIR.prev` when `keep_prev` is set; otherwise it is removed on a
    /// thread of its own, while the caller finishes: wait for it with
    /// [`Removal::wait`] before letting go of the lock.
    pub(crate) fn publish(mut self, keep_prev: bool) -> anyhow::Result<Removal> {
        sync_dir(&self.dir);
        let mut removal = Removal(None);
        if self.out.exists() {
            swap(&self.dir, &self.out)
                .with_context(|| format!("cannot publish {}", self.out.display()))?;
            self.published = true;
            // self.dir now holds the previous output.
            if keep_prev {
                let prev = self.names.prev();
                if prev.exists() {
                    std::fs::remove_dir_all(&prev)
                        .with_context(|| format!("cannot remove {}", prev.display()))?;
                }
                std::fs::rename(&self.dir, &prev)
                    .with_context(|| format!("cannot keep {}", prev.display()))?;
            } else {
                let dir = self.dir.clone();
                let remove = std::thread::spawn(move || {
                    std::fs::remove_dir_all(&dir).with_context(|| {
                        format!("cannot remove the previous output {}", dir.display())
                    })
                });
                removal = Removal(Some(remove));
            }
        } else {
            std::fs::rename(&self.dir, &self.out)
                .with_context(|| format!("cannot publish {}", self.out.display()))?;
            self.published = true;
        }
        sync_dir(&self.names.parent);
        Ok(removal)
    }
}

/// The removal of the previous output after a publish (a few hundred
/// megabytes for a large build, which the kernel takes its time to free).
#[must_use = "wait for the removal before releasing the lock"]
pub(crate) struct Removal(Option<std::thread::JoinHandle<anyhow::Result<()>>>);

impl Removal {
    pub(crate) fn wait(self) -> anyhow::Result<()> {
        match self.0 {
            Some(remove) => remove.join().expect("the removal thread panicked"),
            None => Ok(()),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Exchanges two folders atomically.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

/// Exchanges two folders with two renames: elsewhere there is a short moment
/// without `b`.
#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    let tmp = a.with_extension("swap");
    std::fs::rename(b, &tmp)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&tmp, a)
}

/// Flushes a folder's entries to disk, so that a power cut does not undo a
/// published rename. Best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Removes staging folders of builds that are no longer running. Runs with
/// the lock held, so no live build of this output owns one.
fn remove_leftovers(names: &Names) {
    let Ok(entries) = std::fs::read_dir(&names.parent) else {
        return;
    };
    let prefix = names.staging_prefix();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
