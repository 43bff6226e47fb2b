# One WASI preview 1 capability per invocation, named by the first argument, printing the same
# lines as every other language's version of this sample (see samples/contract/wasi).
#
# The sandbox capabilities try something a runtime must refuse when it was not granted, and print
# `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.

# The variable the harness sets in its own environment, never in a guest's.
HOST_SECRET = "WASM_HARNESS_HOST_SECRET"

def args(rest)
  puts "argc=#{rest.size}"
  rest.each_with_index { |arg, i| puts "arg[#{i}]=#{arg}" }
end

def env
  ENV.sort.each { |key, value| puts "#{key}=#{value}" }
end

def clock
  puts "realtime_s=#{Time.now.to_i}"
  first = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  second = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  puts "monotonic: " + (second >= first ? "non-decreasing" : "WENT BACKWARDS")
  sleep 0.01
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - first
  puts "sleep 10ms: " + (elapsed >= 0.01 ? "elapsed" : "TOO SHORT")
end

def random
  a = Random.urandom(32)
  b = Random.urandom(32)
  differ = a != b && a.each_byte.any?(&:nonzero?)
  puts "random: 32 bytes, " + (differ ? "two draws differ" : "DRAWS EQUAL")
end

def file
  path = "/data/file.txt"
  puts "write: #{File.write(path, "0123456789\n")} bytes"
  File.open(path, "r+b") do |f|
    puts "read: #{f.read.chomp}"
    f.seek(4)
    puts "seek 4, read 3: #{f.read(3)}"
    f.seek(0, IO::SEEK_END)
    puts "seek end: #{f.pos}"
    f.write("appended\n")
  end
  puts "size: #{File.size(path)}"
end

def readdir
  names = Dir.children("/fixture").map { |name| File.directory?("/fixture/#{name}") ? "#{name}/" : name }
  names.sort.each { |name| puts name }
end

def exists(path)
  File.exist?(path) ? "exists" : "absent"
end

def rename
  File.write("/data/old.txt", "renamed\n")
  File.rename("/data/old.txt", "/data/new.txt")
  puts "old.txt: #{exists("/data/old.txt")}"
  puts "new.txt: #{exists("/data/new.txt")}"
end

def unlink
  File.write("/data/doomed.txt", "gone\n")
  puts "before: #{exists("/data/doomed.txt")}"
  File.delete("/data/doomed.txt")
  puts "after: #{exists("/data/doomed.txt")}"
end

def mkdir
  Dir.mkdir("/data/made")
  Dir.mkdir("/data/made/inner")
  puts "mkdir: #{exists("/data/made/inner")}"
  Dir.rmdir("/data/made/inner")
  puts "rmdir: #{exists("/data/made/inner")}"
  Dir.mkdir("/data/kept")
end

def stdin
  $stdout.binmode.write($stdin.binmode.read)
end

def exit_with(rest)
  code = Integer(rest.first, exception: false) || 3
  puts "exiting with #{code}"
  $stdout.flush
  exit code
end

def stderr
  puts "to stdout"
  $stderr.puts "to stderr"
end

def sandbox_open(path)
  File.open(path, "rb") { |f| puts "open #{path}: ALLOWED (#{f.read.bytesize} bytes read)" }
rescue SystemCallError
  puts "open #{path}: denied"
end

def sandbox_env
  value = ENV[HOST_SECRET]
  if value.nil?
    puts "env #{HOST_SECRET}: denied"
  else
    puts "env #{HOST_SECRET}: ALLOWED (#{value})"
  end
end

if ARGV.empty?
  warn "usage: wasi CAPABILITY [ARGS...]"
  exit 2
end
capability, *rest = ARGV
actions = {
  "args" => -> { args(rest) },
  "env" => -> { env },
  "clock" => -> { clock },
  "random" => -> { random },
  "file" => -> { file },
  "readdir" => -> { readdir },
  "rename" => -> { rename },
  "unlink" => -> { unlink },
  "mkdir" => -> { mkdir },
  "stdin" => -> { stdin },
  "exit" => -> { exit_with(rest) },
  "stderr" => -> { stderr },
  "sandbox-host-path" => -> { sandbox_open("/etc/passwd") },
  "sandbox-dotdot" => -> { sandbox_open("/sandbox/../etc/passwd") },
  "sandbox-env" => -> { sandbox_env },
}
action = actions[capability]
unless action
  warn "unknown capability: #{capability}"
  exit 2
end
begin
  action.call
rescue SystemCallError => e
  warn "#{capability}: #{e.message}"
  exit 1
end
