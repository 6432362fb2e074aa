//! Paths to generated items: the root of the generated module, `types`, and each workflow's
//! module, written as the shortest path from wherever the code is.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::plan::ItemPath;

/// The module code is written in: the root of the generated module, or one of the modules
/// under it (`types`, a workflow's). Every item is named by the shortest path from there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct At<'a>(Option<&'a str>);

impl<'a> At<'a> {
    /// The root of the generated module.
    pub(super) const ROOT: At<'static> = At(None);

    /// The module `name` under the root.
    pub(super) fn module(name: &'a str) -> Self {
        Self(Some(name))
    }

    /// The path to `item` from here, as `::`-separated names.
    pub(super) fn segments(self, item: &ItemPath) -> Vec<&str> {
        let mut segments = Vec::new();
        if self.0.is_some() && self.0 != item.module.as_deref() {
            segments.push("super");
        }
        if let Some(module) = item.module.as_deref()
            && self.0 != Some(module)
        {
            segments.push(module);
        }
        segments.push(&item.name);
        segments
    }

    /// The path to `item` from here, as tokens.
    pub(super) fn path(self, item: &ItemPath) -> TokenStream {
        let segments = self.segments(item).into_iter().map(ident);
        quote!(#(#segments)::*)
    }

    /// The path to the root item `name` (`Client`, a workflow's function) from here.
    pub(super) fn root(self, name: &str) -> TokenStream {
        self.path(&ItemPath::root(name))
    }

    /// The path to `item` from here, for a doc link.
    pub(super) fn link(self, item: &ItemPath) -> String {
        self.segments(item).join("::")
    }

    /// A doc link to the function of the workflow `name`, which shares its name with the
    /// workflow's module.
    pub(super) fn fn_link(self, name: &str) -> String {
        format!("[`{name}`](fn@{})", self.link(&ItemPath::root(name)))
    }
}
