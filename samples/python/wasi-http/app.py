"""A wasi:http/proxy component: the request arrives as a wasi:http resource and the answer goes
out as one (see samples/contract/wasi-http). componentize-py generates `wit_world` from the WIT."""

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    IncomingRequest,
    Method_Other,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

# The most one `blocking-write-and-flush` may take.
WRITE_CHUNK = 4096


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        method = request.method()
        if isinstance(method, Method_Other):
            method = method.value
        else:
            method = type(method).__name__.removeprefix("Method_").upper()
        target = request.path_with_query() or "/"
        path, _, query = target.partition("?")
        values = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        if "trap" in values:
            raise RuntimeError("the request asked for a trap")
        headers = request.headers()

        def header(name: str) -> str:
            found = headers.get(name)
            return found[0].decode() if found else ""

        body = bytearray()
        incoming = request.consume()
        with incoming.stream() as stream:
            while True:
                try:
                    body += stream.blocking_read(65536)
                except Err as e:
                    if isinstance(e.value, StreamError_Closed):
                        break
                    raise
        IncomingBody.finish(incoming)

        text = (
            f"method={method}\npath={path}\nquery={query}\n"
            f"content-type={header('content-type')}\nx-echo-test={header('x-echo-test')}\n"
            f"body={len(body)} bytes\n"
        ).encode() + bytes(body)

        fields = [("content-type", b"text/plain")]
        if "location" in values:
            fields.append(("location", values["location"].encode()))
        if "status" in values:
            status = int(values["status"])
        elif "location" in values:
            status = 302
        else:
            status = 200
        response = OutgoingResponse(Fields.from_list(fields))
        response.set_status_code(status)
        outgoing = response.body()
        ResponseOutparam.set(response_out, Ok(response))
        with outgoing.write() as stream:
            for start in range(0, len(text), WRITE_CHUNK):
                stream.blocking_write_and_flush(text[start : start + WRITE_CHUNK])
        OutgoingBody.finish(outgoing, None)
