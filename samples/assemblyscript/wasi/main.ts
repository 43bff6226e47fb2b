// One WASI preview 1 capability per invocation, named by the first argument, printing the same
// lines as every other language's version of this sample (see samples/contract/wasi).
//
// Arguments, standard streams, exit, wall-clock and monotonic time and random bytes come from the
// WASI shim's `process`, `Date` and `crypto`. The shim has no file system and no sleep, and its
// `process.env` fails on an empty environment, so the environment, files, directories and the
// 10 ms sleep use the raw preview 1 bindings: an absolute path like `/data/x` is opened relative to
// the preopened directory that holds it, found as wasi-libc finds it.
// AssemblyScript has no `catch`, so a failed call returns its errno and `check` reports it.
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
import {
  dirent, environ_get, environ_sizes_get, errno, errnoToString, eventtype, clockid, fd, fd_close,
  fd_prestat_dir_name, fd_prestat_get, fd_read, fd_readdir, fd_seek, fd_write, filestat, filetype, iovec,
  lookupflags, oflags, path_create_directory, path_filestat_get, path_open, path_remove_directory,
  path_rename, path_unlink_file, poll_oneoff, prestat, rights, subscription_clock, whence
} from "bindings/wasi_snapshot_preview1";

/** The variable the harness sets in its own environment, never in a guest's. */
const HOST_SECRET = "WASM_HARNESS_HOST_SECRET";

/** Scratch space for the bindings' out parameters (a count, an offset or a descriptor). */
const scratch = memory.data(16);

/** Exits with 1 after reporting `what` when `err` is not success. */
function check(err: errno, what: string): void {
  if (err != errno.SUCCESS) {
    process.stderr.write(what + ": " + errnoToString(err) + "\n");
    process.exit(1);
  }
}

// ---- preopened directories and paths ----

class Preopen {
  constructor(public name: string, public dir: fd) {}
}

/** `path` without its leading `/` and `./` (and `.` alone becomes empty). Runtimes name the same
 * preopen differently (`/data`, `data`, or `/` for a virtual root that holds it), so names and
 * paths are compared in this form, as wasi-libc does. */
function stripPrefixes(path: string): string {
  while (true) {
    if (path.startsWith("/")) path = path.substring(1);
    else if (path.startsWith("./")) path = path.substring(2);
    else if (path == ".") path = "";
    else return path;
  }
}

/** The preopened directories, numbered from 3 upwards without gaps, by their stripped names. */
function listPreopens(): Preopen[] {
  const found = new Array<Preopen>();
  const stat = memory.data(8);
  for (let dir: fd = 3; fd_prestat_get(dir, changetype<prestat>(stat)) == errno.SUCCESS; dir++) {
    const len = load<usize>(stat, sizeof<usize>());
    const name = new ArrayBuffer(<i32>len);
    check(fd_prestat_dir_name(dir, changetype<usize>(name), len), "fd_prestat_dir_name");
    found.push(new Preopen(stripPrefixes(String.UTF8.decode(name)), dir));
  }
  return found;
}

const preopens = listPreopens();

/** Whether the preopen named `prefix` (stripped) holds the stripped `path`: whole components only,
 * and an empty name (`/` or `.`) holds every path. */
function holds(prefix: string, path: string): bool {
  if (prefix.length == 0) return true;
  if (!path.startsWith(prefix)) return false;
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) == 0x2f) end--;
  return end == path.length || path.charCodeAt(end) == 0x2f;
}

/** A preopened directory and a path relative to it, in UTF-8, for the `path_*` calls. They are
 * called directly, never passed as function values: a table that holds an imported function breaks
 * the indirect calls of wasmer's LLVM back end (7.4), the array sort's comparator among them. */
class At {
  constructor(public dir: fd, public path: ArrayBuffer) {}
  get ptr(): usize { return changetype<usize>(this.path); }
  get len(): usize { return <usize>this.path.byteLength; }
}

/** The preopen with the longest name that holds the absolute `path` (the latest on a tie), and the
 * rest of the path below it (`.` for the directory itself); null when no preopen holds the path,
 * which WASI can then not name at all. */
function resolve(path: string): At | null {
  const wanted = stripPrefixes(path);
  let best: Preopen | null = null;
  for (let i = 0; i < preopens.length; i++) {
    const p = preopens[i];
    if ((best == null || p.name.length >= best.name.length) && holds(p.name, wanted)) best = p;
  }
  if (best == null) return null;
  let relative = wanted.substring(best.name.length);
  while (relative.startsWith("/")) relative = relative.substring(1);
  return new At(best.dir, String.UTF8.encode(relative.length > 0 ? relative : "."));
}

/** `resolve(path)`, exiting with NOENT (as wasi-libc's `open` fails) when no preopen holds it. */
function at(path: string): At {
  const resolved = resolve(path);
  if (resolved == null) check(errno.NOENT, path);
  return resolved!;
}

/** `path_open` on an absolute path with only the rights the caller needs; the errno, with the
 * descriptor in `scratch` on success. */
function open(path: string, flags: oflags, access: rights): errno {
  const p = resolve(path);
  if (p == null) return errno.NOENT;
  return path_open(p.dir, lookupflags.SYMLINK_FOLLOW, p.ptr, p.len, flags, access, 0, 0, scratch);
}

/** The size of `path`, or -1 with the errno in `statErr` when it cannot be stat'ed. */
let statErr: errno = errno.SUCCESS;
function size(path: string): i64 {
  const p = resolve(path);
  if (p == null) { statErr = errno.NOENT; return -1; }
  const stat = changetype<filestat>(memory.data(offsetof<filestat>()));
  statErr = path_filestat_get(p.dir, lookupflags.SYMLINK_FOLLOW, p.ptr, p.len, stat);
  return statErr == errno.SUCCESS ? <i64>stat.size : -1;
}

function exists(path: string): string {
  return size(path) >= 0 ? "exists" : "absent";
}

// ---- descriptors ----

/** Writes all of `data` at the descriptor's position; the errno. */
function writeAll(file: fd, data: ArrayBuffer): errno {
  const iov = changetype<iovec>(memory.data(offsetof<iovec>()));
  let done = 0;
  while (done < data.byteLength) {
    iov.buf = changetype<usize>(data) + done;
    iov.buf_len = data.byteLength - done;
    const err = fd_write(file, changetype<usize>(iov), 1, scratch);
    if (err != errno.SUCCESS) return err;
    done += <i32>load<usize>(scratch);
  }
  return errno.SUCCESS;
}

/** Reads into `buffer` until it is full or the file ends; the count read. */
function readFully(file: fd, buffer: ArrayBuffer): i32 {
  const iov = changetype<iovec>(memory.data(offsetof<iovec>()));
  let done = 0;
  while (done < buffer.byteLength) {
    iov.buf = changetype<usize>(buffer) + done;
    iov.buf_len = buffer.byteLength - done;
    check(fd_read(file, changetype<usize>(iov), 1, scratch), "fd_read");
    const n = <i32>load<usize>(scratch);
    if (n == 0) break;
    done += n;
  }
  return done;
}

/** Moves the descriptor's position; the new position. */
function seek(file: fd, offset: i64, from: whence): u64 {
  check(fd_seek(file, offset, from, scratch), "fd_seek");
  return load<u64>(scratch);
}

/** Creates or truncates `path` and writes `text` to it. */
function writeFile(path: string, text: string): void {
  check(open(path, oflags.CREAT | oflags.TRUNC, rights.FD_WRITE), "open " + path);
  const file = load<fd>(scratch);
  check(writeAll(file, String.UTF8.encode(text)), "write " + path);
  check(fd_close(file), "close " + path);
}

// ---- capabilities ----

/** The environment as `NAME=value` strings, read with the raw calls: the shim's `process.env`
 * calls `environ_get` with zero-sized buffers when there are no variables (the harness's default),
 * which node:wasi refuses with INVAL, and it reads the environment even where it is not used. */
function environment(): string[] {
  check(environ_sizes_get(scratch, scratch + sizeof<usize>()), "environ_sizes_get");
  const count = <i32>load<usize>(scratch);
  const size = <i32>load<usize>(scratch, sizeof<usize>());
  const vars = new Array<string>();
  if (count == 0) return vars;
  const pointers = new StaticArray<usize>(count);
  const data = new ArrayBuffer(size);
  check(environ_get(changetype<usize>(pointers), changetype<usize>(data)), "environ_get");
  const end = changetype<usize>(data) + size;
  for (let i = 0; i < count; i++) {
    vars.push(String.UTF8.decodeUnsafe(pointers[i], end - pointers[i], true));
  }
  return vars;
}

function env(): void {
  const vars = environment();
  vars.sort();
  for (let i = 0; i < vars.length; i++) console.log(vars[i]);
}

function clock(): void {
  console.log(`realtime_s=${Date.now() / 1000}`);
  const first = process.hrtime();
  const second = process.hrtime();
  console.log("monotonic: " + (second >= first ? "non-decreasing" : "WENT BACKWARDS"));
  // Sleep: one relative timeout on the monotonic clock.
  const sub = changetype<subscription_clock>(memory.data(offsetof<subscription_clock>()));
  sub.userdata = 0;
  sub.type = eventtype.CLOCK;
  sub.clock_id = clockid.MONOTONIC;
  sub.timeout = 10_000_000;
  sub.precision = 0;
  sub.flags = 0;
  const event = memory.data(32);
  check(poll_oneoff(changetype<usize>(sub), event, 1, scratch), "poll_oneoff");
  check(load<errno>(event, 8), "poll_oneoff event");
  const elapsed = process.hrtime() - first;
  console.log("sleep 10ms: " + (elapsed >= 10_000_000 ? "elapsed" : "TOO SHORT"));
}

function random(): void {
  const a = new Uint8Array(32), b = new Uint8Array(32);
  crypto.getRandomValues(a);
  crypto.getRandomValues(b);
  let same = true, zero = true;
  for (let i = 0; i < 32; i++) {
    if (a[i] != b[i]) same = false;
    if (a[i] != 0) zero = false;
  }
  console.log("random: 32 bytes, " + (!same && !zero ? "two draws differ" : "DRAWS EQUAL"));
}

function file(): void {
  const path = "/data/file.txt";
  writeFile(path, "0123456789\n");
  console.log(`write: ${size(path)} bytes`);
  check(open(path, 0, rights.FD_READ | rights.FD_WRITE | rights.FD_SEEK | rights.FD_TELL), "open");
  const f = load<fd>(scratch);
  const all = new ArrayBuffer(63);
  let text = String.UTF8.decode(all.slice(0, readFully(f, all)));
  while (text.endsWith("\n")) text = text.substring(0, text.length - 1);
  console.log("read: " + text);
  seek(f, 4, whence.SET);
  const three = new ArrayBuffer(3);
  if (readFully(f, three) != 3) check(errno.IO, "read");
  console.log("seek 4, read 3: " + String.UTF8.decode(three));
  console.log(`seek end: ${seek(f, 0, whence.END)}`);
  check(writeAll(f, String.UTF8.encode("appended\n")), "write");
  check(fd_close(f), "close");
  const n = size(path);
  check(statErr, "stat");
  console.log(`size: ${n}`);
}

function readdir(): void {
  check(open("/fixture", oflags.DIRECTORY, rights.FD_READDIR), "open /fixture");
  const dir = load<fd>(scratch);
  const names = new Array<string>();
  const buffer = new ArrayBuffer(4096);
  const start = changetype<usize>(buffer);
  const header = <usize>offsetof<dirent>();
  let cookie: u64 = 0;
  while (true) {
    check(fd_readdir(dir, start, buffer.byteLength, cookie, scratch), "fd_readdir");
    const used = load<usize>(scratch);
    let at: usize = 0;
    // Whole entries only: one cut off at the end of the buffer is read again from its cookie.
    while (at + header <= used) {
      const entry = changetype<dirent>(start + at);
      if (at + header + entry.namlen > used) break;
      const name = String.UTF8.decodeUnsafe(start + at + header, entry.namlen);
      if (name != "." && name != "..") names.push(entry.type == filetype.DIRECTORY ? name + "/" : name);
      cookie = entry.next;
      at += header + entry.namlen;
    }
    if (used < <usize>buffer.byteLength) break;
  }
  check(fd_close(dir), "close /fixture");
  names.sort();
  for (let i = 0; i < names.length; i++) console.log(names[i]);
}

function rename(): void {
  writeFile("/data/old.txt", "renamed\n");
  const from = at("/data/old.txt"), to = at("/data/new.txt");
  check(path_rename(from.dir, from.ptr, from.len, to.dir, to.ptr, to.len), "rename");
  console.log("old.txt: " + exists("/data/old.txt"));
  console.log("new.txt: " + exists("/data/new.txt"));
}

function unlink(): void {
  writeFile("/data/doomed.txt", "gone\n");
  console.log("before: " + exists("/data/doomed.txt"));
  const doomed = at("/data/doomed.txt");
  check(path_unlink_file(doomed.dir, doomed.ptr, doomed.len), "unlink");
  console.log("after: " + exists("/data/doomed.txt"));
}

function mkdir(): void {
  const made = at("/data/made"), inner = at("/data/made/inner"), kept = at("/data/kept");
  check(path_create_directory(made.dir, made.ptr, made.len), "mkdir");
  check(path_create_directory(inner.dir, inner.ptr, inner.len), "mkdir");
  console.log("mkdir: " + exists("/data/made/inner"));
  check(path_remove_directory(inner.dir, inner.ptr, inner.len), "rmdir");
  console.log("rmdir: " + exists("/data/made/inner"));
  check(path_create_directory(kept.dir, kept.ptr, kept.len), "mkdir");
}

function stdin(): void {
  const buffer = new ArrayBuffer(4096);
  while (true) {
    const n = process.stdin.read(buffer);
    if (n <= 0) break;
    process.stdout.write(buffer.slice(0, n));
  }
}

function sandboxOpen(path: string): void {
  if (open(path, 0, rights.FD_READ) != errno.SUCCESS) {
    console.log(`open ${path}: denied`);
    return;
  }
  const f = load<fd>(scratch);
  const buffer = new ArrayBuffer(4096);
  let total = 0;
  for (let n = readFully(f, buffer); n > 0; n = readFully(f, buffer)) total += n;
  fd_close(f);
  console.log(`open ${path}: ALLOWED (${total} bytes read)`);
}

/** Where a component adapter takes its memory. Made a WASI 0.2 component with the preview 1
 * adapter, the module would otherwise have the adapter grow the memory for its own state, and
 * AssemblyScript's allocator, set up at the first allocation, claims every page the memory has by
 * then: when a WASI call comes first, both use that page. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return ptr == 0 ? heap.alloc(newSize) : heap.realloc(ptr, newSize);
}

const argv = process.argv;
if (argv.length < 2) {
  process.stderr.write("usage: wasi CAPABILITY [ARGS...]\n");
  process.exit(2);
}
const capability = argv[1];
if (capability == "args") {
  console.log(`argc=${argv.length - 2}`);
  for (let i = 2; i < argv.length; i++) console.log(`arg[${i - 2}]=${argv[i]}`);
} else if (capability == "env") {
  env();
} else if (capability == "clock") {
  clock();
} else if (capability == "random") {
  random();
} else if (capability == "file") {
  file();
} else if (capability == "readdir") {
  readdir();
} else if (capability == "rename") {
  rename();
} else if (capability == "unlink") {
  unlink();
} else if (capability == "mkdir") {
  mkdir();
} else if (capability == "stdin") {
  stdin();
} else if (capability == "exit") {
  const code = argv.length > 2 ? I32.parseInt(argv[2]) : 3;
  console.log(`exiting with ${code}`);
  process.exit(code);
} else if (capability == "stderr") {
  console.log("to stdout");
  process.stderr.write("to stderr\n");
} else if (capability == "sandbox-host-path") {
  sandboxOpen("/etc/passwd");
} else if (capability == "sandbox-dotdot") {
  sandboxOpen("/sandbox/../etc/passwd");
} else if (capability == "sandbox-env") {
  const vars = environment();
  let leaked: string | null = null;
  for (let i = 0; i < vars.length; i++) {
    if (vars[i].startsWith(HOST_SECRET + "=")) leaked = vars[i].substring(HOST_SECRET.length + 1);
  }
  console.log(leaked != null ? `env ${HOST_SECRET}: ALLOWED (${leaked})` : `env ${HOST_SECRET}: denied`);
} else {
  process.stderr.write("unknown capability: " + capability + "\n");
  process.exit(2);
}
