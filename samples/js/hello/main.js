// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
//
// componentize-js runs this module in StarlingMonkey, which has console.log but no file API, so
// the file is written through the wasi:filesystem descriptor of the directory the runtime
// preopened. Everything happens inside `run`: top-level code runs once, at build time.
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const PATH = '/helloworld/helloworld.txt';

/** A WASI error (its payload names the error code) or a JavaScript one, as one line. */
const describe = (e) => e?.payload?.tag ?? e?.payload ?? e?.message ?? String(e);

/**
 * The preopened directory holding the absolute guest path `path`, and the path relative to it,
 * as wasi-libc resolves it: the longest preopen that prefixes it up to a `/`.
 */
function resolve(path) {
  let best;
  for (const [dir, prefix] of getDirectories()) {
    const base = prefix.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) continue;
    if (!best || base.length > best.base.length) best = { dir, base };
  }
  if (!best) throw new Error('not in a preopened directory');
  return [best.dir, path.slice(best.base.length).replace(/^\/+/, '') || '.'];
}

function writeFile(path, text) {
  const [dir, relative] = resolve(path);
  using file = dir.openAt({}, relative, { create: true, truncate: true }, { write: true });
  const bytes = new TextEncoder().encode(text);
  for (let done = 0; done < bytes.length; ) {
    done += Number(file.write(bytes.subarray(done), BigInt(done)));
  }
}

function main() {
  console.log('Hello, Wasm!');
  try {
    writeFile(PATH, 'Hello world!\n');
  } catch (e) {
    console.error(`cannot write ${PATH}: ${describe(e)}`);
    return 1;
  }
  console.log('Created helloworld.txt');
  return 0;
}

export const run = {
  run() {
    let status;
    try {
      status = main();
    } catch (e) {
      // Uncaught, the exception would end the run with status 1 and no message at all.
      console.error(`hello: ${describe(e)}`);
      if (e instanceof Error && e.stack) console.error(e.stack.trimEnd());
      status = 1;
    }
    if (status !== 0) exitWithCode(status);
  },
};
