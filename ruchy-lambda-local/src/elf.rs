//! What an ELF executable requires from the system: the symbol versions it needs from its shared
//! libraries, and the instruction set it is built for.
//!
//! A bootstrap built against a newer glibc than the one Lambda's `provided.al2023` image ships
//! (glibc 2.34) fails at start-up with `version 'GLIBC_2.xx' not found`. This module reads the
//! `.gnu.version_r` sections (`SHT_GNU_verneed`) of a 64-bit little-endian ELF file — `x86_64` and
//! `aarch64` alike — with the [`object`] crate, through the section headers and the string table
//! each section links to, and answers which versions each needed library must provide:
//!
//! ```text
//! libc.so.6   GLIBC_2.2.5 GLIBC_2.3 ... GLIBC_2.34
//! ```
//!
//! [`max_glibc_version`] then gives the highest `GLIBC_x.y[.z]` as a comparable tuple, and
//! [`machine`] the file's `e_machine`. Every read is bounds-checked: a truncated or garbage file
//! gives an [`ElfError`], never a panic.

use std::fmt;

use object::LittleEndian;
use object::ReadRef;
use object::elf::{self as abi, FileHeader64, SectionHeader64};
use object::read::StringTable;
use object::read::elf::{FileHeader as _, SectionHeader as _, SectionTable};

/// The header of the only kind of file read here: ELF64, little-endian.
type Header = FileHeader64<LittleEndian>;

/// Why the version requirements of a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ElfError {
    /// The file does not start with the ELF magic bytes `\x7fELF`.
    NotElf,
    /// The file is ELF, but not 64-bit (`ELFCLASS64`).
    Not64Bit,
    /// The file is ELF64, but big-endian.
    NotLittleEndian,
    /// A structure lies (partly) past the end of the file.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset of the structure in the file.
        offset: u64,
    },
    /// A header field holds a value that cannot be right.
    Invalid {
        /// What was wrong.
        what: &'static str,
    },
    /// The file has no section headers (for example after `sstrip`).
    NoSectionHeaders,
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => f.write_str("not an ELF file (no \\x7fELF magic)"),
            ElfError::Not64Bit => f.write_str("not a 64-bit ELF file"),
            ElfError::NotLittleEndian => f.write_str("not a little-endian ELF file"),
            ElfError::Truncated { what, offset } => {
                write!(
                    f,
                    "truncated ELF file: {what} at offset {offset} is past the end"
                )
            }
            ElfError::Invalid { what } => write!(f, "invalid ELF file: {what}"),
            ElfError::NoSectionHeaders => f.write_str("the ELF file has no section headers"),
        }
    }
}

impl std::error::Error for ElfError {}

/// The versions one shared library must provide, as named in `.gnu.version_r`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionNeed {
    /// The library's file name, e.g. `libc.so.6`.
    pub library: String,
    /// The version names required from it, in file order, e.g. `GLIBC_2.2.5`, `GLIBC_2.34`.
    pub versions: Vec<String>,
}

/// The instruction set an ELF file is built for: its `e_machine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// `EM_X86_64`: Lambda's `x86_64`.
    X86_64,
    /// `EM_AARCH64`: Lambda's `arm64`.
    Aarch64,
    /// Any other `e_machine` value.
    Other(u16),
}

/// The versions each needed library must provide, read from the `.gnu.version_r` sections of a
/// 64-bit little-endian ELF file.
///
/// A file with no such section (a static executable) gives an empty list.
///
/// # Errors
///
/// [`ElfError`] when the file is not a 64-bit little-endian ELF file, has no section headers,
/// or is truncated or inconsistent.
pub fn required_versions(file: &[u8]) -> Result<Vec<VersionNeed>, ElfError> {
    let sections = sections(header(file)?, file)?;
    let mut needs = Vec::new();
    for section in sections.iter() {
        let offset = section.sh_offset(LittleEndian);
        let truncated = |what| ElfError::Truncated { what, offset };
        let Some((mut entries, link)) = section
            .gnu_verneed(LittleEndian, file)
            .map_err(|_| truncated("version section"))?
        else {
            continue;
        };
        let strings =
            sections
                .strings(LittleEndian, file, link)
                .map_err(|_| ElfError::Invalid {
                    what: "version section links to a missing string table",
                })?;
        while let Some((entry, mut names)) = entries
            .next()
            .map_err(|_| truncated("version need entry"))?
        {
            let library = string(strings, entry.vn_file.get(LittleEndian))?;
            let mut versions = Vec::new();
            while let Some(name) = names
                .next()
                .map_err(|_| truncated("version need auxiliary entry"))?
            {
                versions.push(string(strings, name.vna_name.get(LittleEndian))?);
            }
            needs.push(VersionNeed { library, versions });
        }
    }
    Ok(needs)
}

/// The instruction set of a 64-bit little-endian ELF file, from its header.
///
/// # Errors
///
/// [`ElfError`] when the file is not a 64-bit little-endian ELF file or its header is cut short.
pub fn machine(file: &[u8]) -> Result<Machine, ElfError> {
    Ok(match header(file)?.e_machine(LittleEndian) {
        abi::EM_X86_64 => Machine::X86_64,
        abi::EM_AARCH64 => Machine::Aarch64,
        other => Machine::Other(other.0),
    })
}

/// The highest `GLIBC_x.y[.z]` version required by any library, as `(x, y, z)` (`z` is 0 when
/// absent), or `None` when no glibc version is required. Names such as `GLIBC_PRIVATE` are ignored.
#[must_use]
pub fn max_glibc_version(needs: &[VersionNeed]) -> Option<(u32, u32, u32)> {
    needs
        .iter()
        .flat_map(|need| &need.versions)
        .filter_map(|name| glibc_version(name))
        .max()
}

/// Parses a version name `GLIBC_x.y` or `GLIBC_x.y.z` into `(x, y, z)`; anything else is `None`.
#[must_use]
pub fn glibc_version(name: &str) -> Option<(u32, u32, u32)> {
    let mut parts = name.strip_prefix("GLIBC_")?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// The ELF header, once the file is known to be ELF64 little-endian.
fn header(file: &[u8]) -> Result<&Header, ElfError> {
    if !file.starts_with(&abi::ELFMAG) {
        return Err(ElfError::NotElf);
    }
    let header: &Header = file.read_at(0).map_err(|()| ElfError::Truncated {
        what: "ELF header",
        offset: 0,
    })?;
    if header.e_ident.class != abi::ELFCLASS64 {
        return Err(ElfError::Not64Bit);
    }
    if header.e_ident.data != abi::ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian);
    }
    Ok(header)
}

/// The section headers. Their names are not read: a file need not have `e_shstrndx` for its
/// version sections to be found by type.
fn sections<'data>(
    header: &Header,
    file: &'data [u8],
) -> Result<SectionTable<'data, Header, &'data [u8]>, ElfError> {
    let offset = header.e_shoff(LittleEndian);
    if offset == 0 {
        return Err(ElfError::NoSectionHeaders);
    }
    if usize::from(header.e_shentsize(LittleEndian)) != size_of::<SectionHeader64<LittleEndian>>() {
        return Err(ElfError::Invalid {
            what: "section header entries are not 64 bytes",
        });
    }
    let headers = header
        .section_headers(LittleEndian, file)
        .map_err(|_| ElfError::Truncated {
            what: "section headers",
            offset,
        })?;
    if headers.is_empty() {
        return Err(ElfError::NoSectionHeaders);
    }
    Ok(SectionTable::new(headers, StringTable::default()))
}

/// The NUL-terminated string at `offset` in a string table, or `Truncated`.
fn string(strings: StringTable<'_>, offset: u32) -> Result<String, ElfError> {
    strings
        .get(offset)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .map_err(|()| ElfError::Truncated {
            what: "string",
            offset: u64::from(offset),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_binary() -> Vec<u8> {
        let path = std::env::current_exe().expect("path of the test binary");
        std::fs::read(path).expect("read the test binary")
    }

    #[test]
    fn the_test_binary_requires_some_glibc_2_version() {
        let needs =
            required_versions(&own_binary()).expect("the test binary is a readable ELF64 file");
        let libc = needs
            .iter()
            .find(|n| n.library.starts_with("libc.so"))
            .expect("a dynamically linked glibc binary needs libc.so.6");
        assert!(!libc.versions.is_empty(), "{needs:?}");
        assert!(
            libc.versions.iter().all(|v| v.starts_with("GLIBC_")),
            "{needs:?}"
        );
        let (major, minor, _) = max_glibc_version(&needs).expect("some GLIBC_x.y");
        assert_eq!(major, 2, "{needs:?}");
        // x86_64 glibc starts at 2.2.5, aarch64 at 2.17: any real requirement is at least 2.2.
        assert!(minor >= 2, "{needs:?}");
    }

    #[test]
    fn the_machine_is_read_from_the_header() {
        let expected = if cfg!(target_arch = "x86_64") {
            Machine::X86_64
        } else if cfg!(target_arch = "aarch64") {
            Machine::Aarch64
        } else {
            return;
        };
        assert_eq!(machine(&own_binary()), Ok(expected));
        let mut header = own_binary()[..64].to_vec();
        header[18..20].copy_from_slice(&40u16.to_le_bytes());
        assert_eq!(machine(&header), Ok(Machine::Other(40)));
        assert_eq!(machine(b"#!/bin/sh\n"), Err(ElfError::NotElf));
        assert!(matches!(
            machine(&header[..20]),
            Err(ElfError::Truncated { .. })
        ));
    }

    #[test]
    fn glibc_version_names() {
        assert_eq!(glibc_version("GLIBC_2.2.5"), Some((2, 2, 5)));
        assert_eq!(glibc_version("GLIBC_2.34"), Some((2, 34, 0)));
        assert_eq!(glibc_version("GLIBC_PRIVATE"), None);
        assert_eq!(glibc_version("GCC_3.0"), None);
        assert_eq!(glibc_version("GLIBC_2"), None);
        assert_eq!(glibc_version("GLIBC_2.3.4.5"), None);
        let needs = vec![
            VersionNeed {
                library: "libgcc_s.so.1".into(),
                versions: vec!["GCC_4.2.0".into()],
            },
            VersionNeed {
                library: "libc.so.6".into(),
                versions: vec![
                    "GLIBC_2.2.5".into(),
                    "GLIBC_2.34".into(),
                    "GLIBC_2.3.4".into(),
                ],
            },
        ];
        assert_eq!(max_glibc_version(&needs), Some((2, 34, 0)));
        assert_eq!(max_glibc_version(&[]), None);
    }

    #[test]
    fn every_truncation_of_a_real_binary_is_an_error_or_a_result_never_a_panic() {
        let file = own_binary();
        // The header and the section headers (at the end of the file) matter most; cut there,
        // and at a spread of lengths in between.
        let step = (file.len() / 2000).max(1);
        let lengths = (0..=256)
            .chain((0..file.len()).step_by(step))
            .chain(file.len().saturating_sub(4096)..file.len());
        for len in lengths {
            let _ = required_versions(&file[..len]);
        }
        assert_eq!(required_versions(&file[..0]), Err(ElfError::NotElf));
        assert!(matches!(
            required_versions(&file[..10]),
            Err(ElfError::Truncated { .. })
        ));
        assert!(matches!(
            required_versions(&file[..file.len() - 1]),
            Err(ElfError::Truncated { .. })
        ));
    }

    #[test]
    fn garbage_gives_errors() {
        assert_eq!(required_versions(b""), Err(ElfError::NotElf));
        assert_eq!(
            required_versions(b"#!/bin/sh\necho hi\n"),
            Err(ElfError::NotElf)
        );
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[4] = 1;
        assert_eq!(required_versions(&header), Err(ElfError::Not64Bit));
        header[4] = 2;
        header[5] = 2;
        assert_eq!(required_versions(&header), Err(ElfError::NotLittleEndian));
        header[5] = 1;
        assert_eq!(required_versions(&header), Err(ElfError::NoSectionHeaders));
        // Section headers far past the end of the file.
        header[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
        header[58..60].copy_from_slice(&64u16.to_le_bytes());
        header[60..62].copy_from_slice(&3u16.to_le_bytes());
        assert!(matches!(
            required_versions(&header),
            Err(ElfError::Truncated { .. })
        ));

        // Pseudo-random bytes behind a valid-looking header: never a panic.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..2000 {
            let mut file = header.clone();
            file[40..48].copy_from_slice(&64u64.to_le_bytes());
            for _ in 0..(64 + round % 512) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                file.push(state as u8);
            }
            // Make every section a version section now and then, to walk garbage chains.
            if round % 2 == 0 {
                for s in 0..3 {
                    let at = 64 + s * 64 + 4;
                    if at + 4 <= file.len() {
                        file[at..at + 4].copy_from_slice(&abi::SHT_GNU_VERNEED.0.to_le_bytes());
                    }
                }
            }
            let _ = required_versions(&file);
        }
    }

    #[test]
    fn a_hand_built_file_reads_back() {
        // ELF header, then a string table, then a verneed section, then 3 section headers.
        let strings = b"\0libc.so.6\0GLIBC_2.2.5\0GLIBC_2.34\0libm.so.6\0GLIBC_2.29\0";
        let name = |s: &str| {
            let needle = [s.as_bytes(), b"\0"].concat();
            strings
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap() as u32
        };
        let mut verneed = Vec::new();
        let entry = |cnt: u16, file: u32, aux: u32, next: u32| {
            let mut e = vec![1, 0];
            e.extend_from_slice(&cnt.to_le_bytes());
            e.extend_from_slice(&file.to_le_bytes());
            e.extend_from_slice(&aux.to_le_bytes());
            e.extend_from_slice(&next.to_le_bytes());
            e
        };
        let aux = |name: u32, next: u32| {
            let mut a = vec![0u8; 8];
            a.extend_from_slice(&name.to_le_bytes());
            a.extend_from_slice(&next.to_le_bytes());
            a
        };
        verneed.extend(entry(2, name("libc.so.6"), 16, 48));
        verneed.extend(aux(name("GLIBC_2.2.5"), 16));
        verneed.extend(aux(name("GLIBC_2.34"), 0));
        verneed.extend(entry(1, name("libm.so.6"), 16, 0));
        verneed.extend(aux(name("GLIBC_2.29"), 0));

        let strtab_at = 64u64;
        let verneed_at = strtab_at + strings.len() as u64;
        let shoff = verneed_at + verneed.len() as u64;
        let mut file = vec![0u8; 64];
        file[..6].copy_from_slice(b"\x7fELF\x02\x01");
        file[40..48].copy_from_slice(&shoff.to_le_bytes());
        file[58..60].copy_from_slice(&64u16.to_le_bytes());
        file[60..62].copy_from_slice(&3u16.to_le_bytes());
        file.extend_from_slice(strings);
        file.extend_from_slice(&verneed);
        let shdr = |kind: u32, offset: u64, size: u64, link: u32, info: u32| {
            let mut h = vec![0u8; 64];
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            h[40..44].copy_from_slice(&link.to_le_bytes());
            h[44..48].copy_from_slice(&info.to_le_bytes());
            h
        };
        file.extend(shdr(0, 0, 0, 0, 0));
        file.extend(shdr(3, strtab_at, strings.len() as u64, 0, 0));
        file.extend(shdr(
            abi::SHT_GNU_VERNEED.0,
            verneed_at,
            verneed.len() as u64,
            1,
            2,
        ));

        let needs = required_versions(&file).unwrap();
        assert_eq!(
            needs,
            vec![
                VersionNeed {
                    library: "libc.so.6".into(),
                    versions: vec!["GLIBC_2.2.5".into(), "GLIBC_2.34".into()],
                },
                VersionNeed {
                    library: "libm.so.6".into(),
                    versions: vec!["GLIBC_2.29".into()]
                },
            ]
        );
        assert_eq!(max_glibc_version(&needs), Some((2, 34, 0)));

        // A `vn_next` that points past the section.
        let mut past_end = file.clone();
        let first_next = (verneed_at + 12) as usize;
        past_end[first_next..first_next + 4].copy_from_slice(&0xffff_ffd0u32.to_le_bytes());
        assert!(matches!(
            required_versions(&past_end),
            Err(ElfError::Truncated { .. })
        ));
        // A link to a section that does not exist.
        let mut bad_link = file.clone();
        let link_at = (shoff + 2 * 64 + 40) as usize;
        bad_link[link_at..link_at + 4].copy_from_slice(&9u32.to_le_bytes());
        assert!(matches!(
            required_versions(&bad_link),
            Err(ElfError::Invalid { .. })
        ));
        // Every error displays as a sentence.
        for cut in 0..file.len() {
            if let Err(e) = required_versions(&file[..cut]) {
                assert!(!e.to_string().is_empty());
            }
        }
    }
}
