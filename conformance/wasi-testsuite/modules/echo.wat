;; echo: prints each argument after argv[0] on a line of its own, then each environment variable
;; (KEY=VALUE) on a line of its own, in the order the runtime gives them.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0: iovec, 16: count out, 128: count, 132: size, 1024: pointers, 8192: strings.
  (data (i32.const 120) "\n")

  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))

  ;; One buffer per call: a runtime may write only the first of several (a short write).
  (func $write (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))))

  (func $line (param $p i32)
    (call $write (local.get $p) (call $strlen (local.get $p)))
    (call $write (i32.const 120) (i32.const 1)))

  ;; Prints the strings of pointer table 1024 from index $from to $count.
  (func $lines (param $from i32) (param $count i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $from) (local.get $count)))
      (call $line (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $from) (i32.const 4)))))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (br $next))))

  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 128) (i32.const 132)))
    (drop (call $args_get (i32.const 1024) (i32.const 8192)))
    (call $lines (i32.const 1) (i32.load (i32.const 128)))
    (drop (call $environ_sizes_get (i32.const 128) (i32.const 132)))
    (drop (call $environ_get (i32.const 1024) (i32.const 8192)))
    (call $lines (i32.const 0) (i32.load (i32.const 128))))
)
