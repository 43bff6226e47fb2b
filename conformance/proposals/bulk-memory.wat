;; Probe "bulk-memory": Bulk Memory Operations.
;; Probed: memory.fill, a passive data segment with memory.init, data.drop, memory.copy with
;;   overlapping ranges (it must behave like memmove), and the data count section they need.
;; Expected stdout: "bulk-memory 491\n"  (bytes 7,7,7,7,'b','u','l','k','!' = 28 + 463).
;; Needs only MVP + bulk-memory; a validator without it must refuse the passive segment, the
;; data count section and the 0xFC 8..11 opcodes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "bulk-memory ")
  (data $word "bulk!")

  (func (export "_start")
    (local $i i32) (local $sum i32)
    ;; 256..263 = 7,7,7,7,7,7,7,7
    (memory.fill (i32.const 256) (i32.const 7) (i32.const 8))
    ;; 260..264 = "bulk!" from the passive segment, which is then dropped
    (memory.init $word (i32.const 260) (i32.const 0) (i32.const 5))
    (data.drop $word)
    ;; after data.drop, a zero-length memory.init is still allowed
    (memory.init $word (i32.const 0) (i32.const 0) (i32.const 0))
    ;; overlapping copy forwards by 3: 259..267 = 7,'b','u','l','k','!'... moved as by memmove,
    ;; then back again: 256..264 must end up as 7,7,7,7,'b','u','l','k','!'
    (memory.copy (i32.const 259) (i32.const 256) (i32.const 9))
    (memory.copy (i32.const 256) (i32.const 259) (i32.const 9))
    ;; sum the nine bytes at 256
    (loop $each
      (local.set $sum
        (i32.add (local.get $sum) (i32.load8_u offset=256 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 9))))
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
