;; Imports a host function that no runtime provides: instantiation must fail with a link error.
(module
  (import "wasm_harness_nowhere" "conjure" (func $conjure (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $conjure))))
