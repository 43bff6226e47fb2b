// The `jco` column's worker: a WASI 0.2 command component transpiled by the Bytecode Alliance's jco
// to JavaScript and core modules, run on V8 through Node.js with `@bytecodealliance/preview2-shim`
// as the WASI host. It serves the harness's worker protocol (one JSON request on stdin, one JSON
// response on stdout, as `harness worker`) and is started as the `node` column's worker is:
// `node --no-warnings --input-type=module --eval <this file>`, with HARNESS_JCO_HOME naming the
// directory whose `node_modules` holds the pinned packages (`npm ci --ignore-scripts` of
// `toolchains/jco/package-lock.json`). An evaluated module has no base to resolve package names
// from, so the packages are imported by their file URLs under that directory.
//
// Phases: compile is the transpilation (`jco transpile --instantiation async`, through the
// transpiler's own API) or its load from the cache, the import of the generated JavaScript and the
// `WebAssembly.compile` of its core modules; instantiate is the shim's configuration and the
// generated `instantiate`; run is the call of `wasi:cli/run`'s `run`. The guest runs on the main
// thread; the deadline is a watchdog thread's, as in the `node` column's worker: at the deadline it
// answers for the run with the output captured so far and ends the process.
//
// Where this departs from the shim's defaults (each checked against `wasmtime-component`):
// - the guest's stdin, stdout and stderr are streams of this runner's on the main thread (subclasses
//   of the shim's own, which the bindings' `instanceof` checks accept): the shim's stdio would ask
//   its I/O thread at every write, write to this process's own stdout (where the response goes)
//   and read the process's stdin; output goes to shared memory the watchdog can read, at most
//   `output_limit_bytes` of each, after which a write fails (`closed`, a broken pipe);
// - `wasi:cli/exit` throws instead of calling `process.exit` (the shim's), so that the run is
//   answered for; `process.exit` itself throws while the guest runs (the shim calls it on an
//   internal failure), which ends the guest as a host error does: trapped, as wasmtime's aborted
//   guest;
// - `open-at` ignores `descriptor-flags.mutate-directory`, which the shim refuses (`unsupported`)
//   and wasi-libc sets on every open for writing (Rust's `fs::write` would fail); wasmtime ignores it;
// - the guest's environment is the case's alone, its preopens the case's alone (none by default),
//   it has no initial working directory and no terminal, as on wasmtime;
// - a preopen's own descriptor can be listed and stat'ed (the shim refuses both);
// - the generated JavaScript lowers an empty string through the guest's `realloc`, as the canonical
//   ABI says (see FIXES: the preview 1 adapter needs it).
// - `process.env` becomes a plain object: the generated bindings read `process.env.JCO_DEBUG` at
//   every host call, a real `getenv` otherwise.
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { syncBuiltinESMExports } from 'node:module';

// V8_FLAGS (V8's switch for each proposal the harness names) comes from `v8_flags.mjs`, which
// `node.rs` puts in front of this script.

// A module whose `_start` calls `proc_exit(0)`: run by `node:wasi` with `returnOnExit: false`, it
// ends the process at once from any thread (the `node` column's worker's means).
const EXIT_MODULE =
  '0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f70726576696577310970726f63' +
  '5f657869740000030201010503010001071302066d656d6f72790200065f737461727400010a08010600410010000b';

// Shared with the watchdog: [0] who answers (0 nobody yet, 1 claimed), [1] and [2] the bytes kept of
// stdout and stderr; then the times the watchdog needs for the phases of a timed-out run.
const STATE = new Int32Array(new SharedArrayBuffer(16));
const TIMES = new Float64Array(new SharedArrayBuffer(32)); // compile ms, instantiate ms, instantiate start, run start
const nowAbs = () => performance.timeOrigin + performance.now();

const WATCHDOG = String.raw`
const { parentPort, workerData: d } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const fs = require('node:fs');
const state = new Int32Array(d.state);
const times = new Float64Array(d.times);
const outputs = [new Uint8Array(d.stdout), new Uint8Array(d.stderr)];
// Made now, while nothing limits memories: at the deadline there is only the call left.
const wasi = new WASI({ version: 'preview1', returnOnExit: false });
const exit = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(d.exit, 'hex')), wasi.getImportObject());
const captured = (i) => Buffer.from(outputs[i].buffer, 0, Atomics.load(state, 1 + i)).toString('utf8');
function writeAll(text) {
  const b = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < b.length;) {
    try { off += fs.writeSync(1, b, off, b.length - off); }
    catch (e) { if (e.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1); else return; }
  }
}
parentPort.on('message', (m) => {
  setTimeout(() => {
    if (Atomics.compareExchange(state, 0, 0, 1) !== 0) return;
    const now = performance.timeOrigin + performance.now();
    const phases = times[3] > 0
      ? { compile: times[0], instantiate: times[1], run: now - times[3] }
      : { compile: times[0], instantiate: times[2] > 0 ? now - times[2] : 0, run: 0 };
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
    const response = {
      runtime_version: d.version,
      report: {
        ending: { kind: 'timed-out', by: 'the jco runner\'s watchdog thread, which ends the node process at the deadline' },
        phases, compile_cache: m.cache, stdout: captured(0), stderr: captured(1), outside: null,
      },
      peak_rss_kib: hwm ? Number(hwm[1]) : null,
    };
    writeAll(JSON.stringify(response) + '\n');
    if (m.scratch) fs.rmSync(m.scratch, { recursive: true, force: true });
    wasi.start(exit);
  }, Math.max(0, m.deadline - (performance.timeOrigin + performance.now())));
});
`;

const realExit = process.exit.bind(process);
const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const spec = request.spec;
const phases = { compile: 0, instantiate: 0, run: 0 };
let cacheState = 'cold';
let scratch = null; // the transpilation's directory when there is no cache: removed at the end
let version = `jco (not installed) on node ${process.version} (V8 ${process.versions.v8})`;

// Output: kept in shared memory, so that the watchdog can answer with what the guest wrote so far.
const limit = Math.max(0, Math.min(Number(spec.output_limit_bytes), 1 << 30));
const outputs = [new Uint8Array(new SharedArrayBuffer(limit)), new Uint8Array(new SharedArrayBuffer(limit))];
const captured = (i) => Buffer.from(outputs[i].buffer, 0, Atomics.load(STATE, 1 + i)).toString('utf8');

const pause = new Int32Array(new SharedArrayBuffer(4));
// A pipe's `process.stdout.write` turns asynchronous when the pipe is full and `process.exit` drops
// what is queued: the answer is written synchronously, waiting out EAGAIN on a non-blocking pipe.
function writeAll(fd, text) {
  const b = Buffer.from(text);
  for (let off = 0; off < b.length;) {
    try { off += fs.writeSync(fd, b, off, b.length - off); }
    catch (e) { if (e.code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1); else return; }
  }
}

function respond(ending) {
  if (Atomics.compareExchange(STATE, 0, 0, 1) !== 0) {
    // The watchdog answered: it ends the process.
    for (;;) Atomics.wait(STATE, 0, 1);
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  const response = {
    runtime_version: version,
    report: { ending, phases, compile_cache: cacheState, stdout: captured(0), stderr: captured(1), outside: null },
    peak_rss_kib: hwm ? Number(hwm[1]) : null,
  };
  writeAll(1, JSON.stringify(response) + '\n');
}

function finish(ending) {
  respond(ending);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  realExit(0);
}

// Whatever ends the process without an answer (nothing should) still answers, once.
process.on('exit', (code) => {
  if (Atomics.compareExchange(STATE, 0, 0, 1) !== 0) return;
  Atomics.store(STATE, 0, 0);
  respond({ kind: 'harness-fault', message: `the jco runner's node process exited (code ${code}) without an answer` });
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (e) => finish({ kind: 'harness-fault', message: `the jco runner failed: ${e?.stack ?? e}` }));
}

// ---------- the installed packages ----------
const home = process.env.HARNESS_JCO_HOME;
const modules = home && path.join(path.resolve(home), 'node_modules');
const packageDir = (name) => path.join(modules, ...name.split('/'));
const packageJson = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
let transpilerVersion;
let shimVersion;
try {
  if (!home) throw new Error('HARNESS_JCO_HOME is not set');
  transpilerVersion = packageJson(packageDir('@bytecodealliance/jco-transpile')).version;
  shimVersion = packageJson(packageDir('@bytecodealliance/preview2-shim')).version;
  let release = '';
  try { release = packageJson(path.resolve(home)).config?.jco ?? ''; } catch {}
  version = `jco ${release ? `${release} ` : ''}(jco-transpile ${transpilerVersion}, async instantiation) + ` +
    `preview2-shim ${shimVersion} on node ${process.version} (V8 ${process.versions.v8}, default tiers: ` +
    'Liftoff, then TurboFan for hot functions)';
} catch (e) {
  finish({ kind: 'harness-fault', message: `jco's packages are not installed where HARNESS_JCO_HOME says (${home ?? 'unset'}): ${e.message}` });
}
const shimFile = (sub) => pathToFileURL(path.join(packageDir('@bytecodealliance/preview2-shim'), 'dist', sub)).href;

if (spec.inherit_stdio) {
  finish({ kind: 'unsupported', capability: 'inherited stdio', message: 'the jco column captures stdio only' });
}

let bytes;
try {
  bytes = fs.readFileSync(request.module);
} catch (e) {
  finish({ kind: 'harness-fault', message: `cannot read ${request.module}: ${e}` });
}
// A component's header: the binary format's magic, then layer 1 (the component model).
if (!(bytes.length >= 8 && bytes.readUInt32BE(0) === 0x0061736d && bytes[6] === 1 && bytes[7] === 0)) {
  finish({
    kind: 'unsupported',
    capability: 'core module',
    message: '`jco` runs WASI 0.2 components; this is a core module (the preview 1 columns run it)',
  });
}

for (const proposal of spec.proposals) {
  for (const flag of V8_FLAGS[proposal] ?? []) v8.setFlagsFromString(flag);
}

// ---------- the host, before any of the shim loads ----------
class ComponentExit extends Error {
  constructor(code) { super(`exit ${code}`); this.code = code; }
}
class HostExit extends Error {
  constructor(code) { super(`preview2-shim ended the process (process.exit(${code ?? ''}))`); }
}
try {
  Object.defineProperty(process, 'env', { value: { ...process.env }, writable: true, configurable: true, enumerable: true });
} catch {}
// The shim calls `process.exit` on failures of its own: that ends the guest, not the process.
process.exit = (code) => { throw new HostExit(code); };
// This process's stdout carries the answer alone: whatever else would write there (the transpiler,
// itself a component on the shim, before the guest's streams replace the shim's) goes to stderr.
const toStderr = process.stderr.write.bind(process.stderr);
process.stdout.write = (...args) => toStderr(...args);
// The shim imports `exit` and `env` from `node:process`: its bindings are to see the above.
syncBuiltinESMExports();

const watchdog = new Worker(WATCHDOG, {
  eval: true,
  workerData: {
    state: STATE.buffer, times: TIMES.buffer, stdout: outputs[0].buffer, stderr: outputs[1].buffer,
    exit: EXIT_MODULE, version,
  },
  execArgv: ['--no-warnings'],
  env: {},
  stdout: false,
  stderr: false,
});
// The run, not the watchdog, decides when the process may end.
watchdog.unref();

let cli, filesystem, io, WASIShim;
try {
  [cli, filesystem, io, { WASIShim }] = await Promise.all([
    import(shimFile('nodejs/cli.js')),
    import(shimFile('nodejs/filesystem.js')),
    import(shimFile('nodejs/io.js')),
    import(shimFile('common/instantiation.js')),
  ]);
} catch (e) {
  finish({ kind: 'harness-fault', message: `cannot load preview2-shim from ${modules}: ${e?.stack ?? e}` });
}

// ---------- compile: transpile (or find the transpilation), import it, compile its core modules ----------
const NAME = 'component';
// `bindgenEnableWasmExnref` lets the transpiler's validator accept exception handling (Kotlin's
// modules use it): whether the engine accepts it is V8's to say, from the case's proposals. The
// output of a component without it is the same either way.
const OPTIONS = { name: NAME, instantiation: 'async', emitTypescriptDeclarations: false, bindgenEnableWasmExnref: true };
// Edits to the generated JavaScript, where jco departs from the component model (recorded in the
// cache entry, so that an entry made without one of them is made again):
// - a string is lowered into guest memory through the guest's `realloc` even when it is empty, as
//   the canonical ABI says; jco skips the call, and the preview 1 adapter, which lays its strings
//   out allocation by allocation, then loses the NUL after an empty value: an environment variable
//   with an empty value, or an empty argument, merges with the next one.
const FIXES = [
  ['empty-string-realloc', 'if (s.length === 0) { return { ptr: 1, len: 0 }; }', ''],
];

// The transpilation into `dir`, with what the rest needs to know of it in `meta.json`.
async function transpileInto(dir) {
  const { transpileBytes } = await import(pathToFileURL(path.join(packageDir('@bytecodealliance/jco-transpile'), 'dist', 'index.js')).href);
  const { files, imports, exports } = await transpileBytes(bytes, { ...OPTIONS });
  const fixed = [];
  const js = `${NAME}.js`;
  for (const [fix, from, to] of FIXES) {
    const source = Buffer.from(files[js]).toString('utf8');
    if (source.includes(from)) {
      files[js] = source.split(from).join(to);
      fixed.push(fix);
    }
  }
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  // Without it Node.js 20 warns on stderr that the generated module's type is guessed.
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const meta = { jcoTranspile: transpilerVersion, options: OPTIONS, fixes: FIXES.map(([fix]) => fix), fixed, files: Object.keys(files), imports, exports };
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta) + '\n');
  return meta;
}

function readEntry(dir) {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    const current = JSON.stringify(meta.options) === JSON.stringify(OPTIONS) &&
      JSON.stringify(meta.fixes) === JSON.stringify(FIXES.map(([fix]) => fix));
    return current && meta.files.every((f) => fs.existsSync(path.join(dir, f))) ? meta : null;
  } catch {
    return null;
  }
}

class TranspileError extends Error {}
async function transpiled() {
  const attempt = async (dir) => {
    try {
      return await transpileInto(dir);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e instanceof HostExit ? new TranspileError(e.message) : new TranspileError(e instanceof Error ? e.message : String(e));
    }
  };
  if (!spec.cache_dir) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-jco-'));
    return { dir: scratch, meta: await attempt(scratch) };
  }
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  const root = path.join(path.resolve(spec.cache_dir), 'jco');
  const entry = path.join(root, `${sha}-${transpilerVersion}`);
  let meta = readEntry(entry);
  if (meta) {
    cacheState = 'hit';
    return { dir: entry, meta };
  }
  fs.mkdirSync(root, { recursive: true });
  const temp = fs.mkdtempSync(path.join(root, `.${sha.slice(0, 16)}-`));
  meta = await attempt(temp);
  cacheState = 'miss';
  try {
    // An entry made otherwise (another option, a fix it lacks) or broken (a file gone) is replaced;
    // a whole, current one is never touched.
    if (fs.existsSync(entry) && !readEntry(entry)) fs.rmSync(entry, { recursive: true, force: true });
    fs.renameSync(temp, entry);
  } catch (e) {
    // Another worker's rename won: its transpilation is this one's.
    fs.rmSync(temp, { recursive: true, force: true });
    const theirs = readEntry(entry);
    if (!theirs) throw e;
    meta = theirs;
  }
  return { dir: entry, meta };
}

let t = performance.now();
let dir, meta, generated;
const cores = new Map();
try {
  ({ dir, meta } = await transpiled());
} catch (e) {
  phases.compile = performance.now() - t;
  finish(e instanceof TranspileError
    ? { kind: 'rejected', stage: 'compile', message: e.message }
    : { kind: 'harness-fault', message: `cannot store the transpilation: ${e?.stack ?? e}` });
}
// The memory cap, once the transpiler (itself Wasm, whose memory it must not limit) is done: V8's
// limit on every memory's pages, which `memory.grow` past it meets with -1.
const pages = Math.max(1, Math.floor(spec.memory_limit_bytes / 65536));
v8.setFlagsFromString(`--wasm-max-mem-pages=${pages}`);
try {
  generated = await import(pathToFileURL(path.join(dir, `${NAME}.js`)).href);
  for (const f of meta.files.filter((f) => /\.core\d*\.wasm$/.test(f))) {
    cores.set(path.basename(f), await WebAssembly.compile(fs.readFileSync(path.join(dir, path.basename(f)))));
  }
} catch (e) {
  phases.compile = performance.now() - t;
  finish({ kind: 'rejected', stage: 'compile', message: String(e) });
}
phases.compile = performance.now() - t;
TIMES[0] = phases.compile;
// The deadline counts from the end of compilation, as on every column (the watchdog removes the
// scratch transpilation when it answers).
watchdog.postMessage({ deadline: nowAbs() + spec.timeout, cache: cacheState, scratch });

// ---------- instantiate: the shim configured for the case, then the generated `instantiate` ----------
t = performance.now();
TIMES[2] = nowAbs();
const { InputStream, OutputStream } = io.streams;
// An always-ready pollable for the streams below: the shim's own for its stdout (before it is replaced).
const shimStdout = cli.stdout.getStdout();
const ready = () => shimStdout.subscribe();
// The shim's I/O thread (files, polls) starts at its first call: here, as wasmtime's backends build
// their host runtime with instantiation, not at the guest's first host call.
ready()[Symbol.dispose ?? Symbol.for('dispose')]();

class CapturedOutput extends OutputStream {
  #i;
  constructor(i) { super(); this.#i = i; }
  checkWrite() {
    const room = limit - Atomics.load(STATE, 1 + this.#i);
    if (room <= 0) throw { tag: 'closed' };
    return BigInt(room);
  }
  write(buf) {
    const kept = Atomics.load(STATE, 1 + this.#i);
    const n = Math.min(buf.length, limit - kept);
    outputs[this.#i].set(n === buf.length ? buf : buf.subarray(0, n), kept);
    Atomics.store(STATE, 1 + this.#i, kept + n);
    // Past the limit the guest sees a broken pipe, as a pipe's reader that stopped reading.
    if (n < buf.length) throw { tag: 'closed' };
  }
  blockingWriteAndFlush(buf) { this.write(buf); }
  flush() {}
  blockingFlush() {}
  writeZeroes(len) { this.write(new Uint8Array(Number(len))); }
  blockingWriteZeroesAndFlush(len) { this.write(new Uint8Array(Number(len))); }
  splice(src, len) { return this.#splice(src, len, false); }
  blockingSplice(src, len) { return this.#splice(src, len, true); }
  #splice(src, len, blocking) {
    const chunk = blocking ? src.blockingRead(len) : src.read(len);
    this.write(chunk);
    return BigInt(chunk.length);
  }
  subscribe() { return ready(); }
}

class GivenInput extends InputStream {
  #bytes;
  #at = 0;
  constructor(bytes) { super(); this.#bytes = bytes; }
  read(len) {
    if (this.#at >= this.#bytes.length) throw { tag: 'closed' };
    const n = Math.min(Number(len), this.#bytes.length - this.#at);
    const chunk = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return chunk;
  }
  blockingRead(len) { return this.read(len); }
  skip(len) { return BigInt(this.read(len).length); }
  blockingSkip(len) { return this.skip(len); }
  subscribe() { return ready(); }
}

const throwingExit = {
  exit(status) { throw new ComponentExit(status?.tag === 'err' ? 1 : 0); },
  exitWithCode(code) { throw new ComponentExit(code); },
};

let run;
try {
  cli._setArgs([spec.program, ...spec.args]);
  cli._setEnv(spec.env);
  cli._setCwd(undefined);
  cli._setStdin(new GivenInput(new Uint8Array(spec.stdin)));
  cli._setStdout(new CapturedOutput(0));
  cli._setStderr(new CapturedOutput(1));
  // Captured stdio is no terminal (the shim says every stream is one).
  cli._setTerminalStdin(undefined);
  cli._setTerminalStdout(undefined);
  cli._setTerminalStderr(undefined);
  const D = filesystem.types.Descriptor.prototype;
  const openAt = D.openAt;
  D.openAt = function (pathFlags, subpath, openFlags, descriptorFlags) {
    if (descriptorFlags?.mutateDirectory) descriptorFlags = { ...descriptorFlags, mutateDirectory: false };
    return openAt.call(this, pathFlags, subpath, openFlags, descriptorFlags);
  };
  filesystem._setPreopens({});
  for (const p of spec.preopens) filesystem._addPreopen(p.guest, path.resolve(p.host));
  // The shim lists and stats only directories opened from a preopen, not the preopen itself
  // (`bad-descriptor`, `invalid`): those calls go to the preopen's `.` instead (Zig lists the
  // preopen's own descriptor).
  const preopened = new Set(filesystem._getPreopens().map(([descriptor]) => descriptor));
  for (const method of ['readDirectory', 'stat']) {
    const own = D[method];
    D[method] = function (...args) {
      if (!preopened.has(this)) return own.apply(this, args);
      return own.apply(openAt.call(this, { symlinkFollow: true }, '.', { directory: true }, { read: true }), args);
    };
  }
} catch (e) {
  phases.instantiate = performance.now() - t;
  finish({ kind: 'harness-fault', message: `cannot configure preview2-shim for the case: ${e?.stack ?? e}` });
}
const imports = new WASIShim().getImportObject();
imports['wasi:cli/exit'] = throwingExit;
// An import the shim does not provide is a capability the host lacks: named as the component names it.
for (const name of meta.imports) {
  if (imports[name] == null) {
    phases.instantiate = performance.now() - t;
    finish({ kind: 'unsupported', capability: `import ${name}`, message: `preview2-shim ${shimVersion} provides no ${name}` });
  }
}
const runExport = meta.exports.find(([name, kind]) => kind === 'instance' && /^wasi:cli\/run(@|$)/.test(name));
if (!runExport) {
  phases.instantiate = performance.now() - t;
  finish({
    kind: 'rejected',
    stage: 'instantiate',
    message: `not a WASI 0.2 command: the component exports no wasi:cli/run (its exports: ${meta.exports.map(([n]) => n).join(', ') || 'none'})`,
  });
}
try {
  const instance = await generated.instantiate((name) => cores.get(name) ?? WebAssembly.compile(fs.readFileSync(path.join(dir, name))), imports);
  run = instance[runExport[0]];
  if (typeof run?.run !== 'function') throw new Error('the instance has no wasi:cli/run run function');
} catch (e) {
  phases.instantiate = performance.now() - t;
  finish(ending(e, 'instantiate'));
}
phases.instantiate = performance.now() - t;
TIMES[1] = phases.instantiate;

// What a throw out of the guest means.
function ending(e, stage) {
  if (e instanceof ComponentExit) return { kind: 'exited', code: e.code };
  // A trap is a WebAssembly.RuntimeError; V8 reports a stack overflow as a RangeError.
  if (e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/i.test(e.message))) {
    return { kind: 'trapped', message: String(e) };
  }
  if (e instanceof HostExit) return { kind: 'trapped', message: `the WASI host failed: ${e.message}` };
  if (stage) return { kind: 'rejected', stage, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  // A host call that threw: the guest is aborted, as wasmtime's is by a host error.
  return { kind: 'trapped', message: `the WASI host failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
}

// ---------- run ----------
TIMES[3] = nowAbs();
t = performance.now();
let end;
try {
  run.run();
  end = { kind: 'exited', code: 0 };
} catch (e) {
  // `run` returning its error case (no payload) is how a component says "exit 1".
  end = e === undefined ? { kind: 'exited', code: 1 } : ending(e);
}
phases.run = performance.now() - t;
finish(end);
