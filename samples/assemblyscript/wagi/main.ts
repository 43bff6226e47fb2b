// A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
// header block, a blank line and a body on stdout (see samples/contract/wagi). The environment
// comes from the raw preview 1 bindings (the WASI shim's `process.env` fails on some
// environments); arguments, stdin, stdout and exit from the shim's `process`.
import { environ_get, environ_sizes_get, errno } from "bindings/wasi_snapshot_preview1";

const VARIABLES = [
  "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
  "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
];

const scratch = memory.data(16);

function environment(): Map<string, string> {
  const vars = new Map<string, string>();
  if (environ_sizes_get(scratch, scratch + sizeof<usize>()) != errno.SUCCESS) return vars;
  const count = <i32>load<usize>(scratch);
  const size = <i32>load<usize>(scratch, sizeof<usize>());
  if (count == 0) return vars;
  const pointers = new StaticArray<usize>(count);
  const data = new ArrayBuffer(size);
  if (environ_get(changetype<usize>(pointers), changetype<usize>(data)) != errno.SUCCESS) return vars;
  const end = changetype<usize>(data) + size;
  for (let i = 0; i < count; i++) {
    const entry = String.UTF8.decodeUnsafe(pointers[i], end - pointers[i], true);
    const eq = entry.indexOf("=");
    if (eq >= 0) vars.set(entry.substring(0, eq), entry.substring(eq + 1));
  }
  return vars;
}

/** The value of the first argument `key=value`, or null. */
function value(args: string[], key: string): string | null {
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(key + "=")) return args[i].substring(key.length + 1);
  }
  return null;
}

// argv[0] is the request's path; the query's parts follow.
const args = process.argv.slice(1);
const code = value(args, "exit");
if (code != null) process.exit(I32.parseInt(code!));

const chunks = new Array<ArrayBuffer>();
let received = 0;
while (true) {
  const buffer = new ArrayBuffer(4096);
  const n = process.stdin.read(buffer);
  if (n <= 0) break;
  chunks.push(buffer.slice(0, n));
  received += n;
}

const env = environment();
let out = "Content-Type: text/plain\n";
const status = value(args, "status");
if (status != null) out += "Status: " + status! + "\n";
const location = value(args, "location");
if (location != null) out += "Location: " + location! + "\n";
out += "\n";
for (let i = 0; i < VARIABLES.length; i++) {
  const name = VARIABLES[i];
  out += name + "=" + (env.has(name) ? env.get(name) : "") + "\n";
}
out += `args=${args.length}\n`;
for (let i = 0; i < args.length; i++) out += "arg=" + args[i] + "\n";
out += `body=${received} bytes\n`;
process.stdout.write(String.UTF8.encode(out));
for (let i = 0; i < chunks.length; i++) process.stdout.write(chunks[i]);
