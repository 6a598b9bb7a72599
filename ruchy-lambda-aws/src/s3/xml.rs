//! S3's XML responses: `ListObjectsV2` pages and error bodies, read by a small tolerant XML
//! reader (an XML declaration, namespaces, comments, CDATA, the five named entities and
//! character references; no document type declarations).

#![allow(dead_code)]

use std::fmt;

use super::key::decode_url;

/// One object of a `ListObjectsV2` page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// The object's key, decoded.
    pub key: String,
    /// The object's size in bytes.
    pub size: u64,
    /// The object's entity tag as S3 sends it, in its double quotes: `"5d41402a…"`.
    pub etag: Option<String>,
    /// When the object was last written, as S3 sends it (ISO 8601, UTC):
    /// `2009-10-12T17:50:30.000Z`.
    pub last_modified: Option<String>,
}

/// One page of a `ListObjectsV2` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListPage {
    pub keys: Vec<ObjectSummary>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    pub next_continuation_token: Option<String>,
    pub key_count: Option<u64>,
}

/// The body of an S3 error response: `<Error><Code>NoSuchKey</Code><Message>…</Message>
/// <RequestId>…</RequestId>…</Error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3ErrorBody {
    pub code: String,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

/// Why an S3 response body could not be read: malformed XML (with the byte offset), or XML that
/// is not the response expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    offset: Option<usize>,
    message: String,
}

impl XmlError {
    fn at(offset: usize, message: impl Into<String>) -> Self {
        XmlError {
            offset: Some(offset),
            message: message.into(),
        }
    }

    fn unexpected(message: impl Into<String>) -> Self {
        XmlError {
            offset: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "malformed XML at byte {offset}: {}", self.message),
            None => write!(f, "unexpected XML: {}", self.message),
        }
    }
}

impl std::error::Error for XmlError {}

/// A `ListObjectsV2` response body. Keys and common prefixes are decoded when the response says
/// `<EncodingType>url</EncodingType>`.
pub(crate) fn parse_list_objects_v2(body: &[u8]) -> Result<ListPage, XmlError> {
    let root = parse(body)?;
    if root.name != "ListBucketResult" {
        return Err(XmlError::unexpected(format!(
            "expected <ListBucketResult>, found <{}>",
            root.name
        )));
    }
    let url_encoded = match root.child_text("EncodingType") {
        None => false,
        Some("url") => true,
        Some(other) => {
            return Err(XmlError::unexpected(format!(
                "unknown <EncodingType> {other:?}: only \"url\" is known"
            )));
        }
    };
    let decode = |element: &str, text: &str| {
        if url_encoded {
            decode_url(text).map_err(|e| {
                XmlError::unexpected(format!("<{element}> {text:?} is not URL-encoded text: {e}"))
            })
        } else {
            Ok(text.to_owned())
        }
    };
    let mut keys = Vec::new();
    for contents in root.children("Contents") {
        let key = contents
            .child_text("Key")
            .ok_or_else(|| XmlError::unexpected("a <Contents> has no <Key>"))?;
        let key = decode("Key", key)?;
        let size = contents
            .child_text("Size")
            .ok_or_else(|| XmlError::unexpected(format!("<Contents> of {key:?} has no <Size>")))?;
        let size = number(size).ok_or_else(|| {
            XmlError::unexpected(format!("<Size> of {key:?} is {size:?}, not a byte count"))
        })?;
        keys.push(ObjectSummary {
            size,
            etag: contents.child_text("ETag").map(str::to_owned),
            last_modified: contents.child_text("LastModified").map(str::to_owned),
            key,
        });
    }
    let mut common_prefixes = Vec::new();
    for prefixes in root.children("CommonPrefixes") {
        for prefix in prefixes.children("Prefix") {
            common_prefixes.push(decode("Prefix", &prefix.text)?);
        }
    }
    let is_truncated = match root.child_text("IsTruncated").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(XmlError::unexpected(format!(
                "<IsTruncated> is {other:?}, not true or false"
            )));
        }
    };
    let key_count =
        match root.child_text("KeyCount") {
            None => None,
            Some(text) => Some(number(text).ok_or_else(|| {
                XmlError::unexpected(format!("<KeyCount> is {text:?}, not a count"))
            })?),
        };
    Ok(ListPage {
        keys,
        common_prefixes,
        is_truncated,
        next_continuation_token: root.child_text("NextContinuationToken").map(str::to_owned),
        key_count,
    })
}

/// The code, message and request id of an S3 error body; `None` when the body is not one.
pub(crate) fn parse_error(body: &[u8]) -> Option<S3ErrorBody> {
    let root = parse(body).ok()?;
    if root.name != "Error" {
        return None;
    }
    let code = root.child_text("Code")?.trim();
    if code.is_empty() {
        return None;
    }
    Some(S3ErrorBody {
        code: code.to_owned(),
        message: root.child_text("Message").map(str::to_owned),
        request_id: root.child_text("RequestId").map(str::to_owned),
    })
}

fn number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

/// An element: its local name (without a namespace prefix), its child elements, and its text
/// (all the text directly inside it, entities decoded).
#[derive(Debug, Default)]
struct Element {
    name: String,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child_text(&self, name: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.text.as_str())
    }
}

/// Reads a whole document into its root element.
fn parse(body: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(body).map_err(|e| XmlError::at(e.valid_up_to(), "not UTF-8"))?;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut reader = Reader {
        src: text,
        pos: start,
    };
    // Prolog: the declaration, comments, processing instructions.
    loop {
        reader.skip_whitespace();
        if reader.rest().is_empty() {
            return Err(XmlError::at(reader.pos, "no root element"));
        }
        if !reader.skip_misc()? {
            break;
        }
    }
    if !reader.rest().starts_with('<') {
        return Err(XmlError::at(reader.pos, "text before the root element"));
    }
    // Open elements, innermost last, each with its name as written (prefix included).
    let mut open: Vec<(&str, Element)> = Vec::new();
    let root = loop {
        let Some((_, top)) = open.last_mut() else {
            let (raw, element, closed) = reader.start_tag()?;
            if closed {
                break element;
            }
            open.push((raw, element));
            continue;
        };
        let text_start = reader.pos;
        let text_len = reader.rest().find('<').unwrap_or(reader.rest().len());
        if text_len > 0 {
            let raw = &reader.src[text_start..text_start + text_len];
            decode_text(raw, text_start, &mut top.text)?;
            reader.pos += text_len;
        }
        let rest = reader.rest();
        if rest.is_empty() {
            let name = open.last().map_or("", |(raw, _)| *raw);
            return Err(XmlError::at(
                reader.pos,
                format!("the document ends inside <{name}>"),
            ));
        } else if rest.starts_with("</") {
            let tag_start = reader.pos;
            reader.pos += 2;
            let name = reader.name()?;
            reader.skip_whitespace();
            reader.expect(">")?;
            let Some((raw, element)) = open.pop() else {
                return Err(XmlError::at(tag_start, format!("</{name}> closes nothing")));
            };
            if name != raw {
                return Err(XmlError::at(tag_start, format!("</{name}> closes <{raw}>")));
            }
            match open.last_mut() {
                Some((_, parent)) => parent.children.push(element),
                None => break element,
            }
        } else if rest.starts_with("<![CDATA[") {
            let body_start = reader.pos + "<![CDATA[".len();
            let end = reader.find_from(body_start, "]]>", "a CDATA section is not closed")?;
            top.text.push_str(&reader.src[body_start..end]);
            reader.pos = end + "]]>".len();
        } else if !reader.skip_misc()? {
            let (raw, element, closed) = reader.start_tag()?;
            match (closed, open.last_mut()) {
                (false, _) => open.push((raw, element)),
                (true, Some((_, parent))) => parent.children.push(element),
                (true, None) => break element,
            }
        }
    };
    // Epilog: only whitespace, comments and processing instructions.
    loop {
        reader.skip_whitespace();
        if reader.rest().is_empty() {
            return Ok(root);
        }
        if !reader.skip_misc()? {
            return Err(XmlError::at(reader.pos, "content after the root element"));
        }
    }
}

struct Reader<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn expect(&mut self, token: &str) -> Result<(), XmlError> {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            Ok(())
        } else {
            Err(XmlError::at(self.pos, format!("expected `{token}`")))
        }
    }

    /// The offset of `token` at or after `from`.
    fn find_from(&self, from: usize, token: &str, missing: &str) -> Result<usize, XmlError> {
        self.src[from..]
            .find(token)
            .map(|i| from + i)
            .ok_or_else(|| XmlError::at(self.pos, missing))
    }

    /// Skips a comment or a processing instruction (the XML declaration is one) if one starts
    /// here; a document type declaration is an error.
    fn skip_misc(&mut self) -> Result<bool, XmlError> {
        let rest = self.rest();
        if rest.starts_with("<!--") {
            let end = self.find_from(self.pos + 4, "-->", "a comment is not closed")?;
            self.pos = end + 3;
            Ok(true)
        } else if rest.starts_with("<?") {
            let end =
                self.find_from(self.pos + 2, "?>", "a processing instruction is not closed")?;
            self.pos = end + 2;
            Ok(true)
        } else if rest.starts_with("<!") {
            Err(XmlError::at(
                self.pos,
                "document type declarations are not supported",
            ))
        } else {
            Ok(false)
        }
    }

    /// A name: up to whitespace, `/`, `>` or `=`.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '/' | '>' | '='))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        if name.is_empty()
            || name.contains(['<', '&', '"', '\''])
            || name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        {
            return Err(XmlError::at(self.pos, "expected a name"));
        }
        self.pos += len;
        Ok(name)
    }

    /// A start tag at `<`: the name as written, the element, and whether it closed itself
    /// (`<Prefix/>`). Attributes are checked for form and skipped.
    fn start_tag(&mut self) -> Result<(&'a str, Element, bool), XmlError> {
        self.expect("<")?;
        let raw = self.name()?;
        let name = raw.rsplit(':').next().unwrap_or(raw).to_owned();
        let element = Element {
            name,
            ..Element::default()
        };
        loop {
            let before = self.pos;
            self.skip_whitespace();
            if self.rest().starts_with("/>") {
                self.pos += 2;
                return Ok((raw, element, true));
            }
            if self.rest().starts_with('>') {
                self.pos += 1;
                return Ok((raw, element, false));
            }
            if self.rest().is_empty() {
                return Err(XmlError::at(
                    self.pos,
                    format!("the document ends inside <{raw}>"),
                ));
            }
            if self.pos == before {
                return Err(XmlError::at(
                    self.pos,
                    format!("expected `>` or an attribute in <{raw}>"),
                ));
            }
            self.name()?;
            self.skip_whitespace();
            self.expect("=")?;
            self.skip_whitespace();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(XmlError::at(self.pos, "an attribute value is not quoted")),
            };
            let value_start = self.pos + 1;
            let end = self.find_from(
                value_start,
                if quote == '"' { "\"" } else { "'" },
                "an attribute value is not closed",
            )?;
            if self.src[value_start..end].contains('<') {
                return Err(XmlError::at(value_start, "`<` in an attribute value"));
            }
            self.pos = end + 1;
        }
    }
}

/// Appends `raw` text (found at `offset`) to `out`, with entities and character references
/// decoded and line ends normalised to `\n`, as XML reads text.
fn decode_text(raw: &str, offset: usize, out: &mut String) -> Result<(), XmlError> {
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\r']) {
        out.push_str(&rest[..i]);
        if rest[i..].starts_with('\r') {
            out.push('\n');
            rest = rest[i + 1..].strip_prefix('\n').unwrap_or(&rest[i + 1..]);
            continue;
        }
        let at = offset + (raw.len() - rest.len()) + i;
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .filter(|&end| end <= 10)
            .ok_or_else(|| XmlError::at(at, "`&` does not start an entity such as `&amp;`"))?;
        let entity = &after[..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                } else if let Some(decimal) = entity.strip_prefix('#') {
                    decimal
                        .parse()
                        .ok()
                        .filter(|_| decimal.bytes().all(|b| b.is_ascii_digit()))
                } else {
                    return Err(XmlError::at(at, format!("unknown entity `&{entity};`")));
                };
                code.filter(|&c| c != 0)
                    .and_then(char::from_u32)
                    .ok_or_else(|| XmlError::at(at, format!("`&{entity};` is not a character")))?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests;
