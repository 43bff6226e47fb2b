;; ruby-cli-glue.wat: turns @ruby/3.4-wasm-wasi's ruby+stdlib.wasm (a reactor) into a WASI preview 1 command.
;;
;; ruby+stdlib.wasm has no `_start`: it exports `_initialize` (wasi-vfs, which mounts the embedded
;; standard library) and the wit-bindgen entry points a JS host calls. This module supplies the `_start`
;; that a `ruby /guest/script.rb args...` command needs, and wasm-merge links it with the reactor (as
;; `ruby`) and the two stubs into one module that imports only wasi_snapshot_preview1:
;;   1. call `_initialize` (no runtime calls it, since the merged module is a command);
;;   2. read the WASI arguments (already NUL-terminated, as C's argv) into a list<string> and call
;;      ruby-init, which runs ruby_init + ruby_sysinit + ruby_options(argc, argv): it sets $0 and ARGV,
;;      handles options such as -W or -r, loads RubyGems and compiles, but does not run, the script;
;;   3. evaluate the embedded snippet below with rb-eval-string-protect. It `load`s $0, runs the
;;      emulated at_exit handlers, prints an uncaught exception like ruby does and flushes; a non-zero
;;      status ends the process with exit!(status), i.e. proc_exit, and status 0 returns from `_start`
;;      as a C program's does (wasi-libc calls proc_exit only for a non-zero status).
;;      If the snippet itself fails, `_start` traps.
;; Limits: no `-e` and no script on stdin (ruby_options compiles them, but the result is not reachable
;; through these exports); the script path is a guest path; exit statuses are those WASI allows;
;; --version, -h and other runs without a script print their text and exit 1.
;; Linked by binaryen's `wasm-merge ruby+stdlib.wasm ruby <this> glue <stubs>`, then `wasm-metadce`
;; with `_start` and `memory` as the only roots, which drops the reactor's other exports (node:wasi
;; refuses a command that still exports `_initialize`).
;; All memory comes from the reactor's allocator (cabi_realloc): this module owns no memory and only a
;; passive data segment. It imports no proc_exit either (a failure traps), since the reactor's own
;; import of it would stay a second, duplicate import after the merge.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "ruby" "memory" (memory 0))
  (import "ruby" "_initialize" (func $initialize))
  (import "ruby" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
  (import "ruby" "ruby-init: func(args: list<string>) -> ()" (func $ruby_init (param i32 i32)))
  (import "ruby" "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>" (func $eval (param i32 i32) (result i32)))

  ;; The Ruby snippet, one source line per string. Its length in bytes is the global $snippet_len
  ;; below: keep the two in step when editing it (a shorter length cuts the snippet, a longer one traps).
  (global $snippet_len i32 (i32.const 1946))
  (data $snippet
    "# Evaluated by the glue's _start after ruby-init (ruby_options) has set $0, ARGV and $LOAD_PATH.\0a"
    "status = 0\0a"
    "$__ruby_wasm_at_exit = []\0a"
    "module Kernel\0a"
    "  # ruby_cleanup() never runs in this embedding, so at_exit is emulated.\0a"
    "  private def at_exit(&block) = ($__ruby_wasm_at_exit << block; block)\0a"
    "  module_function :at_exit\0a"
    "end\0a"
    "# Prints an uncaught exception as ruby does, without this snippet's frames (Kernel#load from \22eval\22).\0a"
    "report = lambda do |error|\0a"
    "  trace = error.backtrace || []\0a"
    "  cut = trace.rindex { |frame| frame.match?(/\5cAeval:\5cd+:in 'Kernel#load'\5cz/) }\0a"
    "  trace = trace[0...cut] if cut\0a"
    "  error.set_backtrace(trace.empty? ? [$0.to_s] : trace)\0a"
    "  message = begin\0a"
    "    error.full_message(highlight: false)\0a"
    "  rescue Exception # detailed_message hooks (syntax_suggest) may need threads, which WASI lacks\0a"
    "    \22#{error.backtrace.first}: #{error.message} (#{error.class})\5cn\22 + error.backtrace.drop(1).map { |f| \22\5ctfrom #{f}\5cn\22 }.join\0a"
    "  end\0a"
    "  $stderr.print message\0a"
    "rescue Exception\0a"
    "  nil\0a"
    "end\0a"
    "if $0.nil? || $0.empty? || $0 == \22-e\22 || $0 == \22-\22\0a"
    "  $stderr.puts \22usage: ruby.wasm [options] /guest/path/script.rb [args...] (no -e, no script on stdin)\22\0a"
    "  status = 1\0a"
    "elsif !File.file?($0)\0a"
    "  # ruby_options found no script: it has printed why (or --version and the like printed their text).\0a"
    "  status = 1\0a"
    "else\0a"
    "  error = nil\0a"
    "  begin\0a"
    "    load $0\0a"
    "  rescue SystemExit => e\0a"
    "    status = e.status\0a"
    "  rescue Exception => e\0a"
    "    error = e\0a"
    "    status = 1\0a"
    "  end\0a"
    "  # As ruby_cleanup does: the at_exit handlers run first, then the uncaught exception is printed.\0a"
    "  while (block = $__ruby_wasm_at_exit.pop)\0a"
    "    begin\0a"
    "      block.call\0a"
    "    rescue SystemExit => e\0a"
    "      status = e.status\0a"
    "    rescue Exception => e\0a"
    "      report.(e)\0a"
    "    end\0a"
    "  end\0a"
    "  report.(error) if error\0a"
    "end\0a"
    "[$stdout, $stderr, STDOUT, STDERR].each { |io| io.flush rescue nil }\0a"
    "# Status 0 returns from _start, as a C program does (wasi-libc calls proc_exit only for non-zero).\0a"
    "exit!(status) unless status == 0\0a")

  (func $strlen (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (local.get $p))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $q))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $q) (local.get $p)))

  (func (export "_start")
    (local $sizes i32) (local $argc i32) (local $bufsz i32) (local $argv i32) (local $buf i32)
    (local $list i32) (local $i i32) (local $p i32) (local $s i32)
    (call $initialize)
    ;; argc and the size of the argument strings, then argv[] and the strings themselves.
    (local.set $sizes (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 8)))
    (if (call $args_sizes_get (local.get $sizes) (i32.add (local.get $sizes) (i32.const 4)))
      (then unreachable))
    (local.set $argc (i32.load (local.get $sizes)))
    (local.set $bufsz (i32.load offset=4 (local.get $sizes)))
    (local.set $argv (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
      (i32.add (i32.mul (local.get $argc) (i32.const 4)) (i32.const 4))))
    (local.set $buf (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $bufsz) (i32.const 1))))
    (if (call $args_get (local.get $argv) (local.get $buf))
      (then unreachable))
    ;; list<string> = (ptr, len) pairs; the strings stay NUL-terminated in $buf for ruby_options.
    (local.set $list (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
      (i32.add (i32.mul (local.get $argc) (i32.const 8)) (i32.const 8))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $p (i32.load (i32.add (local.get $argv) (i32.mul (local.get $i) (i32.const 4)))))
        (i32.store (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const 8))) (local.get $p))
        (i32.store offset=4 (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const 8)))
          (call $strlen (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $ruby_init (local.get $list) (local.get $argc))
    ;; Copy the snippet into Ruby's heap and evaluate it (a non-zero status ends the process there).
    (local.set $s (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (global.get $snippet_len) (i32.const 1))))
    (memory.init $snippet (local.get $s) (i32.const 0) (global.get $snippet_len))
    (i32.store8 (i32.add (local.get $s) (global.get $snippet_len)) (i32.const 0))
    ;; The result is a pointer to (value, state): state 0 means the snippet ran to its end, which it
    ;; only reaches with status 0. Anything else is a failure of the snippet itself: trap rather than
    ;; report success.
    (if (i32.load offset=4 (call $eval (local.get $s) (global.get $snippet_len)))
      (then unreachable)))
)
