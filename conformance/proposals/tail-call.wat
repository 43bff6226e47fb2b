;; Probe "tail-call": Tail Call (return_call and return_call_indirect).
;; $sum recurses 1,000,000 deep, alternating return_call and return_call_indirect; without real
;; tail calls (each call taking a stack frame) this overflows any normal engine stack.
;; Expected stdout: "tail-call 500000500000\n"  (1 + 2 + ... + 1,000,000).
;; Needs only MVP + tail-call (the funcref table with an active element segment is MVP);
;; a validator without tail-call must refuse the return_call opcodes 0x12 and 0x13.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "tail-call ")
  (type $step (func (param i64 i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $sum)

  ;; sum(n, acc) = n == 0 ? acc : sum(n - 1, acc + n), every recursive call a tail call
  (func $sum (type $step) (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else
        (if (result i64) (i32.wrap_i64 (i64.and (local.get $n) (i64.const 1)))
          (then
            (return_call $sum
              (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $acc) (local.get $n))))
          (else
            (return_call_indirect (type $step)
              (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $acc) (local.get $n))
              (i32.const 0)))))))

  (func (export "_start")
    (call $print (call $sum (i64.const 1000000) (i64.const 0))))

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
