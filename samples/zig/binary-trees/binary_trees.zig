//! The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
//! first argument (maximum depth), single-threaded, with an allocation and a free for every node.
const std = @import("std");
const Io = std.Io;

const Tree = struct {
    left: ?*Tree,
    right: ?*Tree,
};

fn bottomUp(gpa: std.mem.Allocator, depth: u32) !*Tree {
    const tree = try gpa.create(Tree);
    if (depth > 0) {
        tree.* = .{ .left = try bottomUp(gpa, depth - 1), .right = try bottomUp(gpa, depth - 1) };
    } else {
        tree.* = .{ .left = null, .right = null };
    }
    return tree;
}

fn check(tree: *const Tree) u64 {
    if (tree.left) |left| return 1 + check(left) + check(tree.right.?);
    return 1;
}

fn release(gpa: std.mem.Allocator, tree: *Tree) void {
    if (tree.left) |left| {
        release(gpa, left);
        release(gpa, tree.right.?);
    }
    gpa.destroy(tree);
}

pub fn main(init: std.process.Init) !void {
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    const n = if (args.len > 1) std.fmt.parseInt(u32, args[1], 10) catch null else null;
    if (n == null) {
        std.debug.print("usage: binary-trees MAX_DEPTH\n", .{});
        std.process.exit(2);
    }
    const gpa = init.gpa;
    var buffer: [1024]u8 = undefined;
    var stdout: Io.File.Writer = .init(.stdout(), init.io, &buffer);
    const out = &stdout.interface;

    const min_depth: u32 = 4;
    const max_depth = @max(n.?, min_depth + 2);
    const stretch = max_depth + 1;
    const stretched = try bottomUp(gpa, stretch);
    try out.print("stretch tree of depth {d}\t check: {d}\n", .{ stretch, check(stretched) });
    release(gpa, stretched);
    const long_lived = try bottomUp(gpa, max_depth);
    var depth = min_depth;
    while (depth <= max_depth) : (depth += 2) {
        const iterations = @as(u64, 1) << @intCast(max_depth - depth + min_depth);
        var sum: u64 = 0;
        var i: u64 = 0;
        while (i < iterations) : (i += 1) {
            const tree = try bottomUp(gpa, depth);
            sum += check(tree);
            release(gpa, tree);
        }
        try out.print("{d}\t trees of depth {d}\t check: {d}\n", .{ iterations, depth, sum });
    }
    try out.print("long lived tree of depth {d}\t check: {d}\n", .{ max_depth, check(long_lived) });
    release(gpa, long_lived);
    try out.flush();
}
