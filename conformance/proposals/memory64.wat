;; Probe "memory64": Memory64 (a memory indexed by i64 addresses).
;; Memory 0 itself is the 64-bit memory, so no second memory (and no multi-memory) is needed.
;; WASI preview 1 is written for 32-bit memories: wasmtime's WASI accepts a 64-bit memory 0 (its
;; pointers here stay below 4 GiB and fd_write still takes i32 arguments), but another host may
;; refuse to link WASI to it: such a refusal is a WASI-host limit, not a memory64 failure.
;; Probed: i64 addresses for loads, stores and the data segment offset; memory.grow and
;;   memory.size taking and returning i64.
;; Expected stdout: "memory64 2142\n"  (40 + 2 + 100 * (grow returned 1) + 1000 * (size 2)).
;; Needs only MVP + memory64; a validator without memory64 must refuse the i64 memory type
;; (limits flag 0x04) and every i64 address operand.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") i64 1)
  (data (i64.const 32) "memory64 ")

  (func (export "_start")
    (local $old i64)
    (i64.store (i64.const 256) (i64.const 40))
    ;; grow by one 64 KiB page: returns the old size 1, as an i64
    (local.set $old (memory.grow (i64.const 1)))
    ;; an i64 address in the new page
    (i64.store (i64.const 65544) (i64.const 2))
    (call $print
      (i64.add
        (i64.add (i64.load (i64.const 256)) (i64.load (i64.const 65544)))
        (i64.add
          (i64.mul (i64.const 100) (local.get $old))
          (i64.mul (i64.const 1000) (memory.size))))))

  ;; ---- shared print routine, with i64 addresses for the 64-bit memory 0 ----
  ;; Same logic as in the other probes: writes the name at address 32 (up to its first zero byte),
  ;; $n in signed decimal and "\n" as one line ending at address 127; the iovec is at 0, nwritten
  ;; at 8; fd_write keeps its 32-bit WASI preview 1 arguments. Loops over partial writes.
  (func $print (param $n i64)
    (local $len i64) (local $p i64) (local $neg i32)
    (local.set $p (i64.const 127))
    (i32.store8 (local.get $p) (i32.const 10))
    (local.set $neg (i64.lt_s (local.get $n) (i64.const 0)))
    (if (local.get $neg) (then (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (loop $digit
      (local.set $p (i64.sub (local.get $p) (i64.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (if (local.get $neg)
      (then
        (local.set $p (i64.sub (local.get $p) (i64.const 1)))
        (i32.store8 (local.get $p) (i32.const 45))))
    (block $named
      (loop $scan
        (br_if $named (i32.eqz (i32.load8_u offset=32 (local.get $len))))
        (local.set $len (i64.add (local.get $len) (i64.const 1)))
        (br $scan)))
    (loop $copy
      (local.set $len (i64.sub (local.get $len) (i64.const 1)))
      (local.set $p (i64.sub (local.get $p) (i64.const 1)))
      (i32.store8 (local.get $p) (i32.load8_u offset=32 (local.get $len)))
      (br_if $copy (i64.ne (local.get $len) (i64.const 0))))
    (i32.store (i64.const 0) (i32.wrap_i64 (local.get $p)))
    (i32.store (i64.const 4) (i32.wrap_i64 (i64.sub (i64.const 128) (local.get $p))))
    (block $done
      (loop $write
        (br_if $done (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i64.const 8))))
        (i32.store (i64.const 0) (i32.add (i32.load (i64.const 0)) (i32.load (i64.const 8))))
        (i32.store (i64.const 4) (i32.sub (i32.load (i64.const 4)) (i32.load (i64.const 8))))
        (br_if $write (i32.load (i64.const 4)))))))
