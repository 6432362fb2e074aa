//! Arazzo runtime expressions (`$inputs.x`, `$response.body#/a/0`, `{$steps.s.outputs.o}` …),
//! parsed once, at generation time, into a closed syntax tree.
//!
//! The grammar is the 1.0.1 ABNF with the stricter productions of 1.1.0 where 1.0.1 is
//! ambiguous (see `docs/expressions.md`): step and workflow ids are `identifier-strict`
//! (`[A-Za-z0-9_-]+`), input and output names are `identifier` (which also allows `.`), a JSON
//! pointer may follow `$inputs`, `$outputs`, `$steps` and `$workflows` references, and an
//! embedded `{$…}` ends at the first `}`.

use std::fmt;

/// A JSON pointer (RFC 6901), kept as its unescaped reference tokens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pointer(pub Vec<String>);

impl Pointer {
    /// Parses the part after `#`: empty, or `/`-separated tokens with `~0` and `~1` escapes.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self(Vec::new()));
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("a JSON pointer starts with `/`, found `{text}`"));
        };
        rest.split('/')
            .map(|token| {
                let mut out = String::with_capacity(token.len());
                let mut chars = token.chars();
                while let Some(c) = chars.next() {
                    if c == '~' {
                        match chars.next() {
                            Some('0') => out.push('~'),
                            Some('1') => out.push('/'),
                            _ => {
                                return Err(format!(
                                    "`~` in a JSON pointer must be followed by `0` or `1` (in `{text}`)"
                                ));
                            }
                        }
                    } else {
                        out.push(c);
                    }
                }
                Ok(out)
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// True for the empty pointer (the whole value).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.0 {
            write!(f, "/{}", token.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

/// Where in a request or response a `$request.` / `$response.` expression reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// `header.<name>` (case-insensitive).
    Header(String),
    /// `query.<name>`.
    Query(String),
    /// `path.<name>`.
    Path(String),
    /// `body`, optionally `#<pointer>`.
    Body(Option<Pointer>),
}

/// `inputs` or `outputs` of a workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkflowField {
    /// `inputs`
    Inputs,
    /// `outputs`
    Outputs,
}

/// The kinds of `components` an expression can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// `$components.inputs.<name>`
    Inputs,
    /// `$components.parameters.<name>`
    Parameters,
    /// `$components.successActions.<name>`
    SuccessActions,
    /// `$components.failureActions.<name>`
    FailureActions,
}

/// One runtime expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// `$url`
    Url,
    /// `$self` (Arazzo 1.1): the document's own URI, its `$self` field.
    SelfUri,
    /// `$method`
    Method,
    /// `$statusCode`
    StatusCode,
    /// `$request.<source>`
    Request(Source),
    /// `$response.<source>`
    Response(Source),
    /// `$message.<source>` (Arazzo 1.1): the message an AsyncAPI step sent or received; its
    /// `payload` is read as [`Source::Body`], its `header.<name>` as [`Source::Header`].
    Message(Source),
    /// `$inputs.<name>[#<pointer>]`
    Inputs {
        /// The input's name.
        name: String,
        /// A pointer into its value.
        pointer: Option<Pointer>,
    },
    /// `$outputs.<name>[#<pointer>]`
    Outputs {
        /// The output's name.
        name: String,
        /// A pointer into its value.
        pointer: Option<Pointer>,
    },
    /// `$steps.<stepId>.outputs.<name>[#<pointer>]`
    StepOutput {
        /// The step.
        step: String,
        /// The output's name.
        name: String,
        /// A pointer into its value.
        pointer: Option<Pointer>,
    },
    /// `$workflows.<workflowId>.(inputs|outputs).<name>[#<pointer>]`
    Workflow {
        /// The workflow.
        workflow: String,
        /// Inputs or outputs.
        field: WorkflowField,
        /// The input's or output's name.
        name: String,
        /// A pointer into its value.
        pointer: Option<Pointer>,
    },
    /// `$workflows.<workflowId>.steps.<stepId>.outputs.<name>[#<pointer>]`: an output of a step
    /// of another workflow that a step of this one depends on (`dependsOn`). Not in the Arazzo
    /// 1.1 grammar, but the specification's own examples write it.
    WorkflowStep {
        /// The workflow.
        workflow: String,
        /// The step.
        step: String,
        /// The output's name.
        name: String,
        /// A pointer into its value.
        pointer: Option<Pointer>,
    },
    /// `$sourceDescriptions.<name>.<reference>`
    SourceDescription {
        /// The source's name.
        source: String,
        /// An operationId or workflowId, or a field such as `url`.
        reference: String,
    },
    /// `$components.<kind>.<name>`
    Component {
        /// Which components map.
        kind: ComponentKind,
        /// The entry's name.
        name: String,
    },
}

/// A parse failure: what is wrong and at which byte of the expression text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset inside the parsed text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    pub help: Option<String>,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// How far a name may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A whole-value expression or one embedded in `{…}`: names are `identifier` (dots
    /// allowed), a pointer runs to the end.
    Value,
    /// Inside a `simple` condition: `.` and `[` after a name are operators, and a pointer ends at
    /// whitespace, `)`, `]`, `=`, `!`, `<`, `>`, `&` or `|`.
    Condition,
}

const ROOTS: &[&str] = &[
    "$url",
    "$method",
    "$statusCode",
    "$request.",
    "$response.",
    "$message.",
    "$inputs.",
    "$outputs.",
    "$steps.",
    "$workflows.",
    "$sourceDescriptions.",
    "$components.",
];

/// True when `text` starts like a runtime expression (`$inputs.`, `$statusCode`, …), so that a
/// failure to parse it is an error rather than a literal that happens to start with `$`.
pub fn looks_like_expression(text: &str) -> bool {
    ROOTS.iter().any(|root| {
        text.starts_with(root.trim_end_matches('.'))
            && text[root.trim_end_matches('.').len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

/// For a text that starts with `$word` where `word` is no root of a runtime expression but
/// close to one (`$step.x`, `$input.y`, `$statuscode`): the length of `$word` and the root meant.
/// Such a text is most likely a mistyped expression, not a literal.
pub fn misspelled_root(text: &str) -> Option<(usize, &'static str)> {
    let rest = text.strip_prefix('$')?;
    let word_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    if word.is_empty() || looks_like_expression(text) {
        return None;
    }
    let roots = ROOTS
        .iter()
        .map(|root| root.trim_start_matches('$').trim_end_matches('.'));
    let meant = crate::suggest::did_you_mean(word, roots)?;
    let root = ROOTS
        .iter()
        .find(|root| root.trim_start_matches('$').trim_end_matches('.') == meant)?;
    Some((word_len + 1, root.trim_end_matches('.')))
}

/// A way real documents write runtime expressions that Arazzo 1.0.1 does not define, but whose
/// meaning is unambiguous. See `docs/dialects.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `$response.body.a[0].b` for `$response.body#/a/0/b`.
    BodyDotPath,
    /// `$response.headers.X` for `$response.header.X`.
    HeadersPlural,
    /// `$steps.<id>.<name>` for `$steps.<id>.outputs.<name>`.
    StepWithoutOutputs,
    /// `$sourceDescriptions.<name>.workflows.<id>` for `$sourceDescriptions.<name>.<id>`.
    LegacyWorkflows,
    /// `$steps.<id>.outputs.a.b[0]` (and `$workflows.…`, `$outputs.…`) for `…outputs.a#/b/0`.
    OutputIndexPath,
}

impl Dialect {
    /// What the dialect is, for a warning.
    pub fn describe(self) -> &'static str {
        match self {
            Dialect::BodyDotPath => "a dot path into a body is not a runtime expression",
            Dialect::HeadersPlural => "`headers` is written `header`",
            Dialect::StepWithoutOutputs => "a step's values are read through `.outputs.`",
            Dialect::LegacyWorkflows => {
                "`$sourceDescriptions.<name>.workflows.<id>` is an old form of `$sourceDescriptions.<name>.<id>`"
            }
            Dialect::OutputIndexPath => "an index path into an output is not a runtime expression",
        }
    }
}

/// Rewrites the runtime expressions inside `text` that are written in a [`Dialect`] into their
/// Arazzo 1.0.1 form; `None` when there is none.
pub fn rewrite_dialects(text: &str) -> Option<(String, Vec<Dialect>)> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let from = &rest[at..];
        let len = from
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_whitespace() || "{}\"',()<>=!&|$".contains(*c))
            .map_or(from.len(), |(i, _)| i);
        let token = &from[..len];
        match rewrite_token(token) {
            Some((fixed, dialect)) => {
                out.push_str(&fixed);
                if !found.contains(&dialect) {
                    found.push(dialect);
                }
            }
            None => out.push_str(token),
        }
        rest = &from[len..];
    }
    out.push_str(rest);
    (!found.is_empty()).then_some((out, found))
}

/// `.a.b[0]` as the JSON pointer `/a/b/0`.
fn dot_path_pointer(path: &str) -> Option<String> {
    let mut pointer = String::new();
    for segment in path.split(['.', '[']).filter(|s| !s.is_empty()) {
        let segment = segment.strip_suffix(']').unwrap_or(segment);
        let segment = segment.trim_matches(|c| c == '\'' || c == '"');
        if segment.is_empty() {
            return None;
        }
        pointer.push('/');
        pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    Some(pointer)
}

fn rewrite_token(token: &str) -> Option<(String, Dialect)> {
    // `$outputs.a[0]` is left to the places where `$outputs` is readable, which read it so.
    if let Some(fixed) = output_index_path(token).filter(|_| !token.starts_with("$outputs.")) {
        return Some((fixed, Dialect::OutputIndexPath));
    }
    // `$message.payload.orderId`, as the specification's own examples write it.
    if let Some(path) = token.strip_prefix("$message.payload")
        && (path.starts_with('.') || path.starts_with('['))
    {
        let pointer = dot_path_pointer(path)?;
        return Some((format!("$message.payload#{pointer}"), Dialect::BodyDotPath));
    }
    for root in ["$response.", "$request."] {
        let Some(after) = token.strip_prefix(root) else {
            continue;
        };
        if let Some(name) = after.strip_prefix("headers.") {
            return Some((format!("{root}header.{name}"), Dialect::HeadersPlural));
        }
        let path = after.strip_prefix("body")?;
        if !(path.starts_with('.') || path.starts_with('[')) {
            return None;
        }
        let pointer = dot_path_pointer(path)?;
        return Some((format!("{root}body#{pointer}"), Dialect::BodyDotPath));
    }
    if let Some(after) = token.strip_prefix("$steps.") {
        let (step, name) = after.split_once('.')?;
        if name.is_empty()
            || name.starts_with("outputs.")
            || !step.chars().all(is_identifier_strict)
            || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            return None;
        }
        return Some((
            format!("$steps.{step}.outputs.{name}"),
            Dialect::StepWithoutOutputs,
        ));
    }
    if let Some(after) = token.strip_prefix("$sourceDescriptions.") {
        let (source, rest) = after.split_once('.')?;
        let id = rest.strip_prefix("workflows.")?;
        if id.is_empty() {
            return None;
        }
        return Some((
            format!("$sourceDescriptions.{source}.{id}"),
            Dialect::LegacyWorkflows,
        ));
    }
    None
}

/// `$steps.<id>.outputs.a.b[0]`, `$workflows.<id>.outputs.a[0]`, `$outputs.a[0].b`: an output
/// name, then a path with an index, as `…outputs.a#/b/0` (the name is the part before the first
/// `.` or `[`).
pub fn output_index_path(token: &str) -> Option<String> {
    if !token.contains('[') || token.contains('#') {
        return None;
    }
    let at = if let Some(after) = token.strip_prefix("$outputs.") {
        token.len() - after.len()
    } else {
        let rest = token
            .strip_prefix("$steps.")
            .or_else(|| token.strip_prefix("$workflows."))?;
        let (id, _) = rest.split_once(".outputs.")?;
        token.len() - rest.len() + id.len() + ".outputs.".len()
    };
    let (head, path) = token.split_at(at);
    let name_len = path.find(['.', '['])?;
    let (name, path) = path.split_at(name_len);
    if name.is_empty() || !name.chars().all(is_identifier_strict) {
        return None;
    }
    let mut pointer = String::new();
    for segment in path.split(['.', '[']).filter(|s| !s.is_empty()) {
        let segment = segment.strip_suffix(']').unwrap_or(segment);
        let segment = segment.trim_matches(|c| c == '\'' || c == '"');
        if segment.is_empty() || segment.contains(']') {
            return None;
        }
        pointer.push('/');
        pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    Some(format!("{head}{name}#{pointer}"))
}

/// Parses a whole-value expression: all of `text` must be one expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let (expr, used) = parse_prefix(text, Mode::Value)?;
    if used != text.len() {
        let rest = &text[used..];
        let mut error = ParseError::new(used, format!("unexpected `{rest}` after the expression"));
        // `$response.body.a.b` is a common way of writing `$response.body#/a/b`.
        if let (
            Expr::Response(Source::Body(None)) | Expr::Request(Source::Body(None)),
            Some(path),
        ) = (&expr, rest.strip_prefix('.'))
        {
            let pointer: String = path.split('.').map(|p| format!("/{p}")).collect();
            error = error.help(format!(
                "point into the body with a JSON pointer: `{expr}#{pointer}`"
            ));
        }
        return Err(error);
    }
    Ok(expr)
}

fn is_identifier_strict(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_identifier(c: char) -> bool {
    is_identifier_strict(c) || c == '.'
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    mode: Mode,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, literal: &str, what: &str) -> Result<(), ParseError> {
        if self.eat(literal) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{literal}` {what}")))
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !f(c))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.pos, message)
    }

    /// An identifier (`.` allowed in value mode), or strict for ids.
    fn name(&mut self, strict: bool, what: &str) -> Result<String, ParseError> {
        let name = if strict || self.mode == Mode::Condition {
            self.take_while(is_identifier_strict)
        } else {
            self.take_while(is_identifier)
        };
        if name.is_empty() {
            return Err(self.error(format!("expected {what}")));
        }
        Ok(name.to_owned())
    }

    fn pointer(&mut self) -> Result<Option<Pointer>, ParseError> {
        if !self.eat("#") {
            return Ok(None);
        }
        let start = self.pos;
        let whole = self.text;
        let text = match self.mode {
            Mode::Value => self.take_while(|c| c != '{' && c != '}'),
            Mode::Condition => {
                self.take_while(|c| !c.is_whitespace() && !"(){}[]=!<>&|".contains(c))
            }
        };
        Pointer::parse(text).map(Some).map_err(|message| {
            let error = ParseError::new(start, message);
            // `$response.body#id`: the `/` left out, a common slip.
            match text.chars().next() {
                Some(first) if first != '/' => error.help(format!(
                    "a JSON pointer starts with `/`: write `{}/{text}`",
                    &whole[..start]
                )),
                _ => error,
            }
        })
    }
}

/// Parses one expression at the start of `text`; returns it and how many bytes it used.
pub fn parse_prefix(text: &str, mode: Mode) -> Result<(Expr, usize), ParseError> {
    let mut c = Cursor { text, pos: 0, mode };
    if !c.eat("$") {
        return Err(c.error("a runtime expression starts with `$`"));
    }
    let root = c.take_while(|ch| ch.is_ascii_alphanumeric()).to_owned();
    let expr = match root.as_str() {
        "url" => Expr::Url,
        "self" => Expr::SelfUri,
        "method" => Expr::Method,
        "statusCode" => Expr::StatusCode,
        "request" | "response" => {
            c.expect(".", &format!("after `${root}`"))?;
            let kind = c.take_while(|ch| ch.is_ascii_alphabetic()).to_owned();
            let source = match kind.as_str() {
                "header" => {
                    c.expect(".", "after `header`")?;
                    let name = match mode {
                        Mode::Value => c.take_while(is_tchar),
                        Mode::Condition => c.take_while(|ch| is_tchar(ch) && ch != '.'),
                    };
                    if name.is_empty() {
                        return Err(c.error("expected a header name"));
                    }
                    Source::Header(name.to_owned())
                }
                "query" => {
                    c.expect(".", "after `query`")?;
                    Source::Query(c.name(false, "a query parameter name")?)
                }
                "path" => {
                    c.expect(".", "after `path`")?;
                    Source::Path(c.name(false, "a path parameter name")?)
                }
                "body" => Source::Body(c.pointer()?),
                "headers" => {
                    return Err(
                        ParseError::new(c.pos - kind.len(), "unknown source `headers`")
                            .help(format!("use the singular: `${root}.header.<name>`")),
                    );
                }
                _ => {
                    return Err(ParseError::new(
                        c.pos - kind.len(),
                        format!("unknown `${root}` source `{kind}`"),
                    )
                    .help("expected `header.<name>`, `query.<name>`, `path.<name>` or `body`"));
                }
            };
            if root == "request" {
                Expr::Request(source)
            } else {
                Expr::Response(source)
            }
        }
        "message" => {
            c.expect(".", "after `$message`")?;
            let kind = c.take_while(|ch| ch.is_ascii_alphabetic()).to_owned();
            Expr::Message(match kind.as_str() {
                "header" => {
                    c.expect(".", "after `header`")?;
                    let name = match mode {
                        Mode::Value => c.take_while(is_tchar),
                        Mode::Condition => c.take_while(|ch| is_tchar(ch) && ch != '.'),
                    };
                    if name.is_empty() {
                        return Err(c.error("expected a header name"));
                    }
                    Source::Header(name.to_owned())
                }
                "payload" => Source::Body(c.pointer()?),
                _ => {
                    return Err(ParseError::new(
                        c.pos - kind.len(),
                        format!("unknown `$message` source `{kind}`"),
                    )
                    .help("expected `header.<name>` or `payload`"));
                }
            })
        }
        "inputs" | "outputs" => {
            c.expect(".", &format!("after `${root}`"))?;
            let name = c.name(false, &format!("a name after `${root}.`"))?;
            let pointer = c.pointer()?;
            if root == "inputs" {
                Expr::Inputs { name, pointer }
            } else {
                Expr::Outputs { name, pointer }
            }
        }
        "steps" => {
            c.expect(".", "after `$steps`")?;
            let step = c.name(true, "a step id after `$steps.`")?;
            if !c.eat(".outputs.") {
                let rest = c.rest().strip_prefix('.').filter(|r| !r.is_empty());
                let example = rest.unwrap_or("<name>");
                return Err(c
                    .error("expected `.outputs.<name>` after the step id")
                    .help(format!(
                        "a step's values are its outputs: `$steps.{step}.outputs.{example}`"
                    )));
            }
            let name = c.name(false, "an output name")?;
            let pointer = c.pointer()?;
            Expr::StepOutput {
                step,
                name,
                pointer,
            }
        }
        "workflows" => {
            c.expect(".", "after `$workflows`")?;
            let workflow = c.name(true, "a workflow id after `$workflows.`")?;
            if c.eat(".steps.") {
                let step = c.name(true, "a step id after `.steps.`")?;
                if !c.eat(".outputs.") {
                    return Err(c.error("expected `.outputs.<name>` after the step id"));
                }
                let name = c.name(false, "an output name")?;
                let pointer = c.pointer()?;
                Expr::WorkflowStep {
                    workflow,
                    step,
                    name,
                    pointer,
                }
            } else {
                let field = if c.eat(".inputs.") {
                    WorkflowField::Inputs
                } else if c.eat(".outputs.") {
                    WorkflowField::Outputs
                } else {
                    return Err(c.error(
                        "expected `.inputs.<name>` or `.outputs.<name>` after the workflow id",
                    ));
                };
                let name = c.name(false, "a name")?;
                let pointer = c.pointer()?;
                Expr::Workflow {
                    workflow,
                    field,
                    name,
                    pointer,
                }
            }
        }
        "sourceDescriptions" => {
            c.expect(".", "after `$sourceDescriptions`")?;
            let source = c.name(true, "a source name")?;
            c.expect(".", "after the source name")?;
            let reference = match mode {
                Mode::Value => c.take_while(|ch| ch != '{' && ch != '}' && ch != '#'),
                Mode::Condition => {
                    c.take_while(|ch| !ch.is_whitespace() && !"(){}[]=!<>&|".contains(ch))
                }
            };
            if reference.is_empty() {
                return Err(
                    c.error("expected an operationId, workflowId or field after the source name")
                );
            }
            Expr::SourceDescription {
                source,
                reference: reference.to_owned(),
            }
        }
        "components" => {
            c.expect(".", "after `$components`")?;
            let kind_start = c.pos;
            let kind = c.take_while(|ch| ch.is_ascii_alphanumeric()).to_owned();
            let kind = match kind.as_str() {
                "inputs" => ComponentKind::Inputs,
                "parameters" => ComponentKind::Parameters,
                "successActions" => ComponentKind::SuccessActions,
                "failureActions" => ComponentKind::FailureActions,
                _ => {
                    return Err(ParseError::new(
                        kind_start,
                        format!("unknown component type `{kind}`"),
                    )
                    .help(
                        "expected `inputs`, `parameters`, `successActions` or `failureActions`",
                    ));
                }
            };
            c.expect(".", "after the component type")?;
            let name = c.name(false, "a component name")?;
            Expr::Component { kind, name }
        }
        "" => return Err(c.error("expected an expression name after `$`")),
        other => {
            return Err(ParseError::new(1, format!("unknown runtime expression `${other}`")).help(
                "expressions start with `$url`, `$method`, `$statusCode`, `$request.`, `$response.`, \
                 `$inputs.`, `$outputs.`, `$steps.`, `$workflows.`, `$sourceDescriptions.` or `$components.`",
            ));
        }
    };
    Ok((expr, c.pos))
}

/// A piece of a string that may embed expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text sent as written.
    Literal(String),
    /// `{$…}`: the expression, and the byte offset of its `$` in the string.
    Expr(Expr, usize),
}

/// What a string value in a document means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Template {
    /// The whole string is one expression: its value keeps its type.
    Whole(Expr),
    /// A string with `{$…}` parts: always a string.
    Interpolated(Vec<Part>),
    /// A plain string.
    Literal(String),
}

/// Classifies a string value: a whole expression, a template with `{$…}` parts, or a literal.
///
/// A string that starts like an expression (`$inputs.`, `$steps.` …) must parse as one; a string
/// such as `$5 off` is a literal.
pub fn parse_template(text: &str) -> Result<Template, ParseError> {
    if looks_like_expression(text) {
        return parse(text).map(Template::Whole);
    }
    if !text.contains("{$") {
        return Ok(Template::Literal(text.to_owned()));
    }
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find("{$") {
        literal.push_str(&rest[..open]);
        let start = offset + open + 1;
        let inner = &rest[open + 1..];
        let (expr, used) = parse_prefix(inner, Mode::Value).map_err(|mut e| {
            e.offset += start;
            e
        })?;
        if !inner[used..].starts_with('}') {
            return Err(ParseError::new(
                start + used,
                "an embedded expression must end with `}`",
            ));
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        parts.push(Part::Expr(expr, start));
        let consumed = open + 1 + used + 1;
        rest = &rest[consumed..];
        offset += consumed;
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(Template::Interpolated(parts))
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn pointer(f: &mut fmt::Formatter<'_>, p: &Option<Pointer>) -> fmt::Result {
            match p {
                Some(p) => write!(f, "#{p}"),
                None => Ok(()),
            }
        }
        fn source(f: &mut fmt::Formatter<'_>, s: &Source) -> fmt::Result {
            match s {
                Source::Header(n) => write!(f, "header.{n}"),
                Source::Query(n) => write!(f, "query.{n}"),
                Source::Path(n) => write!(f, "path.{n}"),
                Source::Body(p) => {
                    f.write_str("body")?;
                    pointer(f, p)
                }
            }
        }
        match self {
            Self::Url => f.write_str("$url"),
            Self::SelfUri => f.write_str("$self"),
            Self::Method => f.write_str("$method"),
            Self::StatusCode => f.write_str("$statusCode"),
            Self::Request(s) => {
                f.write_str("$request.")?;
                source(f, s)
            }
            Self::Response(s) => {
                f.write_str("$response.")?;
                source(f, s)
            }
            Self::Message(Source::Body(p)) => {
                f.write_str("$message.payload")?;
                pointer(f, p)
            }
            Self::Message(s) => {
                f.write_str("$message.")?;
                source(f, s)
            }
            Self::Inputs { name, pointer: p } => {
                write!(f, "$inputs.{name}")?;
                pointer(f, p)
            }
            Self::Outputs { name, pointer: p } => {
                write!(f, "$outputs.{name}")?;
                pointer(f, p)
            }
            Self::StepOutput {
                step,
                name,
                pointer: p,
            } => {
                write!(f, "$steps.{step}.outputs.{name}")?;
                pointer(f, p)
            }
            Self::Workflow {
                workflow,
                field,
                name,
                pointer: p,
            } => {
                let field = match field {
                    WorkflowField::Inputs => "inputs",
                    WorkflowField::Outputs => "outputs",
                };
                write!(f, "$workflows.{workflow}.{field}.{name}")?;
                pointer(f, p)
            }
            Self::WorkflowStep {
                workflow,
                step,
                name,
                pointer: p,
            } => {
                write!(f, "$workflows.{workflow}.steps.{step}.outputs.{name}")?;
                pointer(f, p)
            }
            Self::SourceDescription { source, reference } => {
                write!(f, "$sourceDescriptions.{source}.{reference}")
            }
            Self::Component { kind, name } => {
                let kind = match kind {
                    ComponentKind::Inputs => "inputs",
                    ComponentKind::Parameters => "parameters",
                    ComponentKind::SuccessActions => "successActions",
                    ComponentKind::FailureActions => "failureActions",
                };
                write!(f, "$components.{kind}.{name}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_are_rewritten_to_their_conformant_form() {
        let cases = [
            ("$response.body.a[0].b", "$response.body#/a/0/b"),
            ("$request.body.x", "$request.body#/x"),
            ("$response.headers.Location", "$response.header.Location"),
            ("$steps.login.token", "$steps.login.outputs.token"),
            (
                "$sourceDescriptions.more.workflows.begin",
                "$sourceDescriptions.more.begin",
            ),
            (
                "Bearer {$response.body.token}",
                "Bearer {$response.body#/token}",
            ),
        ];
        for (written, conformant) in cases {
            let (fixed, _) = rewrite_dialects(written).expect(written);
            assert_eq!(fixed, conformant);
            assert!(parse_template(&fixed).is_ok(), "{fixed}");
        }
        for conformant in [
            "$response.body#/a",
            "$steps.login.outputs.token",
            "$inputs.a.b",
            "$response.header.X",
            "plain text",
            "$",
        ] {
            assert_eq!(rewrite_dialects(conformant), None, "{conformant}");
        }
    }

    #[test]
    fn misspelled_roots_are_recognised() {
        assert_eq!(misspelled_root("$step.x.outputs.y"), Some((5, "$steps")));
        assert_eq!(misspelled_root("$input.name"), Some((6, "$inputs")));
        assert_eq!(misspelled_root("$steps.x.outputs.y"), None);
        assert_eq!(misspelled_root("$5 off"), None);
        assert_eq!(misspelled_root("no dollar"), None);
    }

    #[test]
    fn round_trips() {
        for text in [
            "$url",
            "$method",
            "$statusCode",
            "$request.header.accept",
            "$request.query.page",
            "$request.path.id",
            "$request.body#/user/uuid",
            "$response.body",
            "$response.body#/a~1b/0/c~0d",
            "$response.header.X-Rate-Limit",
            "$inputs.username",
            "$inputs.user#/name",
            "$outputs.bar",
            "$steps.someStep.outputs.pets#/0/id",
            "$workflows.foo.inputs.username",
            "$workflows.foo.outputs.mapped#/name",
            "$workflows.foo.steps.make.outputs.id#/0",
            "$sourceDescriptions.petStore.url",
            "$sourceDescriptions.petStore.find.pets",
            "$components.parameters.page",
            "$components.inputs.creds",
            "$components.successActions.done",
            "$components.failureActions.retry",
        ] {
            let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(expr.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed() {
        for (text, needle) in [
            ("$", "expected an expression name"),
            ("$foo", "unknown runtime expression"),
            ("$steps.x.y", "expected `.outputs.<name>`"),
            ("$steps.x", "expected `.outputs.<name>`"),
            ("$response.headers.x", "unknown source `headers`"),
            ("$response.bodyx", "unknown `$response` source"),
            ("$response.body#a", "starts with `/`"),
            ("$response.body#/a~2", "`~` in a JSON pointer"),
            ("$inputs.", "expected a name"),
            ("$workflows.w.x.y", "expected `.inputs.<name>`"),
            ("$components.other.x", "unknown component type"),
            ("$statusCode ", "unexpected ` `"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.message.contains(needle), "{text}: {}", error.message);
        }
    }

    /// Each production of the grammar, valid and not, with what it parses to.
    #[test]
    fn production_table() {
        let valid: &[(&str, Expr)] = &[
            (
                "$request.header.X-Rate-Limit",
                Expr::Request(Source::Header("X-Rate-Limit".into())),
            ),
            (
                "$response.header.a!#$%&'*+-.^_`|~9",
                Expr::Response(Source::Header("a!#$%&'*+-.^_`|~9".into())),
            ),
            (
                "$request.query.page.size",
                Expr::Request(Source::Query("page.size".into())),
            ),
            (
                "$response.body#",
                Expr::Response(Source::Body(Some(Pointer(vec![])))),
            ),
            (
                "$response.body#/",
                Expr::Response(Source::Body(Some(Pointer(vec![String::new()])))),
            ),
            (
                "$response.body#/a~1b/~0c/0",
                Expr::Response(Source::Body(Some(Pointer(vec![
                    "a/b".into(),
                    "~c".into(),
                    "0".into(),
                ])))),
            ),
            (
                "$inputs.a.b",
                Expr::Inputs {
                    name: "a.b".into(),
                    pointer: None,
                },
            ),
            (
                "$inputs.x#/0",
                Expr::Inputs {
                    name: "x".into(),
                    pointer: Some(Pointer(vec!["0".into()])),
                },
            ),
            (
                "$outputs.a-b_c",
                Expr::Outputs {
                    name: "a-b_c".into(),
                    pointer: None,
                },
            ),
            (
                "$steps.step-1_a.outputs.a.b#/c",
                Expr::StepOutput {
                    step: "step-1_a".into(),
                    name: "a.b".into(),
                    pointer: Some(Pointer(vec!["c".into()])),
                },
            ),
            (
                "$workflows.w.outputs.o#/x",
                Expr::Workflow {
                    workflow: "w".into(),
                    field: WorkflowField::Outputs,
                    name: "o".into(),
                    pointer: Some(Pointer(vec!["x".into()])),
                },
            ),
            (
                "$sourceDescriptions.petStore.find.pets.by-id",
                Expr::SourceDescription {
                    source: "petStore".into(),
                    reference: "find.pets.by-id".into(),
                },
            ),
            (
                "$components.parameters.page.size",
                Expr::Component {
                    kind: ComponentKind::Parameters,
                    name: "page.size".into(),
                },
            ),
        ];
        for (text, expected) in valid {
            assert_eq!(parse(text).as_ref(), Ok(expected), "{text}");
        }
        let invalid = [
            "$steps..outputs.x",
            "$steps.x.outputs.",
            "$steps.a.b.outputs.c",
            "$workflows.w.inputs",
            "$workflows.w.steps.x",
            "$sourceDescriptions.s",
            "$sourceDescriptions.s.",
            "$sourceDescriptions.museum-api#/paths/~1x/get",
            "$components.parameters",
            "$components.parameters.",
            "$request.header.",
            "$request.query.",
            "$request.path.",
            "$request.cookie.x",
            "$inputs.x#/a~",
            "$inputs.x#a",
            "$url.x",
            "$statusCode.x",
            "$inputs.x y",
            "$Inputs.x",
        ];
        for text in invalid {
            assert!(parse(text).is_err(), "{text} must not parse");
        }
    }

    #[test]
    fn malformed_forms_from_real_documents_get_help() {
        let help = |text: &str| parse(text).expect_err(text).help.unwrap_or_default();
        assert_eq!(
            help("$response.body.data.items"),
            "point into the body with a JSON pointer: `$response.body#/data/items`"
        );
        assert_eq!(
            help("$steps.tokenRequest.access_token"),
            "a step's values are its outputs: `$steps.tokenRequest.outputs.access_token`"
        );
        assert_eq!(
            help("$response.headers.Location"),
            "use the singular: `$response.header.<name>`"
        );
    }

    #[test]
    fn templates() {
        assert_eq!(
            parse_template("$inputs.x").ok(),
            Some(Template::Whole(Expr::Inputs {
                name: "x".into(),
                pointer: None
            }))
        );
        assert_eq!(
            parse_template("$5 off").ok(),
            Some(Template::Literal("$5 off".into()))
        );
        let Ok(Template::Interpolated(parts)) = parse_template("Bearer {$inputs.token}!") else {
            panic!("interpolates");
        };
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts[1],
            Part::Expr(
                Expr::Inputs {
                    name: "token".into(),
                    pointer: None
                },
                8
            )
        );
        assert!(parse_template("a {$inputs.x b").is_err());
        assert!(parse_template("$inputs.x y").is_err());
        assert!(parse_template("{$nope}").is_err());
        let Ok(Template::Interpolated(parts)) =
            parse_template("{\"a\": \"{$inputs.x}\", \"b\": {$steps.s.outputs.n#/0}}")
        else {
            panic!("a JSON text with embedded expressions");
        };
        assert_eq!(parts.len(), 5);
        assert_eq!(
            parse_template("{$inputs.x}{$inputs.y}")
                .map(|t| matches!(t, Template::Interpolated(p) if p.len() == 2)),
            Ok(true)
        );
        assert_eq!(
            parse_template("{ not an expression }"),
            Ok(Template::Literal("{ not an expression }".into()))
        );
    }

    #[test]
    fn condition_mode_stops_at_operators() {
        let (expr, used) =
            parse_prefix("$response.body#/a/b == 1", Mode::Condition).expect("parses");
        assert_eq!(expr.to_string(), "$response.body#/a/b");
        assert_eq!(used, 19);
        let (expr, used) = parse_prefix("$inputs.a.b", Mode::Condition).expect("parses");
        assert_eq!(expr.to_string(), "$inputs.a");
        assert_eq!(used, 9);
    }
}
