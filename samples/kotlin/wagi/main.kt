// A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
// header block, a blank line and a body on stdout (see samples/contract/wagi). Kotlin/Wasm's WASI
// standard library has no arguments, environment or stdin: those go through common/Wasi.kt.

private val VARIABLES = listOf(
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
    "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
)

fun main() {
    // args[0] is the request's path; the query's parts follow.
    val args = Wasi.args().drop(1)
    fun value(key: String): String? =
        args.firstOrNull { it.startsWith("$key=") }?.substring(key.length + 1)
    value("exit")?.let { Wasi.exit(it.toIntOrNull() ?: 1) }
    val env = Wasi.environ().associate { it.substringBefore('=') to it.substringAfter('=', "") }
    val body = Wasi.readAll(0)
    val out = StringBuilder("Content-Type: text/plain\n")
    value("status")?.let { out.append("Status: $it\n") }
    value("location")?.let { out.append("Location: $it\n") }
    out.append("\n")
    for (name in VARIABLES) out.append("$name=${env[name] ?: ""}\n")
    out.append("args=${args.size}\n")
    for (arg in args) out.append("arg=$arg\n")
    out.append("body=${body.size} bytes\n")
    Wasi.write(1, out.toString().encodeToByteArray() + body)
}
