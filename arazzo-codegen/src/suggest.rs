//! "Did you mean" suggestions for unknown names.

use crate::diagnostic::Diagnostic;

impl Diagnostic {
    /// Adds ``help: did you mean `<close name>`?`` when one of `candidates` is close to `name`.
    #[must_use]
    pub(crate) fn with_did_you_mean<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.with_suggestion(name, candidates, "did you mean `{}`?")
    }

    /// Adds a help line when one of `candidates` is close to `name`: `template` with its `{}`
    /// replaced by the close name (``did you mean `$inputs.{}`?``).
    #[must_use]
    pub(crate) fn with_suggestion<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        template: &str,
    ) -> Self {
        match did_you_mean(name, candidates) {
            Some(close) => self.with_help(template.replacen("{}", close, 1)),
            None => self,
        }
    }

    /// Like [`Diagnostic::with_suggestion`], with the help `otherwise` when no name is close.
    #[must_use]
    pub(crate) fn with_suggestion_or<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        template: &str,
        otherwise: impl Into<String>,
    ) -> Self {
        match did_you_mean(name, candidates) {
            Some(close) => self.with_help(template.replacen("{}", close, 1)),
            None => self.with_help(otherwise),
        }
    }
}

/// The closest of `candidates` to `name`, when it is close enough to be a likely typo: within
/// about a third of the name's length in edits (a swap of two letters is two edits; a change
/// of case alone counts half), at least one.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = name.chars().count().div_ceil(3) * 2;
    candidates
        .into_iter()
        .map(|candidate| (distance(name, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, candidate)| (*d, *candidate))
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance in half-edits: a change of case only costs 1, any other edit 2.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j * 2).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![(i + 1) * 2; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = if ca == cb {
                0
            } else if ca.eq_ignore_ascii_case(cb) {
                1
            } else {
                2
            };
            current[j + 1] = (previous[j] + substitution)
                .min(previous[j + 1] + 2)
                .min(current[j] + 2);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let ops = [
            "api_otp_v1_Authenticate",
            "api_otp_v1_otp_sms_LoginOrCreate",
        ];
        assert_eq!(
            did_you_mean("api_otp_v1_authenticate", ops),
            Some("api_otp_v1_Authenticate")
        );
        assert_eq!(
            did_you_mean("operationID", ["operationId", "outputs"]),
            Some("operationId")
        );
        assert_eq!(did_you_mean("zzz", ops), None);
        assert_eq!(did_you_mean("cdoe", ["phone", "code"]), Some("code"));
        assert_eq!(did_you_mean("ab", ["xy", "cd"]), None);
        assert_eq!(did_you_mean("cdoe", ["phone", "code"]), Some("code"));
        assert_eq!(did_you_mean("ab", ["xy", "cd"]), None);
    }
}
