// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
// Kotlin/Wasm's WASI standard library has no files: the shared bindings in common/Wasi.kt do that.

fun main() {
    Wasi.print(1, "Hello, Wasm!\n")
    try {
        Wasi.writeFile("/helloworld/helloworld.txt", "Hello world!\n")
    } catch (e: WasiException) {
        Wasi.print(2, "cannot write /helloworld/helloworld.txt: ${e.message}\n")
        Wasi.exit(1)
    }
    Wasi.print(1, "Created helloworld.txt\n")
}
