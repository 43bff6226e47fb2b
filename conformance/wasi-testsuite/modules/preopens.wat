;; preopens: prints the name of every preopened directory, one per line, in descriptor order, as
;; fd_prestat_dir_name gives it (a trailing NUL dropped).
(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec, 16: count out, 64: prestat, 120: newline, 1024: a name.
  (data (i32.const 120) "\n")

  (func $write (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))))

  (func (export "_start") (local $fd i32) (local $n i32)
    (local.set $fd (i32.const 3))
    (block $none (loop $next
      (br_if $none (i32.ne (call $fd_prestat_get (local.get $fd) (i32.const 64)) (i32.const 0)))
      (local.set $n (i32.load (i32.const 68)))
      (if (i32.le_u (local.get $n) (i32.const 4096))
        (then
          (drop (call $fd_prestat_dir_name (local.get $fd) (i32.const 1024) (local.get $n)))
          (if (i32.and (i32.gt_u (local.get $n) (i32.const 0))
                       (i32.eqz (i32.load8_u (i32.add (i32.const 1023) (local.get $n)))))
            (then (local.set $n (i32.sub (local.get $n) (i32.const 1)))))
          (call $write (i32.const 1024) (local.get $n))
          (call $write (i32.const 120) (i32.const 1))))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br $next))))
)
