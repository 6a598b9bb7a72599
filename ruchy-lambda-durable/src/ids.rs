//! Operation ids, as AWS's SDKs make them.
//!
//! Each context counts its operations from 1 in the order the code starts them. The `n`th
//! operation of a context whose prefix is `p` gets the id
//! `hex(BLAKE2b-512("{p}-{n}"))[..64]`; at the top, where there is no prefix, of `"{n}"`. A
//! child context's prefix is its own operation's id. So a replay, which runs the same code in the
//! same order, finds each operation's saved state under the same id
//! (`OperationIdNamespace.create_id_for_step` in AWS's Python SDK, `identifier.py`).
//!
//! ```
//! use ruchy_lambda_durable::ids::IdNamespace;
//!
//! let top = IdNamespace::root();
//! let first = top.id(1);
//! assert_eq!(first, "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97");
//! let inside_first = IdNamespace::child(&first).id(1);
//! assert_eq!(inside_first.len(), 64);
//! ```

/// The ids of one context's operations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdNamespace {
    prefix: Option<String>,
}

impl IdNamespace {
    /// The top context (the handler's), whose ids have no prefix.
    pub fn root() -> Self {
        IdNamespace { prefix: None }
    }

    /// The context inside the operation `operation_id` (a child context, a map or parallel
    /// branch).
    pub fn child(operation_id: &str) -> Self {
        IdNamespace {
            prefix: Some(operation_id.to_owned()),
        }
    }

    /// The prefix, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The id of the `step`th operation (counting from 1) of this context.
    pub fn id(&self, step: u64) -> String {
        let name = match &self.prefix {
            Some(prefix) => format!("{prefix}-{step}"),
            None => step.to_string(),
        };
        let digest = blake2b_512(name.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in &digest[..32] {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        hex
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// BLAKE2b with a 64-byte digest and no key (RFC 7693), the default of Python's
/// `hashlib.blake2b`.
fn blake2b_512(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    // Parameter block: digest length 64, key length 0, fanout 1, depth 1.
    h[0] ^= 0x0101_0040;
    let mut offset: u128 = 0;
    let mut chunks = data.chunks(128).peekable();
    if chunks.peek().is_none() {
        compress(&mut h, &[0; 128], 0, true);
    }
    while let Some(chunk) = chunks.next() {
        let mut block = [0u8; 128];
        block[..chunk.len()].copy_from_slice(chunk);
        offset += chunk.len() as u128;
        compress(&mut h, &block, offset, chunks.peek().is_none());
    }
    let mut out = [0u8; 64];
    for (i, word) in h.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn compress(h: &mut [u64; 8], block: &[u8; 128], offset: u128, last: bool) {
    let mut m = [0u64; 16];
    for (i, word) in m.iter_mut().enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&block[i * 8..i * 8 + 8]);
        *word = u64::from_le_bytes(bytes);
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    // The byte offset as two 64-bit words: the low and the high half.
    v[12] ^= offset as u64;
    v[13] ^= (offset >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    for round in 0..12 {
        let s = &SIGMA[round % 10];
        mix(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        mix(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        mix(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        mix(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        mix(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        mix(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        mix(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        mix(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

#[cfg(test)]
mod tests {
    use super::{IdNamespace, blake2b_512};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    // RFC 7693, Appendix A: BLAKE2b-512("abc").
    #[test]
    fn blake2b_matches_rfc_7693() {
        assert_eq!(
            hex(&blake2b_512(b"abc")),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
             7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
    }

    // The empty input, one whole block and more than one block: the edges of the block loop
    // (values of Python's `hashlib.blake2b(...).hexdigest()`).
    #[test]
    fn blake2b_handles_empty_whole_and_several_blocks() {
        assert_eq!(
            hex(&blake2b_512(b"")),
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419\
             d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"
        );
        assert_eq!(
            &hex(&blake2b_512(&[b'b'; 128]))[..64],
            "1647cd53f8be2af17c7bebbd4543efb60950ebd3ba3979f68d3c1902644f0838"
        );
        assert_eq!(
            &hex(&blake2b_512(&[b'a'; 200]))[..64],
            "932355851d75f09c18646a9da87c25e055bc57f113121ad1ec63d45e7a1d62ab"
        );
    }

    // AWS's Python SDK pins the scheme in tests/concurrency_test.py
    // (`hashlib.blake2b(b"some-operation-id-7").hexdigest()[:64]`, and `b"7"` without a
    // prefix) and tests/context_test.py (`b"branch-op-1"`, `b"parent-op-1"`); the digests
    // are hashlib's.
    #[test]
    fn ids_are_the_python_sdks() {
        assert_eq!(
            IdNamespace::child("some-operation-id").id(7),
            "0c352e428fbfd607946df1758582453e50c4d1f86830adf5e29114596e144834"
        );
        assert_eq!(
            IdNamespace::root().id(7),
            "d5c47f63555ae063383c2a0df82bf309d90932bc8dd66a056d80e4d913e821fa"
        );
        assert_eq!(
            IdNamespace::child("branch-op").id(1),
            "efa99fdd583f16baff6caa304ea7aa751ef71d2c7fa6d11d3e5a2ad725b5f4c2"
        );
        assert_eq!(
            IdNamespace::child("parent-op").id(1),
            "64144c0c4df67ca92cc0fa29639eb7da8d1d7af953eef8bdd72d3fae347851e4"
        );
    }

    #[test]
    fn a_child_context_is_prefixed_by_its_operations_id() {
        let second = IdNamespace::root().id(2);
        assert_eq!(
            second,
            "c5faca15ac2f93578b39ef4b6bbb871bdedce4ddd584fd31f0bb66fade3947e6"
        );
        let child = IdNamespace::child(&second);
        assert_eq!(child.prefix(), Some(second.as_str()));
        assert_eq!(
            child.id(1),
            "9b9a566e6a3acb025bf1e7f9316f877f4def1a4320ddf2c8674e0fa6ceea6d64"
        );
        assert_ne!(child.id(1), IdNamespace::root().id(1));
    }
}
