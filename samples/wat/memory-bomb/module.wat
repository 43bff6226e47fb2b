;; Grows linear memory 16 MiB at a time and touches every new page, until memory.grow is refused.
;; The memory declares no maximum, so only the runtime's memory cap can refuse it. Then it prints
;; one line and exits 0: a capped runtime passes, an uncapped one exhausts the host.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "memory.grow refused\n")
  (func (export "_start")
    (local $old i32)
    (local $addr i32)
    (block $refused
      (loop $grow
        (local.set $old (memory.grow (i32.const 256)))
        (br_if $refused (i32.eq (local.get $old) (i32.const -1)))
        ;; Touch one byte in each new 64 KiB page so the memory is really committed.
        (local.set $addr (i32.mul (local.get $old) (i32.const 65536)))
        (loop $touch
          (i32.store8 (local.get $addr) (i32.const 1))
          (local.set $addr (i32.add (local.get $addr) (i32.const 65536)))
          (br_if $touch (i32.lt_u (local.get $addr)
            (i32.mul (i32.add (local.get $old) (i32.const 256)) (i32.const 65536)))))
        (br $grow)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 20))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 0))))
