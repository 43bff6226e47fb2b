// The `node` column's worker: V8 through Node.js's own `node:wasi` (preview 1), serving the harness's
// worker protocol (one JSON request on stdin, one JSON response on stdout, as `harness worker`).
//
// The guest runs on the main thread, as Node.js's documentation runs a WASI command. The deadline is
// a watchdog thread's, as in the harness's own workers: at the deadline it answers for the run and
// ends the process (a thread that runs Wasm, or waits in a host call, cannot run a timer). The
// guest's stdio are files in a private temporary directory, since `node:wasi` takes descriptors.
import { Worker } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

// V8_FLAGS (V8's switch for each proposal the harness names) comes from `v8_flags.mjs`, which
// `node.rs` puts in front of this script.

// A module whose `_start` calls `proc_exit(0)`. Run by `node:wasi` with `returnOnExit: false`, it
// ends the process at once (uvwasi calls `exit`), from any thread; `process.exit()` would wait for
// the main thread, which may be stuck in the guest.
const EXIT_MODULE =
  '0061736d0100000001080260017f0060000002240116776173695f736e617073686f745f70726576696577310970726f63' +
  '5f657869740000030201010503010001071302066d656d6f72790200065f737461727400010a08010600410010000b';

// Whoever claims the answer first (the run, or the watchdog at the deadline) writes it; the other
// never writes, so the harness reads exactly one response.
const CLAIM = new Int32Array(new SharedArrayBuffer(4));

const WATCHDOG = String.raw`
const { parentPort, workerData: d } = require('node:worker_threads');
const { WASI } = require('node:wasi');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const claim = new Int32Array(d.claim);
function captured(fd) {
  const size = Math.min(fs.fstatSync(fd).size, d.limit);
  const buffer = Buffer.alloc(size);
  fs.readSync(fd, buffer, 0, size, 0);
  return buffer.toString('utf8');
}
parentPort.on('message', (m) => {
  const armed = performance.now();
  setTimeout(() => {
    if (Atomics.compareExchange(claim, 0, 0, 1) !== 0) return;
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
    const phases = { compile: m.compile, instantiate: 0, run: performance.now() - armed };
    const response = {
      runtime_version: d.version,
      report: {
        ending: { kind: 'timed-out', by: 'the runner\'s watchdog thread, which ends the node process at the deadline' },
        phases, compile_cache: 'cold', stdout: captured(d.fds[1]), stderr: captured(d.fds[2]), outside: null,
      },
      peak_rss_kib: hwm ? Number(hwm[1]) : null,
    };
    fs.writeSync(1, JSON.stringify(response) + '\n');
    fs.rmSync(d.dir, { recursive: true, force: true });
    const wasi = new WASI({ version: 'preview1', returnOnExit: false });
    wasi.start(new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(d.exit, 'hex')), wasi.getImportObject()));
  }, m.timeout);
});
`;

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const spec = request.spec;
const version = `node ${process.version} (V8 ${process.versions.v8}, default tiers: Liftoff, then TurboFan for hot functions)`;
const phases = { compile: 0, instantiate: 0, run: 0 };

function respond(ending, stdout = '', stderr = '') {
  if (Atomics.compareExchange(CLAIM, 0, 0, 1) !== 0) {
    // The watchdog answered: it ends the process.
    Atomics.wait(CLAIM, 0, 1);
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  const response = {
    runtime_version: version,
    report: { ending, phases, compile_cache: 'cold', stdout, stderr, outside: null },
    peak_rss_kib: hwm ? Number(hwm[1]) : null,
  };
  fs.writeSync(1, JSON.stringify(response) + '\n');
}

if (spec.inherit_stdio) {
  respond({ kind: 'unsupported', capability: 'inherited stdio', message: 'the node column captures stdio only' });
  process.exit(0);
}

for (const proposal of spec.proposals) {
  for (const flag of V8_FLAGS[proposal] ?? []) v8.setFlagsFromString(flag);
}
// The memory cap: V8's limit on every memory's pages, which `memory.grow` past it meets with -1.
const pages = Math.max(1, Math.floor(spec.memory_limit_bytes / 65536));
v8.setFlagsFromString(`--wasm-max-mem-pages=${pages}`);

// The guest's stdio files live in a directory named after this process. A guest that exits
// mid-run ends the process at once, before it can remove its directory: each worker first removes
// those whose process is gone.
for (const name of fs.readdirSync(os.tmpdir())) {
  const owner = /^harness-node-(\d+)-/.exec(name);
  if (!owner) continue;
  try {
    process.kill(Number(owner[1]), 0);
  } catch (e) {
    if (e.code === 'ESRCH') fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), `harness-node-${process.pid}-`));
const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
let fds;
try {
  fs.writeFileSync(path.join(dir, 'stdin'), Buffer.from(spec.stdin));
  fds = [
    fs.openSync(path.join(dir, 'stdin'), 'r'),
    fs.openSync(path.join(dir, 'stdout'), 'w+'),
    fs.openSync(path.join(dir, 'stderr'), 'w+'),
  ];
} catch (e) {
  cleanup();
  respond({ kind: 'harness-fault', message: `cannot make the guest's stdio: ${e}` });
  process.exit(0);
}

function captured(fd) {
  const size = Math.min(fs.fstatSync(fd).size, spec.output_limit_bytes);
  const buffer = Buffer.alloc(size);
  fs.readSync(fd, buffer, 0, size, 0);
  return buffer.toString('utf8');
}

function finish(ending) {
  respond(ending, captured(fds[1]), captured(fds[2]));
  cleanup();
  process.exit(0);
}

const watchdog = new Worker(WATCHDOG, {
  eval: true,
  workerData: { claim: CLAIM.buffer, exit: EXIT_MODULE, fds, dir, limit: spec.output_limit_bytes, version },
  execArgv: ['--no-warnings'],
  env: {},
  stdout: false,
  stderr: false,
});
// The run, not the watchdog, decides when the process may end.
watchdog.unref();

let bytes;
try {
  bytes = fs.readFileSync(request.module);
} catch (e) {
  finish({ kind: 'harness-fault', message: `cannot read ${request.module}: ${e}` });
}
let t = performance.now();
let module;
try {
  module = await WebAssembly.compile(bytes);
} catch (e) {
  phases.compile = performance.now() - t;
  finish({ kind: 'rejected', stage: 'compile', message: String(e) });
}
phases.compile = performance.now() - t;
// The deadline counts from the end of compilation, as on every column.
watchdog.postMessage({ timeout: spec.timeout, compile: phases.compile });

t = performance.now();
const preopens = {};
for (const p of spec.preopens) preopens[p.guest] = p.host;
const wasi = new WASI({
  version: 'preview1',
  args: [spec.program, ...spec.args],
  env: spec.env,
  preopens,
  stdin: fds[0],
  stdout: fds[1],
  stderr: fds[2],
  returnOnExit: true,
});
const imports = wasi.getImportObject();
// A missing import is a capability the runtime lacks, not a broken module: name it.
for (const i of WebAssembly.Module.imports(module)) {
  if (!(imports[i.module] && i.name in imports[i.module])) {
    phases.instantiate = performance.now() - t;
    finish({ kind: 'unsupported', capability: `import ${i.module}::${i.name}`, message: `node:wasi provides no ${i.module}::${i.name}` });
  }
}
let instance;
try {
  instance = await WebAssembly.instantiate(module, imports);
} catch (e) {
  phases.instantiate = performance.now() - t;
  finish(e instanceof WebAssembly.RuntimeError
    ? { kind: 'trapped', message: String(e) }
    : { kind: 'rejected', stage: 'instantiate', message: String(e) });
}
phases.instantiate = performance.now() - t;
if (typeof instance.exports._start !== 'function') {
  finish({ kind: 'rejected', stage: 'instantiate', message: 'no _start command export' });
}

t = performance.now();
let ending;
try {
  ending = { kind: 'exited', code: wasi.start(instance) ?? 0 };
} catch (e) {
  // A trap is a WebAssembly.RuntimeError; V8 reports a stack overflow as a RangeError.
  ending = { kind: 'trapped', message: String(e) };
}
phases.run = performance.now() - t;
finish(ending);
