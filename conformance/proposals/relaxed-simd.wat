;; Probe "relaxed-simd": Relaxed SIMD (instructions whose result may depend on the hardware).
;; Probed, with inputs for which every allowed result is the same (so the answer is deterministic):
;;   f32x4.relaxed_madd   small integers: fused and unfused a*b+c are both exact
;;   i32x4.relaxed_trunc_f32x4_s   in-range inputs: no NaN, no overflow, so no choice
;;   i32x4.relaxed_laneselect      mask lanes all-ones or all-zeros: bitwise and lane-wise agree
;; Expected stdout: "relaxed-simd 626\n"  (lanes 10, 200, 16, 400).
;; Also needs simd (relaxed SIMD extends it: v128 type, v128.const, extract_lane).
;; A validator without relaxed-simd must refuse the 0xFD 0x100.. opcodes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "relaxed-simd ")

  (func (export "_start")
    (local $v v128)
    ;; (2,3,4,5) * 3 + 4 = (10,13,16,19)
    (local.set $v
      (f32x4.relaxed_madd
        (v128.const f32x4 2 3 4 5) (v128.const f32x4 3 3 3 3) (v128.const f32x4 4 4 4 4)))
    ;; to integers: (10,13,16,19)
    (local.set $v (i32x4.relaxed_trunc_f32x4_s (local.get $v)))
    ;; take lanes 0 and 2 from $v, lanes 1 and 3 from (100,200,300,400): (10,200,16,400)
    (local.set $v
      (i32x4.relaxed_laneselect
        (local.get $v) (v128.const i32x4 100 200 300 400) (v128.const i32x4 -1 0 -1 0)))
    (call $print
      (i64.extend_i32_s
        (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
          (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))))

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
