//! Typed bodies: a request body serialized once, straight from a struct that borrows the
//! workflow's values (no `serde_json::Value` in between).

use serde::Serialize;

use crate::Error;
use crate::http::Request;

impl Request {
    /// Sends `body`, serialized as JSON, with the content type `content_type` (a JSON media
    /// type: `application/json`, `application/merge-patch+json`, …).
    ///
    /// An error serializing it ([`Error::Encode`]) is kept and returned by [`Request::send`].
    pub fn json_body<T: Serialize + ?Sized>(self, content_type: &'static str, body: &T) -> Self {
        let step = self.step();
        let bytes = match serde_json::to_vec(body) {
            Ok(bytes) => bytes,
            Err(source) => return self.fail(Error::Encode { step, source }),
        };
        // Checked as `HeaderValue::from_static` checks, which then cannot panic and copies nothing.
        let content_type = match content_type
            .bytes()
            .all(|b| b == b'\t' || (32..127).contains(&b))
        {
            true => reqwest::header::HeaderValue::from_static(content_type),
            false => {
                return self.fail(Error::Body {
                    step,
                    message: format!("the content type `{content_type}` is not valid in a header"),
                });
            }
        };
        self.map(|b| {
            b.header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, HttpClient, Method};

    #[derive(serde::Serialize)]
    struct Body<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        minutes: &'a Option<i64>,
    }

    #[tokio::test]
    async fn a_typed_body_that_cannot_be_serialized_fails_the_step() {
        let map: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let client = HttpClient::new();
        let request = client
            .request("s", Method::POST, "http://127.0.0.1:1", "/x")
            .json_body("application/json", &map);
        match request.send().await {
            Err(Error::Encode { step: "s", .. }) => {}
            other => panic!("{other:?}"),
        }
        // A body that serializes is kept until sent.
        let minutes = None;
        let body = Body {
            name: "a",
            minutes: &minutes,
        };
        assert_eq!(
            serde_json::to_string(&body).ok().as_deref(),
            Some(r#"{"name":"a"}"#)
        );
    }
}
