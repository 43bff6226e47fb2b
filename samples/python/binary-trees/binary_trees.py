"""The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
first argument (maximum depth), single-threaded; a node is a tuple of its two children."""

import sys


def bottom_up(depth):
    if depth <= 0:
        return (None, None)
    return (bottom_up(depth - 1), bottom_up(depth - 1))


def check(tree):
    left, right = tree
    if left is None:
        return 1
    return 1 + check(left) + check(right)


def main():
    try:
        n = int(sys.argv[1])
    except (IndexError, ValueError):
        print("usage: binary-trees MAX_DEPTH", file=sys.stderr)
        sys.exit(2)
    min_depth = 4
    max_depth = max(n, min_depth + 2)
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch}\t check: {check(bottom_up(stretch))}")
    long_lived = bottom_up(max_depth)
    for depth in range(min_depth, max_depth + 1, 2):
        iterations = 1 << (max_depth - depth + min_depth)
        total = sum(check(bottom_up(depth)) for _ in range(iterations))
        print(f"{iterations}\t trees of depth {depth}\t check: {total}")
    print(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}")


main()
