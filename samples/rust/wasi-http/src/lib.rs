//! A `wasi:http/proxy` component: the request arrives as a `wasi:http` resource and the answer
//! goes out as one (see samples/contract/wasi-http).

use std::io::{Read, Write};

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Echo;

impl Guest for Echo {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let method = match request.method() {
            Method::Get => "GET".to_owned(),
            Method::Head => "HEAD".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Put => "PUT".to_owned(),
            Method::Delete => "DELETE".to_owned(),
            Method::Connect => "CONNECT".to_owned(),
            Method::Options => "OPTIONS".to_owned(),
            Method::Trace => "TRACE".to_owned(),
            Method::Patch => "PATCH".to_owned(),
            Method::Other(other) => other,
        };
        let target = request.path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let value = |key: &str| {
            query
                .split('&')
                .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
        };
        if value("trap").is_some() {
            panic!("the request asked for a trap");
        }
        let headers = request.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .first()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };

        let mut body = Vec::new();
        let incoming = request.consume().expect("the request body");
        // The stream is a child of the body: it goes before the body is finished.
        {
            let mut stream = incoming.stream().expect("the request body's stream");
            stream.read_to_end(&mut body).expect("the request body");
        }
        IncomingBody::finish(incoming);

        let mut text = format!(
            "method={method}\npath={path}\nquery={query}\ncontent-type={}\nx-echo-test={}\nbody={} bytes\n",
            header("content-type"),
            header("x-echo-test"),
            body.len()
        )
        .into_bytes();
        text.extend_from_slice(&body);

        let mut fields = vec![("content-type".to_owned(), b"text/plain".to_vec())];
        if let Some(location) = value("location") {
            fields.push(("location".to_owned(), location.as_bytes().to_vec()));
        }
        let status = match (value("status"), value("location")) {
            (Some(status), _) => status.parse().unwrap_or(500),
            (None, Some(_)) => 302,
            (None, None) => 200,
        };
        let response = OutgoingResponse::new(Fields::from_list(&fields).expect("valid headers"));
        response.set_status_code(status).expect("a valid status");
        let outgoing = response.body().expect("the response body");
        ResponseOutparam::set(out, Ok(response));
        {
            let mut stream = outgoing.write().expect("the response body's stream");
            stream.write_all(&text).expect("the response body");
            stream.flush().expect("the response body");
        }
        OutgoingBody::finish(outgoing, None).expect("the response's end");
    }
}

wasip2::http::proxy::export!(Echo with_types_in wasip2);
