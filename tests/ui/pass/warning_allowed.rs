//! A crate under `#![deny(warnings)]` that accepts a document's warnings allows `deprecated`
//! (the lint that carries them) on a module around the macro.
#![deny(warnings)]

#[allow(deprecated)]
mod api {
    arazzo_tests_ui::arazzo_workflow!("ui/fixtures/undescribed-pointer.yml");
}

fn main() {
    let outputs = api::who_am_i::Outputs { user: None };
    let _: Option<arazzo_runtime::serde_json::Value> = outputs.user;
}
