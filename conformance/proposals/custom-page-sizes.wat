;; Probe "custom-page-sizes": Custom Page Sizes (a memory whose page size is 1 byte).
;; Memory 0 itself has 1-byte pages: 65536 of them, the same 64 KiB a WASI program usually has,
;; so no second memory (and no multi-memory) is needed; wasmtime's WASI works with it.
;; Probed: the (pagesize 1) memory type; memory.size counts 1-byte pages (65536); memory.grow by 1
;;   adds one byte (returns 65536; with 64 KiB pages 65537 pages could not exist in a 32-bit
;;   memory, so it would fail); the new byte at address 65536 is usable.
;; Expected stdout: "custom-page-sizes 65537\n"  (memory.size after growing by one page).
;; Needs only MVP + custom-page-sizes; a validator without it must refuse the memory type's
;; page-size flag (limits flag 0x08).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 65536 (pagesize 1))
  (data (i32.const 32) "custom-page-sizes ")

  (func (export "_start")
    (local $before i32) (local $old i32)
    (local.set $before (memory.size))
    (local.set $old (memory.grow (i32.const 1)))
    ;; the one new byte
    (i32.store8 (i32.const 65536) (i32.const 7))
    ;; size after growing, corrected by anything unexpected (0 when all is right)
    (call $print
      (i64.extend_i32_s
        (i32.add
          (memory.size)
          (i32.add
            (i32.add
              (i32.sub (local.get $before) (i32.const 65536))
              (i32.sub (local.get $old) (i32.const 65536)))
            (i32.sub (i32.load8_u (i32.const 65536)) (i32.const 7)))))))

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
