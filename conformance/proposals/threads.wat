;; Probe "threads": Threads (the atomic memory instructions; no thread is started).
;; The threads proposal allows atomics on an unshared memory, so memory 0 stays plain and unshared.
;; Probed: i32.atomic.rmw.add (returns the old value), i32.atomic.load, i32.atomic.store,
;;   i32.atomic.rmw.cmpxchg, and memory.atomic.notify (on an unshared memory it wakes 0 waiters).
;; Expected stdout: "threads 182\n"  (40 old + 42 loaded + 42 cmpxchg old + 58 final + 0 woken).
;; Needs only MVP + threads; a validator without threads must refuse every 0xFE opcode.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "threads ")

  (func (export "_start")
    (local $sum i32)
    (i32.atomic.store (i32.const 256) (i32.const 40))
    ;; rmw.add returns the previous value 40 and leaves 42
    (local.set $sum (i32.atomic.rmw.add (i32.const 256) (i32.const 2)))
    (local.set $sum (i32.add (local.get $sum) (i32.atomic.load (i32.const 256))))
    ;; cmpxchg: expected 42 matches, so 58 is stored and the old 42 returned
    (local.set $sum
      (i32.add (local.get $sum)
        (i32.atomic.rmw.cmpxchg (i32.const 256) (i32.const 42) (i32.const 58))))
    (local.set $sum (i32.add (local.get $sum) (i32.atomic.load (i32.const 256))))
    ;; nobody waits on an unshared memory: notify returns 0
    (local.set $sum
      (i32.add (local.get $sum) (memory.atomic.notify (i32.const 256) (i32.const 1))))
    (call $print (i64.extend_i32_s (local.get $sum))))

  ;; ---- shared print routine (MVP only; the same in every probe) ----
  ;; Writes the name at address 32 (up to its first zero byte), $n in signed decimal and "\n" as one
  ;; line, built backwards to end at address 127; the iovec is at 0, nwritten at 8. fd_write may
  ;; write only part of it, so it loops until the line is out (or fd_write fails or writes nothing).
  (func $print (param $n i64)
    (local $len i32) (local $p i32) (local $neg i32)
    (local.set $p (i32.const 127))
    (i32.store8 (local.get $p) (i32.const 10))
    (local.set $neg (i64.lt_s (local.get $n) (i64.const 0)))
    (if (local.get $neg) (then (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (if (local.get $neg)
      (then
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.const 45))))
    (block $named
      (loop $scan
        (br_if $named (i32.eqz (i32.load8_u offset=32 (local.get $len))))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $scan)))
    (loop $copy
      (local.set $len (i32.sub (local.get $len) (i32.const 1)))
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.load8_u offset=32 (local.get $len)))
      (br_if $copy (local.get $len)))
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (i32.sub (i32.const 128) (local.get $p)))
    (block $done
      (loop $write
        (br_if $done (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $done (i32.eqz (i32.load (i32.const 8))))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 8))))
        (i32.store (i32.const 4) (i32.sub (i32.load (i32.const 4)) (i32.load (i32.const 8))))
        (br_if $write (i32.load (i32.const 4))))))
)
