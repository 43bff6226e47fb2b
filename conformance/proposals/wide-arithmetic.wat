;; Probe "wide-arithmetic": Wide Arithmetic (128-bit add/sub on i64 pairs, 64x64->128 multiply).
;; Each instruction leaves two i64s, low half then high half on top.
;; Probed: i64.mul_wide_u (3 * 2^32) * (5 * 2^32) = 15 * 2^64 -> (lo 0, hi 15);
;;   i64.mul_wide_s (-2) * 3 = -6 -> (lo -6, hi -1);
;;   i64.add128 (2^64 + 2^64-1) + (2 * 2^64 + 1) -> carry: (lo 0, hi 4);
;;   i64.sub128 (4 * 2^64 + 0) - 1 -> borrow: (lo -1, hi 3).
;; Expected stdout: "wide-arithmetic 15431\n"
;;   (1000 * 15 + 100 * 4 + 10 * 3 + 1 * -(-1), plus every low half's error, 0 when right).
;; Needs only MVP + wide-arithmetic (no block or function returns two values, so no multi-value);
;; a validator without it must refuse the 0xFC 19..22 opcodes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "wide-arithmetic ")

  (func (export "_start")
    (local $lo i64) (local $hi i64) (local $r i64)
    (i64.mul_wide_u (i64.const 0x300000000) (i64.const 0x500000000))
    (local.set $hi) (local.set $lo)
    (local.set $r (i64.add (i64.mul (local.get $hi) (i64.const 1000)) (local.get $lo)))
    (i64.mul_wide_s (i64.const -2) (i64.const 3))
    (local.set $hi) (local.set $lo)
    (local.set $r
      (i64.add (local.get $r)
        (i64.sub (i64.add (local.get $lo) (i64.const 6)) (local.get $hi))))
    (i64.add128 (i64.const -1) (i64.const 1) (i64.const 1) (i64.const 2))
    (local.set $hi) (local.set $lo)
    (local.set $r
      (i64.add (local.get $r) (i64.add (i64.mul (local.get $hi) (i64.const 100)) (local.get $lo))))
    (i64.sub128 (i64.const 0) (i64.const 4) (i64.const 1) (i64.const 0))
    (local.set $hi) (local.set $lo)
    (local.set $r
      (i64.add (local.get $r)
        (i64.add (i64.mul (local.get $hi) (i64.const 10)) (i64.add (local.get $lo) (i64.const 1)))))
    (call $print (local.get $r)))

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
