// A wasi:http/proxy component: StarlingMonkey hands the request to the `fetch` event as a Fetch API
// Request and sends the Response back as wasi:http resources (see samples/contract/wasi-http).

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));

async function handle(request) {
  const url = new URL(request.url);
  const query = url.search.replace(/^\?/, '');
  const values = new Map(
    query
      .split('&')
      .filter((part) => part.includes('='))
      .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]),
  );
  if (values.has('trap')) {
    throw new Error('the request asked for a trap');
  }
  const body = new Uint8Array(await request.arrayBuffer());
  const head =
    `method=${request.method}\npath=${url.pathname}\nquery=${query}\n` +
    `content-type=${request.headers.get('content-type') ?? ''}\n` +
    `x-echo-test=${request.headers.get('x-echo-test') ?? ''}\n` +
    `body=${body.length} bytes\n`;
  const encoded = new TextEncoder().encode(head);
  const text = new Uint8Array(encoded.length + body.length);
  text.set(encoded);
  text.set(body, encoded.length);

  const headers = { 'content-type': 'text/plain' };
  if (values.has('location')) {
    headers.location = values.get('location');
  }
  const status = values.has('status')
    ? Number(values.get('status'))
    : values.has('location')
      ? 302
      : 200;
  return new Response(text, { status, headers });
}
