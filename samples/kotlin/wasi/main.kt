// One WASI preview 1 capability per invocation, named by the first argument, printing the same
// lines as every other language's version of this sample (see samples/contract/wasi). Kotlin/Wasm's
// WASI standard library has println and clocks only, so the rest goes through common/Wasi.kt.
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.

/** The variable the harness sets in its own environment, never in a guest's. */
private const val HOST_SECRET = "WASM_HARNESS_HOST_SECRET"

private fun out(line: String) = Wasi.print(1, line + "\n")

private fun clock() {
    out("realtime_s=${Wasi.now(Wasi.CLOCK_REALTIME) / 1_000_000_000L}")
    val first = Wasi.now(Wasi.CLOCK_MONOTONIC)
    val second = Wasi.now(Wasi.CLOCK_MONOTONIC)
    out("monotonic: " + if (second >= first) "non-decreasing" else "WENT BACKWARDS")
    Wasi.sleep(10_000_000L)
    val slept = Wasi.now(Wasi.CLOCK_MONOTONIC) - first >= 10_000_000L
    out("sleep 10ms: " + if (slept) "elapsed" else "TOO SHORT")
}

private fun random() {
    val a = Wasi.random(32)
    val b = Wasi.random(32)
    val differ = !a.contentEquals(b) && a.any { it != 0.toByte() }
    out("random: 32 bytes, " + if (differ) "two draws differ" else "DRAWS EQUAL")
}

private fun file() {
    val path = "/data/file.txt"
    Wasi.writeFile(path, "0123456789\n")
    out("write: 11 bytes")
    val fd = Wasi.open(path)
    try {
        out("read: " + Wasi.readAll(fd).decodeToString().trimEnd('\n'))
        Wasi.seek(fd, 4, Wasi.WHENCE_SET)
        out("seek 4, read 3: " + Wasi.read(fd, 3).decodeToString())
        out("seek end: ${Wasi.seek(fd, 0, Wasi.WHENCE_END)}")
        Wasi.print(fd, "appended\n")
        out("size: ${Wasi.size(fd)}")
    } finally {
        Wasi.close(fd)
    }
}

private fun exists(path: String) = if (Wasi.exists(path)) "exists" else "absent"

private fun sandboxOpen(path: String) {
    val fd = try {
        Wasi.open(path)
    } catch (e: WasiException) {
        out("open $path: denied")
        return
    }
    val bytes = Wasi.readAll(fd)
    Wasi.close(fd)
    out("open $path: ALLOWED (${bytes.size} bytes read)")
}

private fun run(capability: String, rest: List<String>) {
    when (capability) {
        "args" -> {
            out("argc=${rest.size}")
            rest.forEachIndexed { i, arg -> out("arg[$i]=$arg") }
        }
        "env" -> Wasi.environ().sorted().forEach { out(it) }
        "clock" -> clock()
        "random" -> random()
        "file" -> file()
        "readdir" -> Wasi.readdir("/fixture")
            .map { (name, isDir) -> if (isDir) "$name/" else name }
            .sorted()
            .forEach { out(it) }
        "rename" -> {
            Wasi.writeFile("/data/old.txt", "renamed\n")
            Wasi.rename("/data/old.txt", "/data/new.txt")
            out("old.txt: ${exists("/data/old.txt")}")
            out("new.txt: ${exists("/data/new.txt")}")
        }
        "unlink" -> {
            Wasi.writeFile("/data/doomed.txt", "gone\n")
            out("before: ${exists("/data/doomed.txt")}")
            Wasi.unlink("/data/doomed.txt")
            out("after: ${exists("/data/doomed.txt")}")
        }
        "mkdir" -> {
            Wasi.mkdir("/data/made")
            Wasi.mkdir("/data/made/inner")
            out("mkdir: ${exists("/data/made/inner")}")
            Wasi.rmdir("/data/made/inner")
            out("rmdir: ${exists("/data/made/inner")}")
            Wasi.mkdir("/data/kept")
        }
        "stdin" -> Wasi.write(1, Wasi.readAll(0))
        "exit" -> {
            val code = rest.firstOrNull()?.toIntOrNull() ?: 3
            out("exiting with $code")
            Wasi.exit(code)
        }
        "stderr" -> {
            out("to stdout")
            Wasi.print(2, "to stderr\n")
        }
        "sandbox-host-path" -> sandboxOpen("/etc/passwd")
        "sandbox-dotdot" -> sandboxOpen("/sandbox/../etc/passwd")
        "sandbox-env" -> {
            val value = Wasi.environ().firstOrNull { it.startsWith("$HOST_SECRET=") }
            if (value == null) out("env $HOST_SECRET: denied")
            else out("env $HOST_SECRET: ALLOWED (${value.substringAfter('=')})")
        }
        else -> {
            Wasi.print(2, "unknown capability: $capability\n")
            Wasi.exit(2)
        }
    }
}

fun main() {
    val args = Wasi.args().drop(1)
    if (args.isEmpty()) {
        Wasi.print(2, "usage: wasi CAPABILITY [ARGS...]\n")
        Wasi.exit(2)
    }
    try {
        run(args[0], args.drop(1))
    } catch (e: WasiException) {
        Wasi.print(2, "${args[0]}: ${e.message}\n")
        Wasi.exit(1)
    }
}
