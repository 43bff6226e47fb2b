// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
//
// The WASI shim gives AssemblyScript `console` and `process` but no file system, so the file is
// written through the raw WASI preview 1 bindings: `/helloworld/helloworld.txt` is opened relative
// to the preopened directory that holds it, found the way wasi-libc finds it for C's `fopen`.
import {
  errno, errnoToString, fd, fd_close, fd_prestat_dir_name, fd_prestat_get, fd_write, iovec,
  lookupflags, oflags, path_open, prestat, rights
} from "bindings/wasi_snapshot_preview1";

/** `path` without its leading `/` and `./` (and `.` alone becomes empty). Runtimes name the same
 * preopen differently (`/helloworld`, `helloworld`, or `/` for a virtual root that holds it), so
 * names and paths are compared in this form, as wasi-libc does. */
function stripPrefixes(path: string): string {
  while (true) {
    if (path.startsWith("/")) path = path.substring(1);
    else if (path.startsWith("./")) path = path.substring(2);
    else if (path == ".") path = "";
    else return path;
  }
}

/** Whether the preopen named `prefix` (stripped) holds the stripped `path`: whole components only,
 * and an empty name (`/` or `.`) holds every path. */
function holds(prefix: string, path: string): bool {
  if (prefix.length == 0) return true;
  if (!path.startsWith(prefix)) return false;
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) == 0x2f) end--;
  return end == path.length || path.charCodeAt(end) == 0x2f;
}

/** Opens the absolute `path` for writing, created or truncated, relative to the preopened
 * directory with the longest name that holds it (the latest on a tie); the errno, with the
 * descriptor in `opened`. */
function create(path: string, opened: usize): errno {
  const wanted = stripPrefixes(path);
  const stat = memory.data(8);
  let found = false, dir: fd = 0, matched = "";
  // Preopens are numbered from 3 upwards without gaps; the first descriptor that is not one ends them.
  for (let candidate: fd = 3; fd_prestat_get(candidate, changetype<prestat>(stat)) == errno.SUCCESS; candidate++) {
    const len = load<usize>(stat, sizeof<usize>());
    const buf = new ArrayBuffer(<i32>len);
    if (fd_prestat_dir_name(candidate, changetype<usize>(buf), len) != errno.SUCCESS) continue;
    const name = stripPrefixes(String.UTF8.decode(buf));
    if ((!found || name.length >= matched.length) && holds(name, wanted)) {
      found = true;
      dir = candidate;
      matched = name;
    }
  }
  // No preopen holds the path: WASI cannot name it (wasi-libc's `open` fails the same way).
  if (!found) return errno.NOENT;
  let relative = wanted.substring(matched.length);
  while (relative.startsWith("/")) relative = relative.substring(1);
  const name = String.UTF8.encode(relative.length > 0 ? relative : ".");
  return path_open(dir, lookupflags.SYMLINK_FOLLOW, changetype<usize>(name), name.byteLength,
    oflags.CREAT | oflags.TRUNC, rights.FD_WRITE, 0, 0, opened);
}

/** Creates (or truncates) the file at the absolute `path` and writes `text` to it; an errno. */
function writeFile(path: string, text: string): errno {
  const opened = memory.data(4);
  let err = create(path, opened);
  if (err != errno.SUCCESS) return err;
  const file = load<fd>(opened);
  const data = String.UTF8.encode(text);
  const iov = changetype<iovec>(memory.data(offsetof<iovec>()));
  const written = memory.data(sizeof<usize>());
  let offset = 0;
  while (offset < data.byteLength) {
    iov.buf = changetype<usize>(data) + offset;
    iov.buf_len = data.byteLength - offset;
    err = fd_write(file, changetype<usize>(iov), 1, written);
    if (err != errno.SUCCESS) break;
    offset += <i32>load<usize>(written);
  }
  const closed = fd_close(file);
  return err != errno.SUCCESS ? err : closed;
}

/** Where a component adapter takes its memory. Made a WASI 0.2 component with the preview 1
 * adapter, the module would otherwise have the adapter grow the memory for its own state, and
 * AssemblyScript's allocator, set up at the first allocation, claims every page the memory has by
 * then: when a WASI call comes first, both use that page. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return ptr == 0 ? heap.alloc(newSize) : heap.realloc(ptr, newSize);
}

console.log("Hello, Wasm!");
const err = writeFile("/helloworld/helloworld.txt", "Hello world!\n");
if (err != errno.SUCCESS) {
  process.stderr.write("cannot write /helloworld/helloworld.txt: " + errnoToString(err) + "\n");
  process.exit(1);
}
console.log("Created helloworld.txt");
