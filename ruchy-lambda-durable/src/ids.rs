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

use blake2::{Blake2b512, Digest};

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
        let digest = Blake2b512::digest(name.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in &digest[..32] {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        hex
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::IdNamespace;

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
