//! A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
//! header block, a blank line and a body on stdout (see samples/contract/wagi).
const std = @import("std");
const Io = std.Io;

const variables = [_][]const u8{
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
    "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
};

/// The value of the first argument `key=value`.
fn value(args: []const [:0]const u8, key: []const u8) ?[]const u8 {
    for (args) |arg| {
        if (arg.len > key.len and std.mem.startsWith(u8, arg, key) and arg[key.len] == '=') {
            return arg[key.len + 1 ..];
        }
    }
    return null;
}

pub fn main(init: std.process.Init) !void {
    const arena = init.arena.allocator();
    // args[0] is the request's path; the query's parts follow.
    const all = try init.minimal.args.toSlice(arena);
    const args = all[1..];
    if (value(args, "exit")) |code| {
        std.process.exit(std.fmt.parseInt(u8, code, 10) catch 1);
    }
    var in_buffer: [4096]u8 = undefined;
    var stdin: Io.File.Reader = .initStreaming(.stdin(), init.io, &in_buffer);
    var body: Io.Writer.Allocating = .init(arena);
    _ = try stdin.interface.streamRemaining(&body.writer);
    const received = body.written();

    var out_buffer: [4096]u8 = undefined;
    var out_writer: Io.File.Writer = .init(.stdout(), init.io, &out_buffer);
    const out = &out_writer.interface;
    try out.writeAll("Content-Type: text/plain\n");
    if (value(args, "status")) |status| try out.print("Status: {s}\n", .{status});
    if (value(args, "location")) |location| try out.print("Location: {s}\n", .{location});
    try out.writeAll("\n");
    for (variables) |name| {
        try out.print("{s}={s}\n", .{ name, init.environ_map.get(name) orelse "" });
    }
    try out.print("args={d}\n", .{args.len});
    for (args) |arg| try out.print("arg={s}\n", .{arg});
    try out.print("body={d} bytes\n", .{received.len});
    try out.writeAll(received);
    try out.flush();
}
