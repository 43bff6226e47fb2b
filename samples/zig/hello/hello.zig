//! The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
//! On WASI, Zig's standard library reaches a preopened directory through `init.preopens`.
const std = @import("std");
const Io = std.Io;

pub fn main(init: std.process.Init) !void {
    const io = init.io;
    var buffer: [256]u8 = undefined;
    var stdout: Io.File.Writer = .init(.stdout(), io, &buffer);
    const out = &stdout.interface;
    try out.writeAll("Hello, Wasm!\n");
    try out.flush();
    writeGreeting(init) catch |err| {
        std.debug.print("cannot write /helloworld/helloworld.txt: {s}\n", .{@errorName(err)});
        std.process.exit(1);
    };
    try out.writeAll("Created helloworld.txt\n");
    try out.flush();
}

fn writeGreeting(init: std.process.Init) !void {
    const io = init.io;
    const dir = try preopenedDir(init, "/helloworld");
    const file = try dir.createFile(io, "helloworld.txt", .{});
    defer file.close(io);
    try file.writeStreamingAll(io, "Hello world!\n");
}

fn preopenedDir(init: std.process.Init, name: []const u8) !Io.Dir {
    if (@import("builtin").os.tag != .wasi) return Io.Dir.openDirAbsolute(init.io, name, .{});
    return switch (init.preopens.get(name) orelse return error.NotPreopened) {
        .dir => |d| d,
        .file => error.NotADirectory,
    };
}
