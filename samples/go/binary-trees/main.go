// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded so that every runtime does the same work.
package main

import (
	"fmt"
	"os"
	"strconv"
)

type tree struct {
	left, right *tree
}

func bottomUp(depth int) *tree {
	if depth <= 0 {
		return &tree{}
	}
	return &tree{bottomUp(depth - 1), bottomUp(depth - 1)}
}

func (t *tree) check() int {
	if t.left == nil {
		return 1
	}
	return 1 + t.left.check() + t.right.check()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: binary-trees MAX_DEPTH")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: binary-trees MAX_DEPTH")
		os.Exit(2)
	}
	minDepth := 4
	maxDepth := n
	if minDepth+2 > maxDepth {
		maxDepth = minDepth + 2
	}
	stretch := maxDepth + 1
	fmt.Printf("stretch tree of depth %d\t check: %d\n", stretch, bottomUp(stretch).check())
	longLived := bottomUp(maxDepth)
	for depth := minDepth; depth <= maxDepth; depth += 2 {
		iterations := 1 << (maxDepth - depth + minDepth)
		sum := 0
		for i := 0; i < iterations; i++ {
			sum += bottomUp(depth).check()
		}
		fmt.Printf("%d\t trees of depth %d\t check: %d\n", iterations, depth, sum)
	}
	fmt.Printf("long lived tree of depth %d\t check: %d\n", maxDepth, longLived.check())
}
