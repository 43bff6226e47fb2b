;; Probe "multi-value": Multi-value (functions and blocks with several results, blocks with
;; parameters).
;; Probed: a function returning two i32s, a block taking two parameters and returning two results
;;   (it swaps them), and an if with two results.
;; Expected stdout: "multi-value 7415\n"  (47 divmod 10 = (4, 7), swapped to (7, 4) -> 74;
;;   then the if returns (1, 5) -> 15; printed as 74 * 100 + 15).
;; Needs only MVP + multi-value; a validator without it must refuse the two-result function type
;; and the block types given by a type index.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "multi-value ")

  ;; (quotient, remainder)
  (func $divmod (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))

  (func (export "_start")
    (local $x i32) (local $y i32) (local $first i32)
    (call $divmod (i32.const 47) (i32.const 10))
    ;; a block with two params and two results: swaps the pair (4, 7) -> (7, 4)
    (block (param i32 i32) (result i32 i32)
      (local.set $y)
      (local.set $x)
      (local.get $y)
      (local.get $x))
    ;; stack: 7 4 -> 7 * 10 + 4
    (local.set $y)
    (local.set $x)
    (local.set $first (i32.add (i32.mul (local.get $x) (i32.const 10)) (local.get $y)))
    ;; an if with two results
    (if (result i32 i32) (local.get $first)
      (then (i32.const 1) (i32.const 5))
      (else (i32.const 9) (i32.const 9)))
    (local.set $y)
    (local.set $x)
    (call $print
      (i64.extend_i32_s
        (i32.add
          (i32.mul (local.get $first) (i32.const 100))
          (i32.add (i32.mul (local.get $x) (i32.const 10)) (local.get $y))))))

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
