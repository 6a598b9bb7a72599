//! The symbol versions an ELF executable requires from its shared libraries.
//!
//! A bootstrap built against a newer glibc than the one Lambda's `provided.al2023` image ships
//! (glibc 2.34) fails at start-up with `version 'GLIBC_2.xx' not found`. This module reads the
//! `.gnu.version_r` section (`SHT_GNU_verneed`) of a 64-bit little-endian ELF file — `x86_64` and
//! `aarch64` alike — through the section headers and the string table the section links to, and
//! answers which versions each needed library must provide:
//!
//! ```text
//! libc.so.6   GLIBC_2.2.5 GLIBC_2.3 ... GLIBC_2.34
//! ```
//!
//! [`max_glibc_version`] then gives the highest `GLIBC_x.y[.z]` as a comparable tuple.
//! Every read is bounds-checked: a truncated or garbage file gives an [`ElfError`], never a panic.

use std::fmt;

/// `SHT_GNU_verneed`: the section type of `.gnu.version_r`.
const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
/// Size of an `Elf64_Ehdr`.
const EHDR_SIZE: usize = 64;
/// Size of an `Elf64_Shdr`.
const SHDR_SIZE: usize = 64;
/// Size of an `Elf64_Verneed` and of an `Elf64_Vernaux`.
const VERNEED_SIZE: usize = 16;
/// More section headers than any real executable has: a garbage count stops here.
const MAX_SECTIONS: usize = 65_536;

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

/// The versions each needed library must provide, read from the `.gnu.version_r` section of a
/// 64-bit little-endian ELF file.
///
/// A file with no such section (a static executable) gives an empty list.
///
/// # Errors
///
/// [`ElfError`] when the file is not a 64-bit little-endian ELF file, has no section headers,
/// or is truncated or inconsistent.
pub fn required_versions(file: &[u8]) -> Result<Vec<VersionNeed>, ElfError> {
    let header = Header::parse(file)?;
    let sections = header.sections(file)?;
    let mut needs = Vec::new();
    for section in sections.iter().filter(|s| s.kind == SHT_GNU_VERNEED) {
        let strtab = sections
            .get(section.link as usize)
            .ok_or(ElfError::Invalid {
                what: "version section links to a missing string table",
            })?;
        let strings = slice(file, strtab.offset, strtab.size, "string table")?;
        let data = slice(file, section.offset, section.size, "version section")?;
        read_verneed(data, section.info, strings, &mut needs)?;
    }
    Ok(needs)
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

/// The fields of `Elf64_Ehdr` this module needs.
struct Header {
    shoff: u64,
    shentsize: u16,
    shnum: u16,
}

impl Header {
    fn parse(file: &[u8]) -> Result<Header, ElfError> {
        if file.get(..4) != Some(b"\x7fELF".as_slice()) {
            return Err(ElfError::NotElf);
        }
        if file.len() < EHDR_SIZE {
            return Err(ElfError::Truncated {
                what: "ELF header",
                offset: 0,
            });
        }
        if file[4] != 2 {
            return Err(ElfError::Not64Bit);
        }
        if file[5] != 1 {
            return Err(ElfError::NotLittleEndian);
        }
        Ok(Header {
            shoff: u64_at(file, 40)?,
            shentsize: u16_at(file, 58)?,
            shnum: u16_at(file, 60)?,
        })
    }

    /// Reads every section header. With more than 0xff00 sections `e_shnum` is 0 and the real
    /// count is in the first section header's `sh_size`.
    fn sections(&self, file: &[u8]) -> Result<Vec<Section>, ElfError> {
        if self.shoff == 0 {
            return Err(ElfError::NoSectionHeaders);
        }
        if usize::from(self.shentsize) < SHDR_SIZE {
            return Err(ElfError::Invalid {
                what: "section header entries are too small",
            });
        }
        let entsize = u64::from(self.shentsize);
        let count = match self.shnum {
            0 => Section::parse(file, self.shoff)?.size,
            n => u64::from(n),
        };
        if count == 0 {
            return Err(ElfError::NoSectionHeaders);
        }
        let count = usize::try_from(count)
            .ok()
            .filter(|&c| c <= MAX_SECTIONS)
            .ok_or(ElfError::Invalid {
                what: "too many section headers",
            })?;
        (0..count as u64)
            .map(|i| {
                let offset = i
                    .checked_mul(entsize)
                    .and_then(|o| o.checked_add(self.shoff))
                    .ok_or(ElfError::Invalid {
                        what: "section header offset overflows",
                    })?;
                Section::parse(file, offset)
            })
            .collect()
    }
}

/// The fields of `Elf64_Shdr` this module needs.
struct Section {
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
}

impl Section {
    fn parse(file: &[u8], at: u64) -> Result<Section, ElfError> {
        let header = slice(file, at, SHDR_SIZE as u64, "section header")?;
        Ok(Section {
            kind: u32_at(header, 4)?,
            offset: u64_at(header, 24)?,
            size: u64_at(header, 32)?,
            link: u32_at(header, 40)?,
            info: u32_at(header, 44)?,
        })
    }
}

/// Walks the `Elf64_Verneed` chain (`count` entries, each followed by its `Elf64_Vernaux`
/// chain) inside one version section.
fn read_verneed(
    data: &[u8],
    count: u32,
    strings: &[u8],
    needs: &mut Vec<VersionNeed>,
) -> Result<(), ElfError> {
    // Each entry takes 16 bytes, so a count past what fits is garbage: stop there rather than
    // trust it (offsets only move forward, so the walk ends in any case).
    let max_entries = data.len() / VERNEED_SIZE;
    let mut at = 0usize;
    for read in 0..count {
        if read as usize > max_entries {
            return Err(ElfError::Invalid {
                what: "version section has more entries than fit",
            });
        }
        let entry = sub(data, at, VERNEED_SIZE, "version need entry")?;
        let aux_count = u16_at(entry, 2)?;
        let library = string_at(strings, u32_at(entry, 4)?)?;
        let aux_offset = u32_at(entry, 8)?;
        let next = u32_at(entry, 12)?;

        let mut versions = Vec::with_capacity(usize::from(aux_count));
        let mut aux_at = add(at, aux_offset)?;
        for i in 0..aux_count {
            if versions.len() > max_entries {
                return Err(ElfError::Invalid {
                    what: "version entry has more names than fit",
                });
            }
            let aux = sub(data, aux_at, VERNEED_SIZE, "version need auxiliary entry")?;
            versions.push(string_at(strings, u32_at(aux, 8)?)?);
            let aux_next = u32_at(aux, 12)?;
            if aux_next == 0 {
                if i + 1 != aux_count {
                    return Err(ElfError::Invalid {
                        what: "version name chain ends early",
                    });
                }
                break;
            }
            aux_at = add(aux_at, aux_next)?;
        }
        needs.push(VersionNeed { library, versions });
        if next == 0 {
            break;
        }
        at = add(at, next)?;
    }
    Ok(())
}

fn add(base: usize, offset: u32) -> Result<usize, ElfError> {
    usize::try_from(offset)
        .ok()
        .and_then(|o| base.checked_add(o))
        .ok_or(ElfError::Invalid {
            what: "offset overflows",
        })
}

/// `len` bytes of the file at `offset`, or `Truncated`.
fn slice<'a>(
    file: &'a [u8],
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<&'a [u8], ElfError> {
    let truncated = ElfError::Truncated { what, offset };
    let start = usize::try_from(offset).map_err(|_| truncated.clone())?;
    let len = usize::try_from(len).map_err(|_| truncated.clone())?;
    let end = start.checked_add(len).ok_or(truncated.clone())?;
    file.get(start..end).ok_or(truncated)
}

/// `len` bytes of a section at `at`, or `Truncated`.
fn sub<'a>(
    data: &'a [u8],
    at: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], ElfError> {
    slice(data, at as u64, len as u64, what)
}

/// The NUL-terminated string at `offset` in a string table.
fn string_at(strings: &[u8], offset: u32) -> Result<String, ElfError> {
    let truncated = ElfError::Truncated {
        what: "string",
        offset: u64::from(offset),
    };
    let rest = strings.get(offset as usize..).ok_or(truncated.clone())?;
    let len = rest.iter().position(|&b| b == 0).ok_or(truncated)?;
    Ok(String::from_utf8_lossy(&rest[..len]).into_owned())
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, ElfError> {
    let b = sub(bytes, at, 2, "16-bit field")?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, ElfError> {
    let b = sub(bytes, at, 4, "32-bit field")?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64, ElfError> {
    let b = sub(bytes, at, 8, "64-bit field")?;
    Ok(u64::from_le_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ]))
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
                        file[at..at + 4].copy_from_slice(&SHT_GNU_VERNEED.to_le_bytes());
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
            SHT_GNU_VERNEED,
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
