;; Probe "legacy-exceptions": Legacy Exception Handling (the first, phase-inactive encoding that
;; toolchains shipped for years: try / catch / catch_all / rethrow / delegate).
;; Probed: try ... catch $e (payload on the stack), catch_all + rethrow caught by an outer try,
;; delegate forwarding an exception to an outer try's handlers.
;; Expected stdout: "legacy-exceptions 42\n"  (30 caught + 10 rethrown + 2 delegated).
;; A validator without legacy exceptions must refuse try (0x06), catch (0x07), rethrow (0x09),
;; delegate (0x18) and catch_all (0x19), even if it supports the exnref encoding.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "legacy-exceptions ")
  (tag $e (param i32))

  (func $thrower (param i32) (throw $e (local.get 0)))

  ;; The instructions are written in the flat (unfolded) text form, which wabt and wasm-tools
  ;; both parse; wasm-tools does not accept the folded (try (do ...) (catch ...)) form.

  ;; try/catch: the payload 30 is the value of the try
  (func $caught (result i32)
    try (result i32)
      (call $thrower (i32.const 30))
      (i32.const -1000)
    catch $e
    end)

  ;; catch_all + rethrow 0 rethrows the inner exception; the outer catch gets payload 10
  (func $rethrown (result i32)
    try (result i32)
      try (result i32)
        (call $thrower (i32.const 10))
        (i32.const -1000)
      catch_all
        rethrow 0
      end
    catch $e
    end)

  ;; delegate 0 hands the inner exception to the outer try's handlers: payload 2
  (func $delegated (result i32)
    try (result i32)
      try (result i32)
        (call $thrower (i32.const 2))
        (i32.const -1000)
      delegate 0
    catch $e
    end)

  (func (export "_start")
    (call $print
      (i64.extend_i32_s
        (i32.add (call $caught) (i32.add (call $rethrown) (call $delegated))))))

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
