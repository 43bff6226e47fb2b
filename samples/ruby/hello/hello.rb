# The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.

puts "Hello, Wasm!"
begin
  File.write("/helloworld/helloworld.txt", "Hello world!\n")
rescue SystemCallError => e
  warn "cannot write /helloworld/helloworld.txt: #{e.message}"
  exit 1
end
puts "Created helloworld.txt"
