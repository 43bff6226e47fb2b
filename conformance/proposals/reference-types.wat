;; Probe "reference-types": Reference Types (funcref/externref values, table instructions,
;; multiple tables).
;; Probed: three tables (two funcref, one externref), ref.func, ref.null, ref.is_null, table.get,
;;   table.set, table.grow, table.size, and call_indirect through a table other than table 0.
;;   $thirty_two is declared for ref.func by the MVP active element segment of table 0 (a
;;   declarative segment would also need bulk-memory in some validators, e.g. wasmparser).
;; Expected stdout: "reference-types 42411\n"
;;   (1000 * (10 + 32 via table 1) + 100 * (externref table size 4)
;;    + 10 * (second table.grow returned 1) + (slot 2 is null: 1) + (slot 1 of table 1 is not: 0)).
;; Needs only MVP + reference-types; a validator without it must refuse the second and third
;; tables, the externref type and the 0x25/0x26/0xD0..0xD2/0xFC 15..16 opcodes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "reference-types ")
  (type $ret (func (result i32)))
  (table $t0 2 funcref)
  (table $t1 2 funcref)
  (table $ext 0 externref)
  (func $ten (type $ret) (i32.const 10))
  (func $thirty_two (type $ret) (i32.const 32))
  (elem (i32.const 0) $ten $thirty_two)

  (func (export "_start")
    (local $sum i32)
    ;; fill table 1 from table 0 (table.get) and from ref.func (table.set)
    (table.set $t1 (i32.const 0) (table.get $t0 (i32.const 0)))
    (table.set $t1 (i32.const 1) (ref.func $thirty_two))
    ;; call both through table 1: 10 + 32
    (local.set $sum
      (i32.mul (i32.const 1000)
        (i32.add
          (call_indirect $t1 (type $ret) (i32.const 0))
          (call_indirect $t1 (type $ret) (i32.const 1)))))
    ;; grow the externref table by 1 (returns 0), then by 3 (returns 1): size 4
    (drop (table.grow $ext (ref.null extern) (i32.const 1)))
    (local.set $sum
      (i32.add (local.get $sum)
        (i32.mul (i32.const 10) (table.grow $ext (ref.null extern) (i32.const 3)))))
    (local.set $sum
      (i32.add (local.get $sum) (i32.mul (i32.const 100) (table.size $ext))))
    (local.set $sum
      (i32.add (local.get $sum)
        (i32.add
          (ref.is_null (table.get $ext (i32.const 2)))
          (ref.is_null (table.get $t1 (i32.const 1))))))
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
