;; rb-js-abi-host-stub.wat: the `rb-js-abi-host` module that @ruby/3.4-wasm-wasi's ruby+stdlib.wasm imports.
;;
;; These 21 functions are the host side of the `js` gem (Ruby <-> JavaScript interop), which only a JS
;; embedding (@ruby/wasm-wasi) provides. A WASI command has no JS host, so each one keeps the exact
;; core signature the import declares and traps (`unreachable`) if called: only `require "js"` and
;; its calls reach them, never plain Ruby. wasm-merge links this module in under the name `rb-js-abi-host`,
;; which removes the imports from the merged command module.
(module
  (func (export "rb_wasm_throw_prohibit_rewind_exception") (param i32 i32) unreachable)
  (func (export "eval-js: func(code: string) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }") (param i32 i32 i32) unreachable)
  (func (export "is-js: func(value: handle<js-abi-value>) -> bool") (param i32) (result i32) unreachable)
  (func (export "instance-of: func(value: handle<js-abi-value>, klass: handle<js-abi-value>) -> bool") (param i32 i32) (result i32) unreachable)
  (func (export "global-this: func() -> handle<js-abi-value>") (result i32) unreachable)
  (func (export "int-to-js-number: func(value: s32) -> handle<js-abi-value>") (param i32) (result i32) unreachable)
  (func (export "float-to-js-number: func(value: float64) -> handle<js-abi-value>") (param f64) (result i32) unreachable)
  (func (export "string-to-js-string: func(value: string) -> handle<js-abi-value>") (param i32 i32) (result i32) unreachable)
  (func (export "bool-to-js-bool: func(value: bool) -> handle<js-abi-value>") (param i32) (result i32) unreachable)
  (func (export "proc-to-js-function: func(value: u32) -> handle<js-abi-value>") (param i32) (result i32) unreachable)
  (func (export "rb-object-to-js-rb-value: func(raw-rb-abi-value: u32) -> handle<js-abi-value>") (param i32) (result i32) unreachable)
  (func (export "js-value-to-string: func(value: handle<js-abi-value>) -> string") (param i32 i32) unreachable)
  (func (export "js-value-to-integer: func(value: handle<js-abi-value>) -> variant { as-float(float64), bignum(string) }") (param i32 i32) unreachable)
  (func (export "export-js-value-to-host: func(value: handle<js-abi-value>) -> ()") (param i32) unreachable)
  (func (export "import-js-value-from-host: func() -> handle<js-abi-value>") (result i32) unreachable)
  (func (export "js-value-typeof: func(value: handle<js-abi-value>) -> string") (param i32 i32) unreachable)
  (func (export "js-value-equal: func(lhs: handle<js-abi-value>, rhs: handle<js-abi-value>) -> bool") (param i32 i32) (result i32) unreachable)
  (func (export "js-value-strictly-equal: func(lhs: handle<js-abi-value>, rhs: handle<js-abi-value>) -> bool") (param i32 i32) (result i32) unreachable)
  (func (export "reflect-apply: func(target: handle<js-abi-value>, this-argument: handle<js-abi-value>, arguments: list<handle<js-abi-value>>) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }") (param i32 i32 i32 i32 i32) unreachable)
  (func (export "reflect-get: func(target: handle<js-abi-value>, property-key: string) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }") (param i32 i32 i32 i32) unreachable)
  (func (export "reflect-set: func(target: handle<js-abi-value>, property-key: string, value: handle<js-abi-value>) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }") (param i32 i32 i32 i32 i32) unreachable)
)
