// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded. Every node is a fresh object; the garbage
// collector takes the place of the C version's free.
//
// Everything happens inside `run`: componentize-js runs top-level code once, at build time.
import { getArguments } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';

class TreeNode {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }

  check() {
    return this.left === null ? 1 : 1 + this.left.check() + this.right.check();
  }
}

const bottomUp = (depth) =>
  depth > 0 ? new TreeNode(bottomUp(depth - 1), bottomUp(depth - 1)) : new TreeNode(null, null);

function main(args) {
  if (args.length < 1 || !/^\d+$/.test(args[0])) {
    console.error('usage: binary-trees MAX_DEPTH');
    return 2;
  }
  const minDepth = 4;
  const maxDepth = Math.max(Number(args[0]), minDepth + 2);
  const stretch = maxDepth + 1;
  console.log(`stretch tree of depth ${stretch}\t check: ${bottomUp(stretch).check()}`);
  const longLived = bottomUp(maxDepth);
  for (let depth = minDepth; depth <= maxDepth; depth += 2) {
    const iterations = 2 ** (maxDepth - depth + minDepth);
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum += bottomUp(depth).check();
    console.log(`${iterations}\t trees of depth ${depth}\t check: ${sum}`);
  }
  console.log(`long lived tree of depth ${maxDepth}\t check: ${longLived.check()}`);
  return 0;
}

export const run = {
  run() {
    let status;
    try {
      status = main(getArguments().slice(1));
    } catch (e) {
      // Uncaught, the exception would end the run with status 1 and no message at all.
      console.error(`binary-trees: ${e?.message ?? String(e)}`);
      if (e instanceof Error && e.stack) console.error(e.stack.trimEnd());
      status = 1;
    }
    if (status !== 0) exitWithCode(status);
  },
};
