;; A correctness probe: a funcref table holding a local function and an imported (host) function;
;; the local function reads linear memory and is called through call_indirect. Prints "ok N\n" (N = 42).
(module
  (type $cmp_t (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $rmdir (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 3 3 funcref)
  (elem (i32.const 1) $load $rmdir)
  (data (i32.const 100) "\2a\00\00\00")
  (data (i32.const 200) "ok ")
  (func $load (type $cmp_t) (param $p i32) (result i32)
    (i32.load (local.get $p)))
  (func (export "_start")
    (local $n i32)
    (local.set $n (call_indirect (type $cmp_t) (i32.const 100) (i32.const 1)))
    ;; "ok " + two digits + "\n" at 200
    (i32.store8 (i32.const 203) (i32.add (i32.const 48) (i32.div_u (local.get $n) (i32.const 10))))
    (i32.store8 (i32.const 204) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
    (i32.store8 (i32.const 205) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
