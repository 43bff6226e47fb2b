// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded; nodes are garbage-collected objects (Wasm GC).

private class Tree(val left: Tree?, val right: Tree?)

private fun bottomUp(depth: Int): Tree =
    if (depth > 0) Tree(bottomUp(depth - 1), bottomUp(depth - 1)) else Tree(null, null)

private fun check(tree: Tree): Int =
    if (tree.left == null) 1 else 1 + check(tree.left) + check(tree.right!!)

fun main() {
    val n = Wasi.args().getOrNull(1)?.toIntOrNull()
    if (n == null) {
        Wasi.print(2, "usage: binary-trees MAX_DEPTH\n")
        Wasi.exit(2)
    }
    val minDepth = 4
    val maxDepth = maxOf(n, minDepth + 2)
    val stretch = maxDepth + 1
    println("stretch tree of depth $stretch\t check: ${check(bottomUp(stretch))}")
    val longLived = bottomUp(maxDepth)
    for (depth in minDepth..maxDepth step 2) {
        val iterations = 1 shl (maxDepth - depth + minDepth)
        var sum = 0
        for (i in 0 until iterations) sum += check(bottomUp(depth))
        println("$iterations\t trees of depth $depth\t check: $sum")
    }
    println("long lived tree of depth $maxDepth\t check: ${check(longLived)}")
}
