;; Probe "exception-handling": Exception Handling with exnref (the final, Wasm 3.0 encoding).
;; Probed: a tag, throw, try_table with catch (payload delivered to a block), catch_all_ref
;; (the exception as an exnref), throw_ref (rethrowing that exnref), exceptions crossing calls.
;; Expected stdout: "exception-handling 42\n"  (40 caught directly + 2 caught after throw_ref).
;; A validator without exceptions must refuse the tag section, throw (0x08), try_table (0x1F),
;; throw_ref (0x0A) and the exnref type. (The legacy try/catch encoding is a separate probe.)
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "exception-handling ")
  (tag $e (param i32))

  (func $thrower (param i32) (throw $e (local.get 0)))

  ;; catch $e: the payload 40 arrives at $h
  (func $caught (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $thrower (i32.const 40)))
      (i32.const -1000)))

  ;; catch_all_ref hands over an exnref; throw_ref rethrows it; the outer catch gets payload 2
  (func $rethrown (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h)
            (call $thrower (i32.const 2)))
          (unreachable))
        (throw_ref))
      (i32.const -1000)))

  (func (export "_start")
    (call $print (i64.extend_i32_s (i32.add (call $caught) (call $rethrown)))))

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
