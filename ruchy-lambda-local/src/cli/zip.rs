//! A ZIP archive with one file, as Lambda's deployment packages are: the container written by
//! hand (APPNOTE.TXT 6.3: local header, data, central directory, end record), the data deflated
//! with `miniz_oxide`, its CRC-32 from `crc32fast`.
//!
//! The entry is "made by" Unix with the Unix mode in the high 16 bits of the external attributes,
//! so that Lambda extracts it executable. The timestamp is fixed (1980-01-01 00:00, the earliest
//! a ZIP can hold): the same binary always gives the same zip, byte for byte, and so the same
//! `CodeSha256` on Lambda.

use std::fmt;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// Version 2.0 of the format: deflate, no ZIP64.
const VERSION: u16 = 20;
/// "Made by" Unix (3) in the high byte, format version in the low byte.
const MADE_BY_UNIX: u16 = (3 << 8) | VERSION;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// MS-DOS date of 1980-01-01: (year - 1980) << 9 | month << 5 | day.
const DOS_DATE: u16 = (1 << 5) | 1;
/// MS-DOS time 00:00:00.
const DOS_TIME: u16 = 0;
/// `S_IFREG`: a regular file, in the Unix mode.
const REGULAR_FILE: u32 = 0o100_000;

/// Why the archive could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipError {
    /// The file or the archive would be 4 GiB or more, which needs ZIP64.
    TooLarge,
    /// The entry name is empty or longer than 65535 bytes.
    BadName,
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZipError::TooLarge => f.write_str("too large for a ZIP archive without ZIP64"),
            ZipError::BadName => f.write_str("a ZIP entry name must be 1 to 65535 bytes"),
        }
    }
}

impl std::error::Error for ZipError {}

/// A ZIP archive holding `data` as the file `name` with Unix permissions `mode` (e.g. `0o755`):
/// deflated, or stored when deflate does not make it smaller.
pub fn single_file(name: &str, data: &[u8], mode: u32) -> Result<Vec<u8>, ZipError> {
    let name_len = u16::try_from(name.len()).map_err(|_| ZipError::BadName)?;
    if name.is_empty() {
        return Err(ZipError::BadName);
    }
    let size = u32::try_from(data.len()).map_err(|_| ZipError::TooLarge)?;
    let crc = crc32fast::hash(data);
    let deflated = miniz_oxide::deflate::compress_to_vec(data, 9);
    let (method, stored): (u16, &[u8]) = if deflated.len() < data.len() {
        (DEFLATED, &deflated)
    } else {
        (STORED, data)
    };
    let compressed = u32::try_from(stored.len()).map_err(|_| ZipError::TooLarge)?;

    let mut zip = Vec::with_capacity(stored.len() + 2 * name.len() + 128);
    // Local file header.
    put32(&mut zip, LOCAL_HEADER);
    put16(&mut zip, VERSION);
    put16(&mut zip, 0); // flags
    put16(&mut zip, method);
    put16(&mut zip, DOS_TIME);
    put16(&mut zip, DOS_DATE);
    put32(&mut zip, crc);
    put32(&mut zip, compressed);
    put32(&mut zip, size);
    put16(&mut zip, name_len);
    put16(&mut zip, 0); // extra field length
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(stored);

    // Central directory: one header.
    let directory_offset = u32::try_from(zip.len()).map_err(|_| ZipError::TooLarge)?;
    put32(&mut zip, CENTRAL_HEADER);
    put16(&mut zip, MADE_BY_UNIX);
    put16(&mut zip, VERSION);
    put16(&mut zip, 0); // flags
    put16(&mut zip, method);
    put16(&mut zip, DOS_TIME);
    put16(&mut zip, DOS_DATE);
    put32(&mut zip, crc);
    put32(&mut zip, compressed);
    put32(&mut zip, size);
    put16(&mut zip, name_len);
    put16(&mut zip, 0); // extra field length
    put16(&mut zip, 0); // comment length
    put16(&mut zip, 0); // disk number
    put16(&mut zip, 0); // internal attributes
    put32(&mut zip, (REGULAR_FILE | (mode & 0o7777)) << 16);
    put32(&mut zip, 0); // offset of the local header
    zip.extend_from_slice(name.as_bytes());
    let directory_size =
        u32::try_from(zip.len()).map_err(|_| ZipError::TooLarge)? - directory_offset;

    // End of central directory record.
    put32(&mut zip, END_OF_CENTRAL_DIRECTORY);
    put16(&mut zip, 0); // this disk
    put16(&mut zip, 0); // disk with the central directory
    put16(&mut zip, 1); // entries on this disk
    put16(&mut zip, 1); // entries in all
    put32(&mut zip, directory_size);
    put32(&mut zip, directory_offset);
    put16(&mut zip, 0); // comment length
    Ok(zip)
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only entry, read back with the zip crate (an independent reader, which inflates the
    /// data and checks it against the CRC-32): (name, host that made it, Unix mode, compression
    /// method, content).
    fn read_back(zip: &[u8]) -> (String, u8, Option<u32>, ::zip::CompressionMethod, Vec<u8>) {
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        assert_eq!(content.len() as u64, entry.size());
        assert_eq!(crc32fast::hash(&content), entry.crc32());
        // The high byte of "version made by", in the central directory header the reader found.
        let made_by = zip[entry.central_header_start() as usize + 5];
        (
            entry.name().to_owned(),
            made_by,
            entry.unix_mode(),
            entry.compression(),
            content,
        )
    }

    #[test]
    fn one_executable_entry() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let zip = single_file("bootstrap", &data, 0o755).unwrap();
        assert!(zip.len() < data.len() / 2, "deflated");
        let (name, made_by, mode, method, content) = read_back(&zip);
        assert_eq!(name, "bootstrap");
        assert_eq!(made_by, 3, "made by Unix");
        assert_eq!(mode, Some(0o100_755));
        assert_eq!(method, ::zip::CompressionMethod::Deflated);
        assert_eq!(content, data);
        assert_eq!(
            zip,
            single_file("bootstrap", &data, 0o755).unwrap(),
            "reproducible"
        );
    }

    #[test]
    fn incompressible_and_empty_data_are_stored() {
        let mut x: u32 = 1;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for data in [noise, Vec::new()] {
            let zip = single_file("bootstrap", &data, 0o755).unwrap();
            let (_, _, _, method, content) = read_back(&zip);
            assert_eq!(content, data);
            assert_eq!(method, ::zip::CompressionMethod::Stored);
        }
        assert_eq!(single_file("", b"x", 0o644), Err(ZipError::BadName));
    }
}
