// Number formatting that Kotlin/Wasm's common standard library lacks (no String.format).

import kotlin.math.abs
import kotlin.math.round

/** [x] with exactly nine decimals, like C's `%.9f` for values whose tenth decimal is not a tie. */
fun fixed9(x: Double): String {
    val scaled = round(abs(x) * 1e9).toLong()
    val whole = scaled / 1_000_000_000L
    val frac = (scaled % 1_000_000_000L).toString().padStart(9, '0')
    val sign = if (x < 0 && scaled != 0L) "-" else ""
    return "$sign$whole.$frac"
}

/** Lowercase hexadecimal, two digits per byte. */
fun hex(bytes: ByteArray): String =
    bytes.joinToString("") { (it.toInt() and 0xff).toString(16).padStart(2, '0') }
