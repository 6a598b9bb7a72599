//! A ZIP archive with one file, as Lambda's deployment packages are, written with the `zip`
//! crate: deflated (by miniz_oxide, through flate2, at its best level), no ZIP64.
//!
//! The entry is "made by" Unix with the Unix mode of a regular file in the high 16 bits of the
//! external attributes, so that Lambda extracts it executable. (The `zip` crate marks entries
//! made by DOS when it is built for Windows, where Lambda would not see the mode; this command
//! is built for Unix only, as `serve`'s signal handling is.) The timestamp is fixed (1980-01-01
//! 00:00, the earliest a ZIP can hold, and the `zip` crate's when its `time` feature is off):
//! the same binary always gives the same zip, byte for byte, and so the same `CodeSha256` on
//! Lambda.

use std::io::{Cursor, Write};

use ::zip::result::ZipResult;
use ::zip::write::SimpleFileOptions;
use ::zip::{CompressionMethod, DateTime, ZipWriter};

/// miniz_oxide's best level: a bootstrap is zipped once, uploaded and unpacked many times.
const LEVEL: i64 = 9;

/// A ZIP archive holding `data` as the file `name` with Unix permissions `mode` (e.g. `0o755`),
/// deflated.
pub fn single_file(name: &str, data: &[u8], mode: u32) -> ZipResult<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(LEVEL))
        .last_modified_time(DateTime::default())
        .unix_permissions(mode);
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(data.len() / 2 + 256)));
    zip.start_file(name, options)?;
    zip.write_all(data)?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only entry, read back: (name, host that made it, Unix mode, compression method,
    /// modification time, content). The reader inflates the data and checks it against the
    /// CRC-32; the CRC-32 is checked here once more with another implementation.
    fn read_back(
        zip: &[u8],
    ) -> (
        String,
        u8,
        Option<u32>,
        CompressionMethod,
        Option<DateTime>,
        Vec<u8>,
    ) {
        let mut archive = ::zip::ZipArchive::new(Cursor::new(zip)).unwrap();
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
            entry.last_modified(),
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
        let (name, made_by, mode, method, modified, content) = read_back(&zip);
        assert_eq!(name, "bootstrap");
        assert_eq!(made_by, 3, "made by Unix");
        assert_eq!(mode, Some(0o100_755), "a regular file, rwxr-xr-x");
        assert_eq!(method, CompressionMethod::Deflated);
        assert_eq!(modified, Some(DateTime::default()), "1980-01-01 00:00");
        assert_eq!(content, data);
        assert_eq!(
            zip,
            single_file("bootstrap", &data, 0o755).unwrap(),
            "reproducible"
        );
    }

    #[test]
    fn empty_data_and_other_modes() {
        let zip = single_file("bootstrap", b"", 0o755).unwrap();
        let (_, _, mode, _, _, content) = read_back(&zip);
        assert_eq!((mode, content.len()), (Some(0o100_755), 0));
        let zip = single_file("data.txt", b"text", 0o644).unwrap();
        let (name, _, mode, _, _, content) = read_back(&zip);
        assert_eq!(
            (name.as_str(), mode, &content[..]),
            ("data.txt", Some(0o100_644), &b"text"[..])
        );
    }
}
