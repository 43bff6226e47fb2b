;; Probe "function-references": Typed Function References.
;; Probed: a typed (ref null $binop) local, call_ref, ref.as_non_null, br_on_null (both ways:
;; a non-null reference falls through as (ref $binop), a null one branches).
;; Expected stdout: "function-references 160\n"  (40 + 2 = 42; 100 + 11 = 111; null gives 7).
;; Also needs reference-types (ref.func, ref.null). $add is declared for ref.func by an MVP active
;; element segment, not a declarative one, which some validators (wasmparser) file under
;; bulk-memory.
;; A validator without function-references must refuse call_ref (0x14), ref.as_non_null (0xD4),
;; br_on_null (0xD5) and the typed reference types (ref $t) / (ref null $t).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "function-references ")
  (type $binop (func (param i32 i32) (result i32)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (table 1 funcref)
  (elem (i32.const 0) $add)

  ;; calls $f with (100, 11) when it is not null; returns $dflt when it is
  (func $apply_or (param $f (ref null $binop)) (param $dflt i32) (result i32)
    (block $is_null
      (return
        (call_ref $binop (i32.const 100) (i32.const 11) (br_on_null $is_null (local.get $f)))))
    (local.get $dflt))

  (func (export "_start")
    (local $f (ref null $binop)) (local $sum i32)
    (local.set $f (ref.func $add))
    ;; 40 + 2 through a non-null reference
    (local.set $sum
      (call_ref $binop (i32.const 40) (i32.const 2) (ref.as_non_null (local.get $f))))
    ;; + 111 (not null: br_on_null falls through) + 7 (null: br_on_null branches)
    (local.set $sum (i32.add (local.get $sum) (call $apply_or (local.get $f) (i32.const -1))))
    (local.set $sum (i32.add (local.get $sum) (call $apply_or (ref.null $binop) (i32.const 7))))
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
