;; Probe "branch-hinting": Branch Hinting (a "metadata.code.branch_hint" custom section).
;; The hints are written with the text annotation (@metadata.code.branch_hint "\01") ("likely
;; taken") or "\00" ("likely not taken") just before a br_if or an if; the assembler turns them
;; into the custom section. Hints never change what a program computes, and an engine that does
;; not know the section ignores it like any custom section: this probe cannot be refused. It
;; shows that the section is accepted and the hinted code still runs correctly; whether an engine
;; uses the hints can only be seen in generated code or timings, not in the output.
;; Expected stdout: "branch-hinting 5050\n"  (1 + 2 + ... + 100).
;; Needs only MVP (custom sections and annotations have no feature switch).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "branch-hinting ")

  (func $sum_to (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      ;; the loop's back edge: likely taken
      (@metadata.code.branch_hint "\01")
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  (func (export "_start")
    (local $s i32)
    (local.set $s (call $sum_to (i32.const 100)))
    ;; the error path: likely not taken
    (@metadata.code.branch_hint "\00")
    (if (i32.ne (local.get $s) (i32.const 5050))
      (then (local.set $s (i32.const -1))))
    (call $print (i64.extend_i32_s (local.get $s))))

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
