//! The generated code's own local variables (`response`, `body`, `path`, `param_query_limit`,
//! …), named clear of every variable the document names (a step's outputs, a dependency's),
//! as progenitor's `unique_ident_from` does: the usual name, with `_` appended while the
//! document has taken it.

use std::collections::BTreeSet;

use proc_macro2::Ident;

use super::ident;

/// The locals of the code generated for one workflow.
#[derive(Debug, Default)]
pub(super) struct Locals {
    /// The variables the document names.
    taken: BTreeSet<String>,
}

impl Locals {
    /// Locals clear of `taken`, the variables the document names.
    pub(super) fn new<'a>(taken: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            taken: taken.into_iter().map(str::to_owned).collect(),
        }
    }

    /// The local `base`, or `base_`, `base__`, … when the document took that name.
    pub(super) fn get(&self, base: &str) -> Ident {
        ident(&unique_ident_from(base, &self.taken))
    }
}

/// `base`, or `base` with as many `_` appended as it takes to be none of `taken`.
fn unique_ident_from(base: &str, taken: &BTreeSet<String>) -> String {
    let mut name = base.to_owned();
    while taken.contains(&name) {
        name.push('_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locals_keep_clear_of_the_documents_names() {
        let locals = Locals::new(["response", "response_", "send_sms_otp"]);
        assert_eq!(locals.get("response").to_string(), "response__");
        assert_eq!(locals.get("body").to_string(), "body");
    }
}
