//! One WASI preview 1 capability per invocation, named by the first argument, printing the same
//! lines as every other language's version of this sample (see samples/contract/wasi), through
//! Zig's own standard library (no libc): preopened directories come from `init.preopens`, and a
//! path like `/data/x` is opened relative to the preopen named `/data`.
//!
//! The sandbox capabilities try something a runtime must refuse when it was not granted, and print
//! `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
const std = @import("std");
const Io = std.Io;

/// The variable the harness sets in its own environment, never in a guest's.
const host_secret = "WASM_HARNESS_HOST_SECRET";

var out_buffer: [4096]u8 = undefined;
var out_writer: Io.File.Writer = undefined;
var out: *Io.Writer = undefined;

pub fn main(init: std.process.Init) !void {
    out_writer = .init(.stdout(), init.io, &out_buffer);
    out = &out_writer.interface;
    defer out.flush() catch {};
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    if (args.len < 2) {
        std.debug.print("usage: wasi CAPABILITY [ARGS...]\n", .{});
        std.process.exit(2);
    }
    const capability = args[1];
    run(init, capability, args[2..]) catch |err| {
        out.flush() catch {};
        std.debug.print("{s}: {s}\n", .{ capability, @errorName(err) });
        std.process.exit(1);
    };
}

fn run(init: std.process.Init, capability: []const u8, rest: []const [:0]const u8) !void {
    const eql = std.mem.eql;
    if (eql(u8, capability, "args")) {
        try out.print("argc={d}\n", .{rest.len});
        for (rest, 0..) |arg, i| try out.print("arg[{d}]={s}\n", .{ i, arg });
    } else if (eql(u8, capability, "env")) {
        try env(init);
    } else if (eql(u8, capability, "clock")) {
        try clock(init.io);
    } else if (eql(u8, capability, "random")) {
        try random(init.io);
    } else if (eql(u8, capability, "file")) {
        try file(init);
    } else if (eql(u8, capability, "readdir")) {
        try readdir(init);
    } else if (eql(u8, capability, "rename")) {
        try rename(init);
    } else if (eql(u8, capability, "unlink")) {
        try unlink(init);
    } else if (eql(u8, capability, "mkdir")) {
        try mkdir(init);
    } else if (eql(u8, capability, "stdin")) {
        var in_buffer: [4096]u8 = undefined;
        var stdin: Io.File.Reader = .initStreaming(.stdin(), init.io, &in_buffer);
        _ = try stdin.interface.streamRemaining(out);
    } else if (eql(u8, capability, "exit")) {
        const code: u8 = if (rest.len > 0) std.fmt.parseInt(u8, rest[0], 10) catch 3 else 3;
        try out.print("exiting with {d}\n", .{code});
        try out.flush();
        std.process.exit(code);
    } else if (eql(u8, capability, "stderr")) {
        try out.writeAll("to stdout\n");
        try out.flush();
        std.debug.print("to stderr\n", .{});
    } else if (eql(u8, capability, "sandbox-host-path")) {
        try sandboxOpen(init, "/etc/passwd");
    } else if (eql(u8, capability, "sandbox-dotdot")) {
        try sandboxOpen(init, "/sandbox/../etc/passwd");
    } else if (eql(u8, capability, "sandbox-env")) {
        if (init.environ_map.get(host_secret)) |value| {
            try out.print("env {s}: ALLOWED ({s})\n", .{ host_secret, value });
        } else {
            try out.print("env {s}: denied\n", .{host_secret});
        }
    } else {
        std.debug.print("unknown capability: {s}\n", .{capability});
        std.process.exit(2);
    }
}

fn lessThan(_: void, a: []const u8, b: []const u8) bool {
    return std.mem.lessThan(u8, a, b);
}

fn env(init: std.process.Init) !void {
    const arena = init.arena.allocator();
    var lines: std.ArrayList([]const u8) = .empty;
    var it = init.environ_map.iterator();
    while (it.next()) |entry| {
        try lines.append(arena, try std.fmt.allocPrint(arena, "{s}={s}", .{ entry.key_ptr.*, entry.value_ptr.* }));
    }
    std.mem.sort([]const u8, lines.items, {}, lessThan);
    for (lines.items) |line| try out.print("{s}\n", .{line});
}

fn clock(io: Io) !void {
    const now = Io.Timestamp.now(io, .real);
    try out.print("realtime_s={d}\n", .{now.toSeconds()});
    const first = Io.Timestamp.now(io, .awake);
    const second = Io.Timestamp.now(io, .awake);
    try out.print("monotonic: {s}\n", .{if (second.nanoseconds >= first.nanoseconds) "non-decreasing" else "WENT BACKWARDS"});
    try io.sleep(.fromMilliseconds(10), .awake);
    const elapsed = first.durationTo(Io.Timestamp.now(io, .awake));
    try out.print("sleep 10ms: {s}\n", .{if (elapsed.toMilliseconds() >= 10) "elapsed" else "TOO SHORT"});
}

fn random(io: Io) !void {
    var a: [32]u8 = undefined;
    var b: [32]u8 = undefined;
    try io.randomSecure(&a);
    try io.randomSecure(&b);
    const zero = std.mem.allEqual(u8, &a, 0);
    const differ = !std.mem.eql(u8, &a, &b) and !zero;
    try out.print("random: 32 bytes, {s}\n", .{if (differ) "two draws differ" else "DRAWS EQUAL"});
}

/// The preopened directory that holds an absolute guest path, and the path below it.
fn resolve(init: std.process.Init, path: []const u8) !struct { Io.Dir, []const u8 } {
    const slash = std.mem.indexOfScalarPos(u8, path, 1, '/') orelse return error.NotPreopened;
    const resource = init.preopens.get(path[0..slash]) orelse return error.NotPreopened;
    return switch (resource) {
        .dir => |dir| .{ dir, path[slash + 1 ..] },
        .file => error.NotADirectory,
    };
}

fn writeFile(init: std.process.Init, path: []const u8, text: []const u8) !void {
    const dir, const sub = try resolve(init, path);
    const f = try dir.createFile(init.io, sub, .{});
    defer f.close(init.io);
    try f.writeStreamingAll(init.io, text);
}

fn exists(init: std.process.Init, path: []const u8) []const u8 {
    const dir, const sub = resolve(init, path) catch return "absent";
    _ = dir.statFile(init.io, sub, .{}) catch return "absent";
    return "exists";
}

fn file(init: std.process.Init) !void {
    const io = init.io;
    try writeFile(init, "/data/file.txt", "0123456789\n");
    try out.writeAll("write: 11 bytes\n");
    const dir, const sub = try resolve(init, "/data/file.txt");
    const f = try dir.openFile(io, sub, .{ .mode = .read_write });
    defer f.close(io);
    var buffer: [64]u8 = undefined;
    // Zig reads files positionally (fd_pread): a seek moves the reader's position, which is where the
    // next read starts; a streaming reader would refuse to seek backwards.
    var reader: Io.File.Reader = .init(f, io, &buffer);
    var all: [64]u8 = undefined;
    const n = try reader.interface.readSliceShort(&all);
    try out.print("read: {s}\n", .{std.mem.trimEnd(u8, all[0..n], "\n")});
    try reader.seekTo(4);
    var three: [3]u8 = undefined;
    try reader.interface.readSliceAll(&three);
    try out.print("seek 4, read 3: {s}\n", .{&three});
    const end = try f.length(io);
    try out.print("seek end: {d}\n", .{end});
    try f.writePositionalAll(io, "appended\n", end);
    const stat = try dir.statFile(io, sub, .{});
    try out.print("size: {d}\n", .{stat.size});
}

fn readdir(init: std.process.Init) !void {
    const arena = init.arena.allocator();
    const resource = init.preopens.get("/fixture") orelse return error.NotPreopened;
    const dir = switch (resource) {
        .dir => |d| d,
        .file => return error.NotADirectory,
    };
    var names: std.ArrayList([]const u8) = .empty;
    var it = dir.iterate();
    while (try it.next(init.io)) |entry| {
        const suffix = if (entry.kind == .directory) "/" else "";
        try names.append(arena, try std.fmt.allocPrint(arena, "{s}{s}", .{ entry.name, suffix }));
    }
    std.mem.sort([]const u8, names.items, {}, lessThan);
    for (names.items) |name| try out.print("{s}\n", .{name});
}

fn rename(init: std.process.Init) !void {
    try writeFile(init, "/data/old.txt", "renamed\n");
    const dir, _ = try resolve(init, "/data/old.txt");
    try dir.rename("old.txt", dir, "new.txt", init.io);
    try out.print("old.txt: {s}\n", .{exists(init, "/data/old.txt")});
    try out.print("new.txt: {s}\n", .{exists(init, "/data/new.txt")});
}

fn unlink(init: std.process.Init) !void {
    try writeFile(init, "/data/doomed.txt", "gone\n");
    try out.print("before: {s}\n", .{exists(init, "/data/doomed.txt")});
    const dir, const sub = try resolve(init, "/data/doomed.txt");
    try dir.deleteFile(init.io, sub);
    try out.print("after: {s}\n", .{exists(init, "/data/doomed.txt")});
}

fn mkdir(init: std.process.Init) !void {
    const io = init.io;
    const dir, _ = try resolve(init, "/data/made");
    try dir.createDir(io, "made", .default_dir);
    try dir.createDir(io, "made/inner", .default_dir);
    try out.print("mkdir: {s}\n", .{exists(init, "/data/made/inner")});
    try dir.deleteDir(io, "made/inner");
    try out.print("rmdir: {s}\n", .{exists(init, "/data/made/inner")});
    try dir.createDir(io, "kept", .default_dir);
}

fn sandboxOpen(init: std.process.Init, path: []const u8) !void {
    const io = init.io;
    const opened = blk: {
        if (resolve(init, path)) |found| {
            const dir, const sub = found;
            break :blk dir.openFile(io, sub, .{}) catch null;
        } else |_| {
            // Not below any preopen: ask the runtime for the absolute path as it is.
            break :blk Io.Dir.openFileAbsolute(io, path, .{}) catch null;
        }
    };
    if (opened) |f| {
        defer f.close(io);
        const size = f.length(io) catch 0;
        try out.print("open {s}: ALLOWED ({d} bytes read)\n", .{ path, size });
    } else {
        try out.print("open {s}: denied\n", .{path});
    }
}
