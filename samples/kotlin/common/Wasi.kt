// WASI preview 1 for Kotlin/Wasm: the calls Kotlin's WASI standard library does not expose (files,
// directories, arguments, environment, stdin, stderr, randomness, sleeping, exit), imported with
// @WasmImport and driven through the unsafe linear-memory API.
@file:OptIn(UnsafeWasmMemoryApi::class, ExperimentalWasmInterop::class)

import kotlin.wasm.ExperimentalWasmInterop
import kotlin.wasm.WasmImport
import kotlin.wasm.unsafe.MemoryAllocator
import kotlin.wasm.unsafe.Pointer
import kotlin.wasm.unsafe.UnsafeWasmMemoryApi
import kotlin.wasm.unsafe.withScopedMemoryAllocator

private const val MODULE = "wasi_snapshot_preview1"

@WasmImport(MODULE, "args_sizes_get") private external fun argsSizesGet(count: Int, size: Int): Int
@WasmImport(MODULE, "args_get") private external fun argsGet(argv: Int, buf: Int): Int
@WasmImport(MODULE, "environ_sizes_get") private external fun environSizesGet(count: Int, size: Int): Int
@WasmImport(MODULE, "environ_get") private external fun environGet(environ: Int, buf: Int): Int
@WasmImport(MODULE, "fd_write") private external fun fdWrite(fd: Int, iovs: Int, iovsLen: Int, written: Int): Int
@WasmImport(MODULE, "fd_read") private external fun fdRead(fd: Int, iovs: Int, iovsLen: Int, read: Int): Int
@WasmImport(MODULE, "fd_seek") private external fun fdSeek(fd: Int, offset: Long, whence: Int, newOffset: Int): Int
@WasmImport(MODULE, "fd_close") private external fun fdClose(fd: Int): Int
@WasmImport(MODULE, "fd_filestat_get") private external fun fdFilestatGet(fd: Int, buf: Int): Int
@WasmImport(MODULE, "fd_prestat_get") private external fun fdPrestatGet(fd: Int, buf: Int): Int
@WasmImport(MODULE, "fd_prestat_dir_name") private external fun fdPrestatDirName(fd: Int, path: Int, len: Int): Int
@WasmImport(MODULE, "fd_readdir") private external fun fdReaddir(fd: Int, buf: Int, len: Int, cookie: Long, used: Int): Int
@WasmImport(MODULE, "path_open")
private external fun pathOpen(
    fd: Int, dirflags: Int, path: Int, pathLen: Int, oflags: Int,
    rightsBase: Long, rightsInheriting: Long, fdflags: Int, opened: Int,
): Int
@WasmImport(MODULE, "path_filestat_get")
private external fun pathFilestatGet(fd: Int, flags: Int, path: Int, pathLen: Int, buf: Int): Int
@WasmImport(MODULE, "path_rename")
private external fun pathRename(fd: Int, old: Int, oldLen: Int, newFd: Int, new: Int, newLen: Int): Int
@WasmImport(MODULE, "path_unlink_file") private external fun pathUnlinkFile(fd: Int, path: Int, len: Int): Int
@WasmImport(MODULE, "path_create_directory") private external fun pathCreateDirectory(fd: Int, path: Int, len: Int): Int
@WasmImport(MODULE, "path_remove_directory") private external fun pathRemoveDirectory(fd: Int, path: Int, len: Int): Int
@WasmImport(MODULE, "clock_time_get") private external fun clockTimeGet(id: Int, precision: Long, time: Int): Int
@WasmImport(MODULE, "random_get") private external fun randomGet(buf: Int, len: Int): Int
@WasmImport(MODULE, "poll_oneoff") private external fun pollOneoff(subs: Int, events: Int, count: Int, done: Int): Int
@WasmImport(MODULE, "proc_exit") private external fun procExit(code: Int)

/** A WASI call that returned an errno. */
class WasiException(val call: String, val errno: Int) : Exception("$call failed with errno $errno")

object Wasi {
    const val O_CREAT = 1
    const val O_DIRECTORY = 2
    const val O_TRUNC = 8
    const val FD_APPEND = 1
    const val WHENCE_SET = 0
    const val WHENCE_END = 2
    const val CLOCK_REALTIME = 0
    const val CLOCK_MONOTONIC = 1
    const val FILETYPE_DIRECTORY = 3
    private const val ALL_RIGHTS = (1L shl 29) - 1
    private const val LOOKUP_SYMLINK_FOLLOW = 1

    private fun check(call: String, errno: Int) {
        if (errno != 0) throw WasiException(call, errno)
    }

    private fun MemoryAllocator.bytes(data: ByteArray): Pointer {
        val p = allocate(maxOf(data.size, 1))
        for (i in data.indices) (p + i).storeByte(data[i])
        return p
    }

    private fun Pointer.readBytes(len: Int): ByteArray = ByteArray(len) { (this + it).loadByte() }

    private fun Pointer.readCStrings(count: Int): List<String> = (0 until count).map { i ->
        val start = Pointer((this + 4 * i).loadInt().toUInt())
        var len = 0
        while ((start + len).loadByte() != 0.toByte()) len++
        start.readBytes(len).decodeToString()
    }

    fun args(): List<String> = stringList("args", ::argsSizesGet, ::argsGet)

    fun environ(): List<String> = stringList("environ", ::environSizesGet, ::environGet)

    /** args_get and environ_get share a shape: sizes first, then pointers into one buffer. */
    private fun stringList(
        what: String,
        sizesGet: (Int, Int) -> Int,
        get: (Int, Int) -> Int,
    ): List<String> = withScopedMemoryAllocator { a ->
        val count = a.allocate(4)
        val size = a.allocate(4)
        check("${what}_sizes_get", sizesGet(count.address.toInt(), size.address.toInt()))
        val n = count.loadInt()
        val pointers = a.allocate(4 * maxOf(n, 1))
        val buf = a.allocate(maxOf(size.loadInt(), 1))
        check("${what}_get", get(pointers.address.toInt(), buf.address.toInt()))
        pointers.readCStrings(n)
    }

    fun write(fd: Int, data: ByteArray) {
        var offset = 0
        while (offset < data.size) {
            val chunk = data.copyOfRange(offset, data.size)
            val written = withScopedMemoryAllocator { a ->
                val buf = a.bytes(chunk)
                val iov = a.allocate(8)
                iov.storeInt(buf.address.toInt())
                (iov + 4).storeInt(chunk.size)
                val n = a.allocate(4)
                check("fd_write", fdWrite(fd, iov.address.toInt(), 1, n.address.toInt()))
                n.loadInt()
            }
            offset += written
        }
    }

    fun print(fd: Int, text: String) = write(fd, text.encodeToByteArray())

    /** Up to [max] bytes from [fd]; an empty array at the end. */
    fun read(fd: Int, max: Int): ByteArray = withScopedMemoryAllocator { a ->
        val buf = a.allocate(max)
        val iov = a.allocate(8)
        iov.storeInt(buf.address.toInt())
        (iov + 4).storeInt(max)
        val n = a.allocate(4)
        check("fd_read", fdRead(fd, iov.address.toInt(), 1, n.address.toInt()))
        buf.readBytes(n.loadInt())
    }

    fun readAll(fd: Int): ByteArray {
        var all = ByteArray(0)
        while (true) {
            val chunk = read(fd, 4096)
            if (chunk.isEmpty()) return all
            all += chunk
        }
    }

    fun seek(fd: Int, offset: Long, whence: Int): Long = withScopedMemoryAllocator { a ->
        val result = a.allocate(8)
        check("fd_seek", fdSeek(fd, offset, whence, result.address.toInt()))
        result.loadLong()
    }

    fun close(fd: Int) = check("fd_close", fdClose(fd))

    /** The size of an open file (filestat: dev, ino, filetype, nlink, then size at offset 32). */
    fun size(fd: Int): Long = withScopedMemoryAllocator { a ->
        val stat = a.allocate(64)
        check("fd_filestat_get", fdFilestatGet(fd, stat.address.toInt()))
        (stat + 32).loadLong()
    }

    /** The preopened directories, by guest path. */
    val preopens: Map<String, Int> by lazy {
        val found = mutableMapOf<String, Int>()
        var fd = 3
        while (true) {
            val name = withScopedMemoryAllocator { a ->
                val prestat = a.allocate(8)
                if (fdPrestatGet(fd, prestat.address.toInt()) != 0) return@withScopedMemoryAllocator null
                val len = (prestat + 4).loadInt()
                val path = a.allocate(maxOf(len, 1))
                check("fd_prestat_dir_name", fdPrestatDirName(fd, path.address.toInt(), len))
                path.readBytes(len).decodeToString().trimEnd('\u0000')
            } ?: break
            // Runtimes spell preopen names differently (WasmEdge drops the leading slash): keep them
            // as absolute guest paths.
            found["/" + name.trim('/')] = fd
            fd++
        }
        found
    }

    /** The preopen holding an absolute guest path, and the path relative to it. */
    fun resolve(path: String): Pair<Int, String> {
        var best: Pair<Int, String>? = null
        var bestLen = -1
        for ((dir, fd) in preopens) {
            val prefix = dir.trimEnd('/')
            if ((path == prefix || path.startsWith("$prefix/")) && prefix.length > bestLen) {
                best = fd to path.removePrefix(prefix).trimStart('/').ifEmpty { "." }
                bestLen = prefix.length
            }
        }
        return best ?: throw WasiException("resolve $path", 44)
    }

    private inline fun <T> withPath(path: String, body: (dir: Int, p: Pointer, len: Int, a: MemoryAllocator) -> T): T {
        val (dir, rel) = resolve(path)
        val bytes = rel.encodeToByteArray()
        return withScopedMemoryAllocator { a -> body(dir, a.bytes(bytes), bytes.size, a) }
    }

    fun open(path: String, oflags: Int = 0, fdflags: Int = 0): Int = withPath(path) { dir, p, len, a ->
        val fd = a.allocate(4)
        check(
            "path_open $path",
            pathOpen(dir, LOOKUP_SYMLINK_FOLLOW, p.address.toInt(), len, oflags, ALL_RIGHTS, ALL_RIGHTS, fdflags, fd.address.toInt()),
        )
        fd.loadInt()
    }

    fun exists(path: String): Boolean = try {
        withPath(path) { dir, p, len, a ->
            val stat = a.allocate(64)
            pathFilestatGet(dir, LOOKUP_SYMLINK_FOLLOW, p.address.toInt(), len, stat.address.toInt()) == 0
        }
    } catch (e: WasiException) {
        false
    }

    fun writeFile(path: String, text: String) {
        val fd = open(path, O_CREAT or O_TRUNC)
        try {
            print(fd, text)
        } finally {
            close(fd)
        }
    }

    fun rename(from: String, to: String) {
        val (dir, old) = resolve(from)
        val (newDir, new) = resolve(to)
        val oldBytes = old.encodeToByteArray()
        val newBytes = new.encodeToByteArray()
        withScopedMemoryAllocator { a ->
            val o = a.bytes(oldBytes)
            val n = a.bytes(newBytes)
            check("path_rename", pathRename(dir, o.address.toInt(), oldBytes.size, newDir, n.address.toInt(), newBytes.size))
        }
    }

    fun unlink(path: String) = withPath(path) { dir, p, len, _ ->
        check("path_unlink_file", pathUnlinkFile(dir, p.address.toInt(), len))
    }

    fun mkdir(path: String) = withPath(path) { dir, p, len, _ ->
        check("path_create_directory", pathCreateDirectory(dir, p.address.toInt(), len))
    }

    fun rmdir(path: String) = withPath(path) { dir, p, len, _ ->
        check("path_remove_directory", pathRemoveDirectory(dir, p.address.toInt(), len))
    }

    /** The entries of a directory (without `.` and `..`), each with whether it is a directory. */
    fun readdir(path: String): List<Pair<String, Boolean>> {
        // A preopen is read through its own descriptor, which stays open.
        val preopened = preopens[path]
        val fd = preopened ?: open(path, O_DIRECTORY)
        val entries = mutableListOf<Pair<String, Boolean>>()
        try {
            var cookie = 0L
            while (true) {
                val size = 4096
                val (buf, used) = withScopedMemoryAllocator { a ->
                    val b = a.allocate(size)
                    val u = a.allocate(4)
                    check("fd_readdir", fdReaddir(fd, b.address.toInt(), size, cookie, u.address.toInt()))
                    b.readBytes(u.loadInt()) to u.loadInt()
                }
                var off = 0
                var progressed = false
                // dirent: d_next u64, d_ino u64, d_namlen u32, d_type u8, padding, then the name.
                while (off + 24 <= used) {
                    val next = buf.long(off)
                    val namlen = buf.int(off + 16)
                    val type = buf[off + 20].toInt()
                    if (off + 24 + namlen > used) break
                    val name = buf.copyOfRange(off + 24, off + 24 + namlen).decodeToString()
                    if (name != "." && name != "..") entries += name to (type == FILETYPE_DIRECTORY)
                    cookie = next
                    off += 24 + namlen
                    progressed = true
                }
                if (used < size || !progressed) break
            }
        } finally {
            if (preopened == null) close(fd)
        }
        return entries
    }

    private fun ByteArray.int(at: Int): Int =
        (0 until 4).fold(0) { acc, i -> acc or ((this[at + i].toInt() and 0xff) shl (8 * i)) }

    private fun ByteArray.long(at: Int): Long =
        (0 until 8).fold(0L) { acc, i -> acc or ((this[at + i].toLong() and 0xff) shl (8 * i)) }

    fun now(clock: Int): Long = withScopedMemoryAllocator { a ->
        val t = a.allocate(8)
        check("clock_time_get", clockTimeGet(clock, 1, t.address.toInt()))
        t.loadLong()
    }

    fun random(len: Int): ByteArray = withScopedMemoryAllocator { a ->
        val buf = a.allocate(len)
        check("random_get", randomGet(buf.address.toInt(), len))
        buf.readBytes(len)
    }

    /** Sleeps on the monotonic clock through poll_oneoff with one relative clock subscription. */
    fun sleep(nanos: Long) = withScopedMemoryAllocator { a ->
        val sub = a.allocate(48)
        for (i in 0 until 48) (sub + i).storeByte(0)
        (sub + 8).storeByte(0) // eventtype clock
        (sub + 16).storeInt(CLOCK_MONOTONIC)
        (sub + 24).storeLong(nanos)
        val event = a.allocate(32)
        val n = a.allocate(4)
        check("poll_oneoff", pollOneoff(sub.address.toInt(), event.address.toInt(), 1, n.address.toInt()))
    }

    fun exit(code: Int): Nothing {
        procExit(code)
        throw IllegalStateException("proc_exit returned")
    }
}
