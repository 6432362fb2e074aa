//! Mistakes in expressions and criteria are found at generation time, at the right place, with
//! a message that says what is wrong.

use std::path::{Path, PathBuf};

use arazzo_codegen::{Generator, Settings, Severity};

fn openapi() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/openapi/stytch-consumer-openapi.yml")
        .canonicalize()
        .expect("the project's OpenAPI description exists")
}

/// A document with one workflow of two steps around `step2`, which the case fills in; the
/// first step (`send`) has outputs `phoneId` and `userId`.
fn document(step2: &str) -> String {
    format!(
        r#"arazzo: 1.0.1
info:
  title: Diagnostics
  version: 1.0.0
sourceDescriptions:
- name: stytch
  url: {openapi}
workflows:
- workflowId: login
  inputs:
    type: object
    # Closed, so that `$inputs.<unknown>` is an error (an open schema makes it a warning).
    additionalProperties: false
    properties:
      phone:
        type: string
      code:
        type: string
  steps:
  - stepId: send
    operationId: api_otp_v1_otp_sms_LoginOrCreate
    requestBody:
      payload:
        phone_number: $inputs.phone
    outputs:
      phoneId: $response.body#/phone_id
      userId: $response.body#/user_id
  - stepId: check
    operationId: api_otp_v1_Authenticate
{step2}
"#,
        openapi = openapi().display()
    )
}

/// Generates `text` and returns its errors and warnings as `line:column: message` lines (the
/// line within the step-2 text, counted from 1, when the problem is there).
fn problems(step2: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("arazzo-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let name = format!("case-{:x}.arazzo.yaml", fxhash(step2));
    let path = dir.join(name);
    std::fs::write(&path, document(step2)).expect("written");
    let first_line = document("").lines().count();
    let result = Generator::new(Settings::new()).generate(&path);
    let _ = std::fs::remove_file(&path);
    let diagnostics = match &result {
        Ok(generated) => generated.warnings().iter().cloned().collect::<Vec<_>>(),
        Err(failure) => failure.diagnostics().iter().cloned().collect(),
    };
    diagnostics
        .iter()
        .map(|d| {
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let place = d
                .span
                .map(|s| format!("{}:{}", s.line.saturating_sub(first_line - 1), s.column))
                .unwrap_or_default();
            let help = d
                .help
                .as_deref()
                .map(|h| format!(" (help: {h})"))
                .unwrap_or_default();
            format!("{place}: {severity}: {}{help}", d.message)
        })
        .collect()
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

#[track_caller]
fn assert_problem(step2: &str, expected: &str) {
    let found = problems(step2);
    assert!(
        found.iter().any(|p| p.starts_with(expected)),
        "expected a problem starting with\n  {expected}\nfound\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn a_good_document_has_no_problems() {
    let found = problems(
        "    requestBody:\n      payload:\n        method_id: $steps.send.outputs.phoneId\n        code: $inputs.code\n",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn unknown_names() {
    assert_problem(
        "    requestBody:\n      payload:\n        code: $inputs.cdoe\n",
        "3:15: error: unknown input `cdoe` (help: did you mean `$inputs.code`?)",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        method_id: $steps.sned.outputs.phoneId\n",
        "3:20: error: unknown step `sned` (help: did you mean `send`?)",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        method_id: $steps.send.outputs.phoneid\n",
        "3:20: error: step `send` has no output `phoneid` (help: did you mean `phoneId`?)",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: $workflows.logn.inputs.code\n",
        "3:12: error: unknown workflow `logn` (help: did you mean `login`?)",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: $sourceDescriptions.stytc.url\n",
        "3:12: error: unknown source description `stytc` (help: did you mean `stytch`?)",
    );
}

#[test]
fn values_that_do_not_exist_yet_or_any_more() {
    assert_problem(
        "    requestBody:\n      payload:\n        x: $steps.check.outputs.a\n",
        "3:12: error: step `check` reads its own outputs",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: $response.body#/user_id\n",
        "3:12: error: `$response.body#/user_id` has no value while the step's request is being built",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: $statusCode\n",
        "3:12: error: `$statusCode` has no value while the step's request is being built",
    );
    assert_problem(
        "    outputs:\n      a: $outputs.x\n",
        "2:10: error: `$outputs.x` reads this workflow's outputs, which exist only when it ends",
    );
    assert_problem(
        "    outputs:\n      a: $request.header.Authorization\n",
        "2:10: error: `$request.header.Authorization` would expose the step's credentials",
    );
    assert_problem(
        "    outputs:\n      a: $request.body#/code\n",
        "2:10: error: `$request.body#/code`: this step sends no body",
    );
    assert_problem(
        "    outputs:\n      a: $components.parameters.page\n",
        "2:10: error: `$components.parameters.page` is not a value",
    );
}

#[test]
fn malformed_expressions() {
    assert_problem(
        "    outputs:\n      a: $response.body.user_id\n",
        "2:10: warning: `$response.body.user_id` is not Arazzo 1.0.1: a dot path into a body is not a runtime expression (help: write `$response.body#/user_id`)",
    );
    assert_problem(
        "    outputs:\n      a: $response.headers.Location\n",
        "2:10: warning: `$response.headers.Location` is not Arazzo 1.0.1: `headers` is written `header` (help: write `$response.header.Location`)",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: Bearer {$inputs.code\n",
        "3:32: error: invalid runtime expression `Bearer {$inputs.code`: an embedded expression must end with `}`",
    );
    assert_problem(
        "    requestBody:\n      payload:\n        x: SSWS $inputs.code\n",
        "3:17: warning: `$inputs.code` inside this string is not an expression: it is sent as written (help: to insert its value, embed it in braces: `SSWS {$inputs.code}`)",
    );
}

#[test]
fn malformed_criteria() {
    assert_problem(
        "    successCriteria:\n    - condition: $statusCode = 200\n",
        "2:30: error: invalid condition `$statusCode = 200`: unexpected `= 200`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $response.body#/status == \"ok\"\n",
        "2:18: warning: strings in conditions are written in single quotes, not double (help: write `$response.body#/status == 'ok'`)",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $inputs.nope == 'x'\n",
        "2:18: error: unknown input `nope`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: ^(2\n      context: $statusCode\n      type: regex\n",
        "2:18: error: invalid regular expression `^(2`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $.length > 0\n      context: $response.body\n      type: jsonpath\n",
        "2:18: error: invalid JSONPath query `$.length > 0`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $.a\n      type: jsonpath\n",
        "3:13: error: a `jsonpath` criterion needs a `context` (help: name the value it applies to",
    );
    assert_problem(
        "    successCriteria:\n    - condition: //pet\n      type: xpath\n",
        "3:13: error: a `xpath` criterion needs a `context`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $.a\n      context: $response.body\n      type:\n        type: jsonpath\n        version: rfc-0\n",
        "5:9: error: unknown JSONPath version `rfc-0`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $statusCode == 200\n      type: simpel\n",
        "3:13: error: unknown criterion type `simpel`",
    );
    assert_problem(
        "    successCriteria:\n    - condition: $statusCode == 200\n      context: $response.body\n",
        "3:16: warning: `context` has no effect on a `simple` criterion",
    );
}

#[test]
fn malformed_requests() {
    assert_problem(
        "    parameters:\n    - {name: 'Bad Header:', in: header, value: x}\n",
        "2:8: error: `Bad Header:` is not a valid header name",
    );
    assert_problem(
        "    parameters:\n    - {name: a, in: query, value: 1}\n    - {name: a, in: query, value: 2}\n",
        "3:8: error: the query parameter `a` is given twice",
    );
    assert_problem(
        "    requestBody:\n      contentType: application/json\n      payload: '{\"code\": {$inputs.code}'\n",
        "3:16: error: the payload is a string for a `application/json` body, and it is not JSON",
    );
    assert_problem(
        "    parameters:\n    - {name: id, in: path, value: x}\n",
        "2:8: error: the operation's path `/v1/otps/authenticate` has no `{id}`",
    );
    assert_problem(
        "    parameters:\n    - {name: id, in: query, value: x}\n",
        "2:8: warning: the operation declares no query parameter `id`; it is sent anyway",
    );
    assert_problem(
        "    onSuccess:\n    - {name: again, type: goto, stepId: sned}\n",
        "2:41: error: `goto` names the unknown step `sned` (help: did you mean `send`?)",
    );
    assert_problem(
        "    onFailure:\n    - {name: wait, type: retry, retryLimit: -1}\n",
        "2:45: error: `retryLimit` is a whole number, zero or more",
    );
}
