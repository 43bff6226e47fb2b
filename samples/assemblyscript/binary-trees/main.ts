// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded. Every node is a managed object; AssemblyScript's
// default runtime (TLSF allocator with the incremental garbage collector) frees the trees that are
// no longer reachable, where C calls free.

class Tree {
  constructor(public left: Tree | null, public right: Tree | null) {}
}

function bottomUp(depth: i32): Tree {
  return depth > 0
    ? new Tree(bottomUp(depth - 1), bottomUp(depth - 1))
    : new Tree(null, null);
}

function check(t: Tree): i32 {
  const left = t.left, right = t.right;
  return left != null && right != null ? 1 + check(left) + check(right) : 1;
}

/** A non-negative decimal integer, or -1 when `s` is not one. */
function parseCount(s: string): i32 {
  if (s.length == 0 || s.length > 9) return -1;
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Where a component adapter takes its memory. Made a WASI 0.2 component with the preview 1
 * adapter, the module would otherwise have the adapter grow the memory for its own state, and
 * AssemblyScript's allocator, set up at the first allocation, claims every page the memory has by
 * then: when a WASI call comes first (reading `process.argv` here), both use that page. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return ptr == 0 ? heap.alloc(newSize) : heap.realloc(ptr, newSize);
}

const n = process.argv.length > 1 ? parseCount(process.argv[1]) : -1;
if (n < 0) {
  process.stderr.write("usage: binary-trees MAX_DEPTH\n");
  process.exit(2);
}
const minDepth = 4;
const maxDepth = max(n, minDepth + 2);
const stretch = maxDepth + 1;
process.stdout.write(`stretch tree of depth ${stretch}\t check: ${check(bottomUp(stretch))}\n`);
const longLived = bottomUp(maxDepth);
for (let depth = minDepth; depth <= maxDepth; depth += 2) {
  const iterations = 1 << (maxDepth - depth + minDepth);
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += check(bottomUp(depth));
  process.stdout.write(`${iterations}\t trees of depth ${depth}\t check: ${sum}\n`);
}
process.stdout.write(`long lived tree of depth ${maxDepth}\t check: ${check(longLived)}\n`);
