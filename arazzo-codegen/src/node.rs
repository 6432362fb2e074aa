//! A YAML/JSON document as a tree whose every node knows where it was written.
//!
//! `serde_yaml` and its forks drop positions, and diagnostics need them, so documents are parsed
//! with `yaml-rust2`'s event parser (which reports a position with each event) into this tree.
//! Scalars are resolved by the YAML 1.2 core schema, of which JSON is a subset.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostic::Diagnostic;
use crate::files::{FileId, Files, Span};

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Its position.
    pub span: Span,
}

/// A mapping key (always read as a string: `200:` in a responses map is the key `"200"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key's text.
    pub name: String,
    /// Its position.
    pub span: Span,
}

/// A YAML/JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages ("expected a string, found a mapping").
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// Follows an RFC 6901 JSON pointer (without its leading `#`) from this node.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |node, token| {
            let token = token.replace("~1", "/").replace("~0", "~");
            match &node.value {
                Value::Map(_) => node.get(&token),
                Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            }
        })
    }
}

/// How deep collections may nest: deeper documents are not Arazzo or OpenAPI anyone writes,
/// and every later stage walks the tree recursively.
const MAX_DEPTH: usize = 256;

/// How many values aliases may add, in all: a few kilobytes of YAML can otherwise expand to
/// gigabytes ("billion laughs").
const MAX_ALIAS_EXPANSION: usize = 1_000_000;

/// Parses YAML (or JSON) text into a [`Node`] tree. A syntax error becomes a diagnostic at the
/// place the parser stopped.
pub fn parse(files: &Files, file: FileId) -> Result<Node, Diagnostic> {
    let text = &files.get(file).text;
    let mut builder = TreeBuilder {
        files,
        file,
        stack: Vec::new(),
        anchors: Vec::new(),
        expanded: 0,
        root: None,
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    let loaded = parser.load(&mut builder, true);
    // A problem found while building (a second document, an alias bomb) comes earlier in the
    // file than a syntax error the parser met after it.
    if let Some(error) = builder.error {
        return Err(error);
    }
    if let Err(error) = loaded {
        let info = error.info();
        let mut span = marker_span(files, file, error.marker());
        // The scanner reports a tab where the token it was reading began; the tab itself is
        // what the reader must find.
        if info.contains("tab")
            && let Some(tab) = text.get(span.start..).and_then(|rest| rest.find('\t'))
        {
            let at = span.start + tab;
            span = files.span(file, at, at + 1);
        }
        let language = if files.get(file).display.ends_with(".json") {
            "JSON"
        } else {
            "YAML"
        };
        let mut d = Diagnostic::error(span, format!("invalid {language}: {info}"))
            .with_label("the parser stopped here");
        if let Some(help) = syntax_help(info) {
            d = d.with_help(help);
        }
        return Err(d);
    }
    match builder.root {
        Some(root) => Ok(root),
        None => Err(Diagnostic::error(
            files.span(file, 0, text.len().min(1)),
            "the file is empty: expected a YAML or JSON document",
        )),
    }
}

/// What usually causes a syntax error the parser reports with `info`.
fn syntax_help(info: &str) -> Option<&'static str> {
    Some(if info.contains("tab") {
        "YAML indents with spaces only; replace the tab with spaces"
    } else if info.contains("trailing content") {
        "something follows this value on the same line: a missing `,` between entries, or a missing `:`?"
    } else if info.contains("quoted scalar") {
        "a quoted string starts here: check that its closing quote is there"
    } else if info.contains("flow mapping") || info.contains("flow sequence") {
        "inside `{ }` and `[ ]` (and everywhere in JSON) entries are separated by commas, and every bracket is closed"
    } else if info.contains("mapping values are not allowed") {
        "check this line's indentation against the line above; a value containing `: ` must be quoted"
    } else if info.contains("did not find expected key") || info.contains("block") {
        "check the indentation: the keys of one mapping, and the `-` items of one sequence, line up"
    } else {
        return None;
    })
}

fn marker_span(files: &Files, file: FileId, marker: &Marker) -> Span {
    let text = &files.get(file).text;
    // A parser that ran out of input reports the end of the file; point at the last thing
    // written instead, which is where the reader has to look.
    let content_end = text.trim_end().len();
    let start = match files.offset(file, marker.line(), marker.col()) {
        index if index >= content_end => text[..content_end]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i),
        index => index,
    };
    let end = text[start..]
        .char_indices()
        .nth(1)
        .map_or(text.len(), |(i, _)| start + i);
    files.span(file, start, end)
}

/// A mapping or sequence being built.
enum Open {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
    },
}

struct TreeBuilder<'a> {
    files: &'a Files,
    file: FileId,
    stack: Vec<Open>,
    /// Anchored nodes, with how many values each holds.
    anchors: Vec<(usize, Node, usize)>,
    /// Values added by aliases so far.
    expanded: usize,
    root: Option<Node>,
    error: Option<Diagnostic>,
}

impl TreeBuilder<'_> {
    fn scalar_span(&self, mark: Marker, raw_len: usize) -> Span {
        let text = &self.files.get(self.file).text;
        // `Marker::index` counts characters, not bytes; line and column are exact.
        let start = self.files.offset(self.file, mark.line(), mark.col());
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = (start + raw_len.max(1))
            .min(line_end.max(start + 1))
            .min(text.len());
        self.files.span(self.file, start, end)
    }

    fn fail(&mut self, diagnostic: Diagnostic) {
        if self.error.is_none() {
            self.error = Some(diagnostic);
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 && self.error.is_none() {
            let size = count(&node);
            self.anchors.push((anchor, node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let name = match node.value {
                        Value::Str(s) => s,
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Null => String::new(),
                        Value::Seq(_) | Value::Map(_) => {
                            if self.error.is_none() {
                                self.error = Some(Diagnostic::error(
                                    node.span,
                                    "a mapping key must be a scalar, not a collection",
                                ));
                            }
                            String::new()
                        }
                    };
                    *key = Some(Key {
                        name,
                        span: node.span,
                    });
                }
                Some(k) => {
                    if let Some((previous, _)) = entries.iter().find(|(p, _)| p.name == k.name)
                        && self.error.is_none()
                    {
                        let first = format!("{}:{}", previous.span.line, previous.span.column);
                        self.error = Some(
                            Diagnostic::error(k.span, format!("duplicate key `{}`", k.name))
                                .with_label(format!("first defined at line {first}"))
                                .with_help(
                                    "a mapping may hold each key once; remove or rename one",
                                ),
                        );
                    }
                    entries.push((k, node));
                }
            },
        }
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                let raw_len = text.len() + if quoted { 2 } else { 0 };
                let span = self.scalar_span(mark, raw_len);
                let tag = tag.map(|t| t.suffix);
                let value = resolve_scalar(text, quoted, tag.as_deref());
                self.finish(Node { value, span }, anchor);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if self.stack.len() >= MAX_DEPTH =>
            {
                let span = self.scalar_span(mark, 1);
                self.fail(Diagnostic::error(
                    span,
                    format!("collections nest more than {MAX_DEPTH} levels deep here"),
                ));
                // Keep the structure balanced so that the matching end event closes something.
                let start = span;
                self.stack.push(Open::Seq {
                    start,
                    anchor: 0,
                    items: Vec::new(),
                });
                let _ = anchor;
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.scalar_span(mark, 1);
                self.stack.push(Open::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                let start = self.scalar_span(mark, 1);
                self.stack.push(Open::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Open::Seq {
                        start,
                        anchor,
                        items,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            span: start,
                        },
                        anchor,
                    ),
                    Some(Open::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            // The parser reports a block mapping's start after its first key;
                            // the first key is where a reader sees the mapping begin.
                            span: entries.first().map_or(start, |(key, _)| key.span),
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                    None => return,
                };
                self.finish(node, anchor);
            }
            Event::Alias(anchor) => {
                let span = self.scalar_span(mark, 1);
                let size = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(id, ..)| *id == anchor)
                    .map_or(0, |(.., size)| *size);
                self.expanded += size;
                if self.expanded > MAX_ALIAS_EXPANSION {
                    self.fail(
                        Diagnostic::error(span, format!("aliases expand this document to more than {MAX_ALIAS_EXPANSION} values"))
                            .with_help("a document whose aliases multiply like this is refused rather than expanded"),
                    );
                }
                let found = if self.error.is_some() {
                    None
                } else {
                    self.anchors
                        .iter()
                        .rev()
                        .find(|(id, ..)| *id == anchor)
                        .map(|(_, node, _)| node.clone())
                };
                match found {
                    Some(mut node) => {
                        node.span = span;
                        self.finish(node, 0);
                    }
                    None => {
                        self.fail(Diagnostic::error(span, "unknown YAML alias"));
                        self.finish(
                            Node {
                                value: Value::Null,
                                span,
                            },
                            0,
                        );
                    }
                }
            }
            Event::DocumentStart if self.root.is_some() => {
                let span = self.scalar_span(mark, 3);
                self.fail(
                    Diagnostic::error(span, "a second YAML document starts here")
                        .with_help("an Arazzo or OpenAPI file holds one document; remove the `---` and what follows, or split the file"),
                );
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// How many values a node holds, itself included.
fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| 1 + count(v)).sum(),
        _ => 0,
    }
}

/// Resolves a scalar by the YAML 1.2 core schema: plain `null`, `true`, `42`, `1.5` are typed;
/// quoted scalars and explicit `!!str` are strings.
fn resolve_scalar(text: String, quoted: bool, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::Str(text),
        Some("int") => {
            if let Ok(i) = text.parse() {
                return Value::Int(i);
            }
        }
        Some("float") => {
            if let Ok(f) = text.parse() {
                return Value::Float(f);
            }
        }
        _ => {}
    }
    if quoted {
        return Value::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if is_int(&text)
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    if is_float(&text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text)
}

fn is_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(f) => digits(whole) && digits(f) && !(whole.is_empty() && f.is_empty()),
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Files, Result<Node, Diagnostic>) {
        let mut files = Files::default();
        let id = files.add("t.yml".into(), "t.yml".into(), text.to_owned());
        let node = parse(&files, id);
        (files, node)
    }

    #[test]
    fn positions_and_types() {
        let (_, node) = load("a: 1\nb:\n  - 'x'\n  - 2.5\n  - null\nc: {d: true}\n200: ok\n");
        let node = node.expect("parses");
        let b = node.get("b").expect("b");
        assert_eq!(b.items()[0].value, Value::Str("x".into()));
        assert_eq!((b.items()[0].span.line, b.items()[0].span.column), (3, 5));
        assert_eq!(b.items()[1].value, Value::Float(2.5));
        assert_eq!(b.items()[2].value, Value::Null);
        assert_eq!(node.get("a").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(
            node.pointer("/c/d").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
        assert_eq!(node.get("200").and_then(Node::as_str), Some("ok"));
    }

    #[test]
    fn json_is_yaml() {
        let (_, node) = load("{\"a\": [1, \"2\", {\"b~c/d\": false}]}");
        let node = node.expect("parses");
        assert_eq!(
            node.pointer("/a/2/b~0c~1d").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn syntax_errors_have_places() {
        let (files, node) = load("a: 1\nb: [1, 2\nc: 3\n");
        let diagnostic = node.expect_err("fails");
        assert!(diagnostic.message.starts_with("invalid YAML"));
        assert!(diagnostic.span.is_some());
        assert!(diagnostic.render(&files).contains("t.yml:"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let (_, node) = load("a: 1\nb: 2\na: 3\n");
        let diagnostic = node.expect_err("fails");
        assert_eq!(diagnostic.message, "duplicate key `a`");
        assert_eq!(diagnostic.span.map(|s| (s.line, s.column)), Some((3, 1)));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let (files, node) = load("a: \"é–ü\"\nb: x\n");
        let node = node.expect("parses");
        let b = node.get("b").expect("b");
        assert_eq!((b.span.line, b.span.column), (2, 4));
        assert_eq!(&files.get(b.span.file).text[b.span.start..b.span.end], "x");
        let a = node.get("a").expect("a");
        assert_eq!(
            &files.get(a.span.file).text[a.span.start..a.span.end],
            "\"é–ü\""
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let (_, node) = load(&text);
        let diagnostic = node.expect_err("refused");
        assert!(
            diagnostic.message.contains("aliases expand"),
            "{}",
            diagnostic.message
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        for depth in [300, 10_000] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let (_, node) = load(&text);
            let diagnostic = node.expect_err("refused");
            // The YAML parser has a recursion limit of its own; either refusal is fine.
            assert!(
                diagnostic.message.contains("levels deep")
                    || diagnostic.message.contains("recursion limit"),
                "{depth}: {}",
                diagnostic.message
            );
        }
    }

    #[test]
    fn one_document_per_file() {
        let (_, node) = load("a: 1\n---\nb: {{{ [\n");
        assert!(
            node.is_err(),
            "a second document, even a broken one, is reported"
        );
        let (_, node) = load("a: 1\n---\nb: 2\n");
        let diagnostic = node.expect_err("refused");
        assert_eq!(diagnostic.message, "a second YAML document starts here");
        assert_eq!(diagnostic.span.map(|s| s.line), Some(2));
    }

    #[test]
    fn anchors_and_aliases() {
        let (_, node) = load("a: &x {b: 1}\nc: *x\n");
        let node = node.expect("parses");
        assert_eq!(node.pointer("/c/b").map(|n| &n.value), Some(&Value::Int(1)));
    }
}
