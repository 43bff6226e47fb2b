;; Probe "gc": Garbage Collection (struct and array heap types, casts on the any hierarchy).
;; Probed: struct.new, struct.get, struct.set, array.new, array.get, array.set, array.len,
;;   ref.test and ref.cast (down from anyref), ref.i31 and i31.get_s.
;; Expected stdout: "gc 1149\n"  (3 + 39 + 100 + 7 + 5 + (-5) + 1000 * 1 + 10000 * 0).
;; Also needs reference-types and function-references (GC builds on their typed references:
;; (ref null $t) locals and the 0x63/0x64 type encodings). A validator without gc must refuse the
;; struct/array type definitions and the 0xFB opcodes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "gc ")
  (type $point (struct (field $x i32) (field $y (mut i32))))
  (type $longs (array (mut i64)))

  (func (export "_start")
    (local $p (ref null $point)) (local $a (ref null $longs)) (local $any anyref)
    (local $sum i64)
    ;; a struct: x = 3, y = 4 then set to 39
    (local.set $p (struct.new $point (i32.const 3) (i32.const 4)))
    (struct.set $point $y (local.get $p) (i32.const 39))
    ;; an array of five 7s, element 2 set to 100
    (local.set $a (array.new $longs (i64.const 7) (i32.const 5)))
    (array.set $longs (local.get $a) (i32.const 2) (i64.const 100))
    ;; upcast the struct to anyref; ref.test says it is a $point and not a $longs
    (local.set $any (local.get $p))
    ;; 3 + 39 read back through ref.cast from anyref
    (local.set $sum
      (i64.extend_i32_s
        (i32.add
          (struct.get $point $x (ref.cast (ref $point) (local.get $any)))
          (struct.get $point $y (ref.cast (ref null $point) (local.get $any))))))
    ;; + 100 + 7 + 5 (array.len)
    (local.set $sum
      (i64.add (local.get $sum)
        (i64.add
          (i64.add (array.get $longs (local.get $a) (i32.const 2))
                   (array.get $longs (local.get $a) (i32.const 4)))
          (i64.extend_i32_u (array.len (local.get $a))))))
    ;; + (-5) through an unboxed i31 reference
    (local.set $sum
      (i64.add (local.get $sum) (i64.extend_i32_s (i31.get_s (ref.i31 (i32.const -5))))))
    ;; + 1000 * (ref.test $point) + 10000 * (ref.test $longs)
    (local.set $sum
      (i64.add (local.get $sum)
        (i64.extend_i32_u
          (i32.add
            (i32.mul (i32.const 1000) (ref.test (ref $point) (local.get $any)))
            (i32.mul (i32.const 10000) (ref.test (ref $longs) (local.get $any)))))))
    (call $print (local.get $sum)))

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
