;; Probe "multi-memory": Multiple Memories (more than one memory in a module).
;; Memory 0 is the WASI memory; memory 1 ($m1, two pages) holds the probe's data.
;; Probed: an active data segment into memory 1, loads and stores with memory index 1,
;;   memory.size and memory.grow on memory 1, and that memory 0 is a separate memory.
;;   (memory.copy between memories would also need bulk-memory, so it is not used.)
;; Expected stdout: "multi-memory 3300\n"
;;   (42 from memory 1's data + 58 stored in its second page + 100 * (grow returned 2)
;;    + 1000 * (size now 3) + 10000 * (memory 0 at the same address still holds 0)).
;; Needs only MVP + multi-memory; a validator without it must refuse the second memory and any
;; memory index other than 0.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (memory $m1 2)
  (data (i32.const 32) "multi-memory ")
  (data (memory $m1) (i32.const 300) "\2a\00\00\00")

  (func (export "_start")
    (local $grown i32)
    ;; the second page of memory 1
    (i32.store $m1 (i32.const 65540) (i32.const 58))
    (local.set $grown (memory.grow $m1 (i32.const 1)))
    (call $print
      (i64.extend_i32_s
        (i32.add
          (i32.add
            (i32.load $m1 (i32.const 300))
            (i32.load $m1 (i32.const 65540)))
          (i32.add
            (i32.add
              (i32.mul (i32.const 100) (local.get $grown))
              (i32.mul (i32.const 1000) (memory.size $m1)))
            (i32.mul (i32.const 10000) (i32.load (i32.const 300))))))))

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
