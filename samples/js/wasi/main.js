// One WASI capability per invocation, named by the first argument, printing the same lines as
// every other language's version of this sample (see samples/contract/wasi).
//
// componentize-js builds a WASI 0.2 component, and StarlingMonkey gives JavaScript console, clocks
// and crypto but no files, arguments, environment or stdin; so this program calls the WASI 0.2
// interfaces themselves (wasi:cli, wasi:filesystem, wasi:clocks, wasi:random), the same
// capabilities the other languages reach through their libc's preview 1 calls. Absolute guest
// paths are resolved against the preopened directories as wasi-libc does: the longest preopen
// that prefixes the path, the rest passed unchanged (`..` included) for the runtime to judge.
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
//
// Everything happens inside `run`: componentize-js runs top-level code once, at build time.
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getStdin } from 'wasi:cli/stdin@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { now as wallClockNow } from 'wasi:clocks/wall-clock@0.2.12';
import { now as monotonicNow, subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import { getRandomBytes } from 'wasi:random/random@0.2.12';

/** The variable the harness sets in its own environment, never in a guest's. */
const HOST_SECRET = 'WASM_HARNESS_HOST_SECRET';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A failure to report as `what: reason` on stderr, ending the run with status 1. */
class Failure extends Error {}

/** A WASI error (a ComponentError whose payload names the error code) or a JavaScript one. */
const describe = (e) => e?.payload?.tag ?? e?.payload ?? e?.message ?? String(e);

/** Runs `action`, turning whatever it throws into a Failure named `what`. */
function attempt(what, action) {
  try {
    return action();
  } catch (e) {
    throw new Failure(`${what}: ${describe(e)}`);
  }
}

/** The preopened directories and their guest paths, asked for once (each call makes new handles). */
let preopens;

/** The preopened directory holding the absolute guest path `path`, and the path relative to it. */
function resolve(path) {
  preopens ??= getDirectories();
  let best;
  for (const [dir, prefix] of preopens) {
    const base = prefix.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) continue;
    if (!best || base.length > best.base.length) best = { dir, base };
  }
  if (!best) throw new Error('not in a preopened directory');
  return [best.dir, path.slice(best.base.length).replace(/^\/+/, '') || '.'];
}

/**
 * An open file with a position, as stdio keeps one (WASI 0.2 descriptors take offsets), closed at
 * the end of the `using` block that holds it.
 */
class File {
  position = 0n;

  constructor(path, openFlags, descriptorFlags) {
    const [dir, relative] = resolve(path);
    this.descriptor = dir.openAt({ symlinkFollow: true }, relative, openFlags, descriptorFlags);
  }

  static create(path) {
    return new File(path, { create: true, truncate: true }, { write: true });
  }

  [Symbol.dispose]() {
    this.descriptor[Symbol.dispose]();
  }

  /** Up to `length` bytes from the position (fewer only at the end of the file). */
  read(length) {
    const chunks = [];
    let total = 0;
    while (total < length) {
      const [bytes, end] = this.descriptor.read(BigInt(length - total), this.position);
      chunks.push(bytes);
      total += bytes.length;
      this.position += BigInt(bytes.length);
      if (end || bytes.length === 0) break;
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  write(text) {
    const bytes = encoder.encode(text);
    for (let done = 0; done < bytes.length; ) {
      const n = this.descriptor.write(bytes.subarray(done), this.position);
      done += Number(n);
      this.position += n;
    }
  }

  seekTo(offset) {
    this.position = BigInt(offset);
  }

  seekToEnd() {
    this.position = this.descriptor.stat().size;
  }
}

function writeFile(path, text) {
  using file = File.create(path);
  file.write(text);
}

function stat(path) {
  const [dir, relative] = resolve(path);
  return dir.statAt({ symlinkFollow: true }, relative);
}

function exists(path) {
  try {
    stat(path);
    return 'exists';
  } catch {
    return 'absent';
  }
}

const capabilities = {
  args(rest) {
    console.log(`argc=${rest.length}`);
    rest.forEach((arg, i) => console.log(`arg[${i}]=${arg}`));
  },

  env() {
    const vars = getEnvironment().map(([key, value]) => `${key}=${value}`);
    for (const line of vars.sort()) console.log(line);
  },

  clock() {
    const { seconds } = attempt('clock_gettime', wallClockNow);
    console.log(`realtime_s=${seconds}`);
    const first = monotonicNow();
    const second = monotonicNow();
    console.log(`monotonic: ${second >= first ? 'non-decreasing' : 'WENT BACKWARDS'}`);
    subscribeDuration(10_000_000n).block();
    const elapsed = monotonicNow() - first;
    console.log(`sleep 10ms: ${elapsed >= 10_000_000n ? 'elapsed' : 'TOO SHORT'}`);
  },

  random() {
    const a = attempt('getentropy', () => getRandomBytes(32n));
    const b = attempt('getentropy', () => getRandomBytes(32n));
    const differ = a.length === 32 && a.some((byte, i) => byte !== b[i]) && a.some((byte) => byte !== 0);
    console.log(`random: 32 bytes, ${differ ? 'two draws differ' : 'DRAWS EQUAL'}`);
  },

  file() {
    const path = '/data/file.txt';
    attempt('write', () => writeFile(path, '0123456789\n'));
    console.log('write: 11 bytes');
    using file = attempt('open', () => new File(path, {}, { read: true, write: true }));
    const all = decoder.decode(attempt('read', () => file.read(63)));
    console.log(`read: ${all.replace(/\n+$/, '')}`);
    file.seekTo(4);
    const three = attempt('read', () => file.read(3));
    if (three.length !== 3) throw new Failure('read: short read');
    console.log(`seek 4, read 3: ${decoder.decode(three)}`);
    attempt('seek', () => file.seekToEnd());
    console.log(`seek end: ${file.position}`);
    attempt('write', () => file.write('appended\n'));
    console.log(`size: ${attempt('stat', () => stat(path)).size}`);
  },

  readdir() {
    const names = attempt('opendir', () => {
      const [dir, relative] = resolve('/fixture');
      using directory = dir.openAt({}, relative, { directory: true }, { read: true });
      using entries = directory.readDirectory();
      const found = [];
      for (let entry; (entry = entries.readDirectoryEntry()) !== undefined; ) {
        found.push(entry.type === 'directory' ? `${entry.name}/` : entry.name);
      }
      return found;
    });
    for (const name of names.sort()) console.log(name);
  },

  rename() {
    attempt('write', () => writeFile('/data/old.txt', 'renamed\n'));
    attempt('rename', () => {
      const [from, oldPath] = resolve('/data/old.txt');
      const [to, newPath] = resolve('/data/new.txt');
      from.renameAt(oldPath, to, newPath);
    });
    console.log(`old.txt: ${exists('/data/old.txt')}`);
    console.log(`new.txt: ${exists('/data/new.txt')}`);
  },

  unlink() {
    attempt('write', () => writeFile('/data/doomed.txt', 'gone\n'));
    console.log(`before: ${exists('/data/doomed.txt')}`);
    attempt('unlink', () => {
      const [dir, relative] = resolve('/data/doomed.txt');
      dir.unlinkFileAt(relative);
    });
    console.log(`after: ${exists('/data/doomed.txt')}`);
  },

  mkdir() {
    const mkdir = (path) => {
      const [dir, relative] = resolve(path);
      dir.createDirectoryAt(relative);
    };
    attempt('mkdir', () => mkdir('/data/made'));
    attempt('mkdir', () => mkdir('/data/made/inner'));
    console.log(`mkdir: ${exists('/data/made/inner')}`);
    attempt('rmdir', () => {
      const [dir, relative] = resolve('/data/made/inner');
      dir.removeDirectoryAt(relative);
    });
    console.log(`rmdir: ${exists('/data/made/inner')}`);
    attempt('mkdir', () => mkdir('/data/kept'));
  },

  stdin() {
    // Bytes in, bytes out: no decoding on the way. A read ends with a `closed` error at the end of
    // the input; a write takes at most 4096 bytes, which is also the read size.
    using stdin = getStdin();
    using stdout = getStdout();
    for (;;) {
      let bytes;
      try {
        bytes = stdin.blockingRead(4096n);
      } catch (e) {
        if (describe(e) === 'closed') break;
        throw new Failure(`stdin: ${describe(e)}`);
      }
      stdout.blockingWriteAndFlush(bytes);
    }
  },

  exit([code]) {
    const status = code === undefined ? 3 : Number.parseInt(code, 10) || 0;
    console.log(`exiting with ${status}`);
    exitWithCode(status);
  },

  stderr() {
    console.log('to stdout');
    console.error('to stderr');
  },

  'sandbox-host-path': () => sandboxOpen('/etc/passwd'),

  'sandbox-dotdot': () => sandboxOpen('/sandbox/../etc/passwd'),

  'sandbox-env'() {
    const found = getEnvironment().find(([key]) => key === HOST_SECRET);
    console.log(found ? `env ${HOST_SECRET}: ALLOWED (${found[1]})` : `env ${HOST_SECRET}: denied`);
  },
};

function sandboxOpen(path) {
  using file = (() => {
    try {
      return new File(path, {}, { read: true });
    } catch {
      return null;
    }
  })();
  if (file === null) {
    console.log(`open ${path}: denied`);
    return;
  }
  let total = 0;
  for (let chunk; (chunk = file.read(4096)).length > 0; ) total += chunk.length;
  console.log(`open ${path}: ALLOWED (${total} bytes read)`);
}

function main([capability, ...rest]) {
  if (capability === undefined) {
    console.error('usage: wasi CAPABILITY [ARGS...]');
    return 2;
  }
  if (!Object.hasOwn(capabilities, capability)) {
    console.error(`unknown capability: ${capability}`);
    return 2;
  }
  try {
    capabilities[capability](rest);
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    console.error(e.message);
    return 1;
  }
  return 0;
}

export const run = {
  run() {
    let status;
    try {
      status = main(getArguments().slice(1));
    } catch (e) {
      // Uncaught, the exception would end the run with status 1 and no message at all.
      console.error(`wasi: ${describe(e)}`);
      if (e instanceof Error && e.stack) console.error(e.stack.trimEnd());
      status = 1;
    }
    if (status !== 0) exitWithCode(status);
  },
};
