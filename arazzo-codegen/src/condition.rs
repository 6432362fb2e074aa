//! `simple` success-criteria conditions: `$statusCode == 200 && $response.body#/ok == true`.
//!
//! Arazzo 1.0.1 gives operators and literals but no grammar (OAI issue 518); the grammar this
//! parser implements is written down in `docs/conditions.md`:
//!
//! ```text
//! or      := and ( "||" and )*
//! and     := unary ( "&&" unary )*
//! unary   := "!" unary | compare
//! compare := operand ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) operand )?
//! operand := literal | "(" or ")" | expression ( "." name | "[" digits "]" )*
//! literal := "null" | "true" | "false" | number | "'" ( [^'] | "''" )* "'"
//! ```

use crate::expr::{self, Expr, Mode, ParseError};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// The operator that holds exactly when this one does not.
    pub fn negate(self) -> Self {
        match self {
            Self::Eq => Self::Ne,
            Self::Ne => Self::Eq,
            Self::Lt => Self::Ge,
            Self::Le => Self::Gt,
            Self::Gt => Self::Le,
            Self::Ge => Self::Lt,
        }
    }
}

/// A literal value in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, kept as written so that integers stay integers.
    Number(String),
    /// A single-quoted string, with `''` unescaped.
    Str(String),
}

/// `.name` or `[index]` after an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// `.name`
    Field(String),
    /// `[index]`
    Index(usize),
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A literal.
    Literal(Literal),
    /// A runtime expression and the accesses that follow it.
    Expr(Expr, Vec<Access>),
    /// A parenthesised condition.
    Group(Box<Condition>),
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `a || b`
    Or(Box<Condition>, Box<Condition>),
    /// `a && b`
    And(Box<Condition>, Box<Condition>),
    /// `!a`
    Not(Box<Condition>),
    /// `a <op> b`
    Compare(Operand, Op, Operand),
    /// An operand on its own: holds when it is `true`.
    Operand(Operand),
}

/// Parses a `simple` condition.
pub fn parse(text: &str) -> Result<Condition, ParseError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let condition = p.or()?;
    p.skip_ws();
    if p.pos < text.len() {
        let rest = &text[p.pos..];
        let mut error = p.error(format!("unexpected `{rest}`"));
        let word = rest.split_whitespace().next().unwrap_or_default();
        if [
            "contains",
            "matches",
            "in",
            "startsWith",
            "endsWith",
            "like",
            "~=",
        ]
        .contains(&word)
        {
            error = error.with_help(format!(
                "a `simple` condition compares with `==`, `!=`, `<`, `<=`, `>`, `>=` only; for `{word}` use a regex criterion: \
                 `{{context: <the value>, type: regex, condition: '<pattern>'}}`"
            ));
        }
        return Err(error);
    }
    Ok(condition)
}

/// `text` with its double-quoted strings (a common dialect) written in single quotes, as
/// Arazzo conditions write them; `None` when it has none (or one is not closed).
pub fn rewrite_double_quotes(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                // A single-quoted string, copied as it is (`''` inside is two strings in a row,
                // which copies the same).
                out.push(c);
                loop {
                    let inner = chars.next()?;
                    out.push(inner);
                    if inner == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                out.push('\'');
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\'' => out.push_str("''"),
                        inner => out.push(inner),
                    }
                }
                out.push('\'');
                changed = true;
            }
            _ => out.push(c),
        }
    }
    changed.then_some(out)
}

/// How deep `!` and parentheses may nest; no real condition comes close, and the parser
/// recurses.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.pos,
            message: message.into(),
            help: None,
        }
    }

    fn or(&mut self) -> Result<Condition, ParseError> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, ParseError> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Condition::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!(
                "conditions may nest `!` and parentheses at most {MAX_DEPTH} deep"
            )));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn unary(&mut self) -> Result<Condition, ParseError> {
        self.skip_ws();
        if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            self.pos += 1;
            return self.nested(|p| Ok(Condition::Not(Box::new(p.unary()?))));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Condition, ParseError> {
        let left = self.operand()?;
        self.skip_ws();
        let op = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find(|(token, _)| self.rest().starts_with(token));
        match op {
            Some((token, op)) => {
                self.pos += token.len();
                let right = self.operand()?;
                Ok(Condition::Compare(left, op, right))
            }
            None => match left {
                Operand::Group(inner) => Ok(*inner),
                other => Ok(Condition::Operand(other)),
            },
        }
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        self.skip_ws();
        let rest = self.rest();
        if rest.is_empty() {
            return Err(self.error("expected a value: a runtime expression or a literal"));
        }
        if self.eat("(") {
            let inner = self.nested(Self::or)?;
            if !self.eat(")") {
                return Err(self.error("expected `)`"));
            }
            return Ok(Operand::Group(Box::new(inner)));
        }
        if rest.starts_with('$') {
            let start = self.pos;
            let (expr, used) = expr::parse_prefix(rest, Mode::Condition).map_err(|mut e| {
                e.offset += start;
                e
            })?;
            self.pos += used;
            let mut access = Vec::new();
            loop {
                if self.rest().starts_with('.') {
                    self.pos += 1;
                    let name: String = self
                        .rest()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    if name.is_empty() {
                        return Err(self.error("expected a property name after `.`"));
                    }
                    self.pos += name.len();
                    access.push(Access::Field(name));
                } else if self.rest().starts_with('[') {
                    self.pos += 1;
                    let digits: String = self
                        .rest()
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    let index = digits
                        .parse()
                        .map_err(|_| self.error("expected an index: `[0]`"))?;
                    self.pos += digits.len();
                    if !self.rest().starts_with(']') {
                        return Err(self.error("expected `]`"));
                    }
                    self.pos += 1;
                    access.push(Access::Index(index));
                } else {
                    break;
                }
            }
            return Ok(Operand::Expr(expr, access));
        }
        if rest.starts_with('\'') {
            let mut value = String::new();
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        value.push('\'');
                        continue;
                    }
                    self.pos += i + 1;
                    return Ok(Operand::Literal(Literal::Str(value)));
                }
                value.push(c);
            }
            return Err(self.error("unterminated string: expected a closing `'`"));
        }
        if rest.starts_with('"') {
            return Err(self
                .error("strings in conditions use single quotes")
                .with_help("write `'text'`; a single quote inside is written `''`"));
        }
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
            .collect();
        let literal = match word.as_str() {
            "null" => Literal::Null,
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            number if is_number(number) => Literal::Number(number.to_owned()),
            "" => {
                return Err(self.error(format!(
                    "unexpected `{}`",
                    rest.chars().next().unwrap_or(' ')
                )));
            }
            other => {
                return Err(self.error(format!("`{other}` is not a value"))
                    .with_help("values are runtime expressions (`$statusCode`), numbers, `true`, `false`, `null` or 'single-quoted strings'"));
            }
        };
        self.pos += word.len();
        Ok(Operand::Literal(literal))
    }
}

impl ParseError {
    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && digits.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_quoted_strings_are_rewritten() {
        assert_eq!(
            rewrite_double_quotes(r#"$response.body#/a == "x" && $statusCode == 200"#).as_deref(),
            Some("$response.body#/a == 'x' && $statusCode == 200")
        );
        assert_eq!(
            rewrite_double_quotes(r#"$response.body#/a == "it's""#).as_deref(),
            Some("$response.body#/a == 'it''s'")
        );
        assert_eq!(rewrite_double_quotes("$response.body#/a == 'x'"), None);
        assert_eq!(rewrite_double_quotes(r#"$response.body#/a == "x"#), None);
        assert_eq!(rewrite_double_quotes(r#"'say "hi"'"#), None);
    }

    #[test]
    fn parses_the_common_forms() {
        assert_eq!(
            parse("$statusCode == 200"),
            Ok(Condition::Compare(
                Operand::Expr(Expr::StatusCode, vec![]),
                Op::Eq,
                Operand::Literal(Literal::Number("200".into()))
            ))
        );
        assert!(matches!(
            parse("$statusCode == 200 || $statusCode == 201"),
            Ok(Condition::Or(..))
        ));
        assert!(matches!(
            parse("!($statusCode >= 500) && $response.body#/ok == true"),
            Ok(Condition::And(..))
        ));
        let Ok(Condition::Compare(Operand::Expr(_, access), _, Operand::Literal(Literal::Str(s)))) =
            parse("$response.body.items[0].name == 'it''s'")
        else {
            panic!("parses");
        };
        assert_eq!(access.len(), 3);
        assert_eq!(s, "it's");
    }

    fn number(n: &str) -> Operand {
        Operand::Literal(Literal::Number(n.into()))
    }

    fn status() -> Operand {
        Operand::Expr(Expr::StatusCode, vec![])
    }

    #[test]
    fn precedence_and_literals() {
        // `||` binds loosest, then `&&`, then `!`.
        let Ok(Condition::Or(a, b)) =
            parse("$statusCode == 1 || $statusCode == 2 && !($statusCode == 3)")
        else {
            panic!("an or at the top");
        };
        assert_eq!(*a, Condition::Compare(status(), Op::Eq, number("1")));
        let Condition::And(_, c) = *b else {
            panic!("and under or")
        };
        assert!(matches!(*c, Condition::Not(_)));
        for (text, literal) in [
            ("$statusCode == -1", Literal::Number("-1".into())),
            ("$statusCode == 2.5e3", Literal::Number("2.5e3".into())),
            ("$statusCode == null", Literal::Null),
            ("$statusCode == true", Literal::Bool(true)),
            ("$statusCode == ''", Literal::Str(String::new())),
            ("$statusCode=='a b'", Literal::Str("a b".into())),
        ] {
            assert_eq!(
                parse(text),
                Ok(Condition::Compare(
                    status(),
                    Op::Eq,
                    Operand::Literal(literal)
                )),
                "{text}"
            );
        }
        for (text, op) in [
            ("<", Op::Lt),
            ("<=", Op::Le),
            (">", Op::Gt),
            (">=", Op::Ge),
            ("!=", Op::Ne),
        ] {
            assert_eq!(
                parse(&format!("$statusCode {text} 1")),
                Ok(Condition::Compare(status(), op, number("1")))
            );
        }
        assert_eq!(
            parse("$inputs.flag"),
            Ok(Condition::Operand(Operand::Expr(
                Expr::Inputs {
                    name: "flag".into(),
                    pointer: None
                },
                vec![]
            )))
        );
        assert_eq!(
            parse("  ( ( $statusCode == 1 ) )  "),
            Ok(Condition::Compare(status(), Op::Eq, number("1")))
        );
        let Ok(Condition::Compare(Operand::Expr(_, access), ..)) =
            parse("$response.body#/a[2].b-c == 1")
        else {
            panic!("accesses after a pointer");
        };
        assert_eq!(access, vec![Access::Index(2), Access::Field("b-c".into())]);
    }

    #[test]
    fn rejects_malformed() {
        for (text, needle) in [
            ("$statusCode ==", "expected a value"),
            ("$statusCode == 500%s", "unexpected `%s`"),
            ("$statusCode == \"ok\"", "single quotes"),
            ("($statusCode == 200", "expected `)`"),
            ("$statusCode == 'x", "unterminated"),
            ("$statusCode = 200", "unexpected"),
            ("$statusCode == abc", "is not a value"),
            (
                "$response.body.items contains 'x'",
                "unexpected `contains 'x'`",
            ),
            ("$response.body#/a[x] == 1", "expected an index"),
            ("$response.body#/a[1 == 1", "expected `]`"),
            ("$response.body. == 1", "expected a property name"),
            ("", "expected a value"),
            ("&& $statusCode == 1", "unexpected `&`"),
            (
                &format!("{}$statusCode == 1{}", "(".repeat(2000), ")".repeat(2000)),
                "at most 64 deep",
            ),
            (
                &format!("{}$statusCode == 1", "!".repeat(5000)),
                "at most 64 deep",
            ),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.message.contains(needle), "{text}: {}", error.message);
        }
    }
}
