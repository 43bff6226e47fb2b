// Shared by the `node` and `jco` workers (`node.rs` prepends it to each; an ES module's imports are
// hoisted, so they may follow it).
// V8's switch for each proposal the harness names; V8 prints a line on stderr and goes on for a
// switch its version lacks (a proposal it has shipped, or one it does not know yet).
const V8_FLAGS = {
  gc: ['--experimental-wasm-gc'],
  'function-references': ['--experimental-wasm-typed-funcref'],
  'tail-call': ['--experimental-wasm-return-call'],
  'exception-handling': ['--experimental-wasm-exnref'],
  'legacy-exceptions': ['--experimental-wasm-eh'],
  memory64: ['--experimental-wasm-memory64'],
  'multi-memory': ['--experimental-wasm-multi-memory'],
  'extended-const': ['--experimental-wasm-extended-const'],
  'relaxed-simd': ['--experimental-wasm-relaxed-simd'],
  threads: ['--experimental-wasm-threads'],
  'branch-hinting': ['--experimental-wasm-branch-hinting'],
  'custom-page-sizes': ['--experimental-wasm-custom-page-sizes'],
  'wide-arithmetic': ['--experimental-wasm-wide-arithmetic'],
  'js-string-builtins': ['--experimental-wasm-imported-strings'],
};
