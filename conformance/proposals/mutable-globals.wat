;; Probe "mutable-globals": Import/Export of Mutable Globals (here: export only).
;; A WASI host cannot satisfy an import of a mutable global, so the probe only exports one.
;; Probed: an exported (mut i32) global, written and read from inside the module.
;; Expected stdout: "mutable-globals 42\n"  (40 + 2).
;; The MVP forbids exporting a mutable global, so a strict MVP validator (e.g. wasm-tools with
;; -mutable-global) refuses this module; but every engine in use accepts it and none offers a switch
;; to turn the feature off, so in practice it cannot be refused.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "mutable-globals ")
  (global $g (export "g") (mut i32) (i32.const 40))

  (func (export "_start")
    (global.set $g (i32.add (global.get $g) (i32.const 2)))
    (call $print (i64.extend_i32_s (global.get $g))))

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
