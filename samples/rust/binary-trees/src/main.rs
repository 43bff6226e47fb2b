//! The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
//! first argument (maximum depth), single-threaded so that every runtime does the same work.

struct Tree {
    children: Option<(Box<Tree>, Box<Tree>)>,
}

fn bottom_up(depth: u32) -> Box<Tree> {
    let children = (depth > 0).then(|| (bottom_up(depth - 1), bottom_up(depth - 1)));
    Box::new(Tree { children })
}

fn check(tree: &Tree) -> u32 {
    match &tree.children {
        Some((left, right)) => 1 + check(left) + check(right),
        None => 1,
    }
}

fn main() {
    let n: u32 = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: binary-trees MAX_DEPTH");
            std::process::exit(2);
        }
    };
    let min_depth = 4;
    let max_depth = n.max(min_depth + 2);

    let stretch = max_depth + 1;
    println!("stretch tree of depth {stretch}\t check: {}", check(&bottom_up(stretch)));

    let long_lived = bottom_up(max_depth);
    for depth in (min_depth..=max_depth).step_by(2) {
        let iterations = 1u32 << (max_depth - depth + min_depth);
        let sum: u32 = (0..iterations).map(|_| check(&bottom_up(depth))).sum();
        println!("{iterations}\t trees of depth {depth}\t check: {sum}");
    }
    println!("long lived tree of depth {max_depth}\t check: {}", check(&long_lived));
}
