;; write PREOPEN PATH...: finds the preopened directory named PREOPEN (as fd_prestat_dir_name gives
;; it), creates (or truncates) each PATH relative to it, writes a line to it, then reads it back and
;; prints it. Exits 1 when no preopen has that name and 2 when a path cannot be opened.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  ;; 0: iovec, 16: count out, 64: prestat, 128: argc, 132: argv size, 1024: argv pointers,
  ;; 2048: argv strings, 12288: a preopen's name, 16384: read buffer (32 KiB).
  (data (i32.const 60000) "no preopen named ")
  (data (i32.const 60032) "cannot open ")
  (data (i32.const 60048) "\n")
  (data (i32.const 60064) "written by the guest\n")

  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16))))

  (func $streq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32) (local $i i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $alen)))
      (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const 1))

  ;; The fd of the preopened directory named like the string at $name, or -1.
  (func $find_preopen (param $name i32) (param $len i32) (result i32) (local $fd i32) (local $n i32)
    (local.set $fd (i32.const 3))
    (block $none (loop $next
      (br_if $none (i32.ne (call $fd_prestat_get (local.get $fd) (i32.const 64)) (i32.const 0)))
      (local.set $n (i32.load (i32.const 68)))
      (if (i32.le_u (local.get $n) (i32.const 1024))
        (then
          (drop (call $fd_prestat_dir_name (local.get $fd) (i32.const 12288) (local.get $n)))
          ;; Some runtimes count a trailing NUL in the name.
          (if (i32.and (i32.gt_u (local.get $n) (i32.const 0))
                       (i32.eqz (i32.load8_u (i32.add (i32.const 12287) (local.get $n)))))
            (then (local.set $n (i32.sub (local.get $n) (i32.const 1)))))
          (if (call $streq (i32.const 12288) (local.get $n) (local.get $name) (local.get $len))
            (then (return (local.get $fd))))))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br $next)))
    (i32.const -1))

  (func (export "_start") (local $argc i32) (local $i i32) (local $dir i32) (local $path i32)
                          (local $len i32) (local $fd i32) (local $got i32)
    (drop (call $args_sizes_get (i32.const 128) (i32.const 132)))
    (local.set $argc (i32.load (i32.const 128)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (if (i32.lt_u (local.get $argc) (i32.const 2)) (then (call $proc_exit (i32.const 1))))
    (local.set $path (i32.load (i32.const 1028)))
    (local.set $dir (call $find_preopen (local.get $path) (call $strlen (local.get $path))))
    (if (i32.lt_s (local.get $dir) (i32.const 0))
      (then
        (call $write (i32.const 1) (i32.const 60000) (i32.const 17))
        (call $write (i32.const 1) (local.get $path) (call $strlen (local.get $path)))
        (call $write (i32.const 1) (i32.const 60048) (i32.const 1))
        (call $proc_exit (i32.const 1))))
    (local.set $i (i32.const 2))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
      (local.set $path (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
      (local.set $len (call $strlen (local.get $path)))
      ;; Write rights (fd_write = bit 6), created and truncated (O_CREAT | O_TRUNC).
      (if (i32.ne (call $path_open (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
                    (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 24))
                  (i32.const 0))
        (then
          (call $write (i32.const 1) (i32.const 60032) (i32.const 12))
          (call $write (i32.const 1) (local.get $path) (local.get $len))
          (call $write (i32.const 1) (i32.const 60048) (i32.const 1))
          (call $proc_exit (i32.const 2))))
      (call $write (i32.load (i32.const 24)) (i32.const 60064) (i32.const 21))
      (drop (call $fd_close (i32.load (i32.const 24))))
      ;; Read rights (fd_read = bit 1, fd_seek = bit 2), no creation.
      (if (i32.ne (call $path_open (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
                    (i32.const 0) (i64.const 6) (i64.const 0) (i32.const 0) (i32.const 24))
                  (i32.const 0))
        (then (call $proc_exit (i32.const 2))))
      (local.set $fd (i32.load (i32.const 24)))
      (block $eof (loop $more
        (i32.store (i32.const 0) (i32.const 16384))
        (i32.store (i32.const 4) (i32.const 32768))
        (br_if $eof (i32.ne (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0)))
        (local.set $got (i32.load (i32.const 16)))
        (br_if $eof (i32.eqz (local.get $got)))
        (call $write (i32.const 1) (i32.const 16384) (local.get $got))
        (br $more)))
      (drop (call $fd_close (local.get $fd)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
)
