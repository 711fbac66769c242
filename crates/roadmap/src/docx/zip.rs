//! The zip container of a `.docx`, written by hand: a handful of entries,
//! each compressed with Deflate while it is written (flate2), then laid out
//! with its sizes and CRC known, so no data descriptors, no extra fields, no
//! ZIP64 and every entry stamped 1980-01-01 00:00. The bytes depend on the
//! parts alone, never on the clock or on which features some other crate
//! turns on in a zip library.

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// Deflate level: the parts are repetitive markup, which even the fastest
/// level shrinks sixteenfold. On the 50,000-proposal model of
/// `examples/render_bench.rs` the whole DOCX takes 48 ms for 1.4 MB at
/// level 1, 60 ms / 1.1 MB at 3, 84 ms / 0.8 MB at 6, 139 ms / 0.7 MB at 9.
const LEVEL: u32 = 1;

/// DOS date of 1980-01-01 (the zip epoch); the time is 00:00.
const DOS_DATE: u16 = (1 << 5) | 1;

/// One part being written: deflated as it arrives, with its CRC-32 and
/// size counted on the way.
pub(super) struct Part {
    name: &'static str,
    deflate: DeflateEncoder<Vec<u8>>,
    crc: crc32fast::Hasher,
    size: u64,
}

impl Part {
    pub(super) fn new(name: &'static str) -> Part {
        Part {
            name,
            deflate: DeflateEncoder::new(Vec::new(), Compression::new(LEVEL)),
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }
}

impl Write for Part {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.deflate.flush()
    }
}

/// The archive: entries in the order they were added.
#[derive(Default)]
pub(super) struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Zip {
    /// A part given whole.
    pub(super) fn add(&mut self, name: &'static str, bytes: &[u8]) -> io::Result<()> {
        let mut part = Part::new(name);
        part.write_all(bytes)?;
        self.add_part(part)
    }

    /// A part written with [`Part`]'s `Write`.
    pub(super) fn add_part(&mut self, part: Part) -> io::Result<()> {
        let too_big = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is 4 GB or more, beyond a zip without ZIP64", part.name),
            )
        };
        let data = part.deflate.finish()?;
        let crc = part.crc.finalize();
        let size = u32::try_from(part.size).map_err(|_| too_big())?;
        let compressed = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(self.out.len()).map_err(|_| too_big())?;
        let name = part.name.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        self.entries = self.entries.checked_add(1).ok_or_else(too_big)?;

        // Fields shared by the local header and the central directory:
        // version needed 2.0, no flags, Deflate, time, date, CRC, sizes,
        // name length, no extra field.
        let mut common = Vec::with_capacity(26);
        for v in [20u16, 0, 8, 0, DOS_DATE] {
            common.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, compressed, size] {
            common.extend_from_slice(&v.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());

        self.out.extend_from_slice(b"PK\x03\x04");
        self.out.extend_from_slice(&common);
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(&data);

        self.central.extend_from_slice(b"PK\x01\x02");
        // Made by: MS-DOS, zip 2.0.
        self.central.extend_from_slice(&20u16.to_le_bytes());
        self.central.extend_from_slice(&common);
        // No comment, disk 0, no internal or external attributes.
        self.central.extend_from_slice(&[0; 10]);
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name);
        Ok(())
    }

    /// The archive's bytes: the entries, the central directory, its end.
    pub(super) fn finish(mut self) -> io::Result<Vec<u8>> {
        let too_big = || io::Error::new(io::ErrorKind::InvalidData, "the zip is 4 GB or more");
        let offset = u32::try_from(self.out.len()).map_err(|_| too_big())?;
        let size = u32::try_from(self.central.len()).map_err(|_| too_big())?;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(b"PK\x05\x06");
        self.out.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&offset.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // no comment
        Ok(self.out)
    }
}
