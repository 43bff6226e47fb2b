//! The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
//! first argument (steps), printing the system's energy before and after with nine decimals.
const std = @import("std");
const Io = std.Io;

const solar_mass = 4.0 * std.math.pi * std.math.pi;
const days_per_year = 365.24;

const Body = struct {
    pos: [3]f64,
    vel: [3]f64,
    mass: f64,

    fn init(pos: [3]f64, vel: [3]f64, mass: f64) Body {
        return .{
            .pos = pos,
            .vel = .{ vel[0] * days_per_year, vel[1] * days_per_year, vel[2] * days_per_year },
            .mass = mass * solar_mass,
        };
    }
};

fn system() [5]Body {
    return .{
        Body.init(.{ 0, 0, 0 }, .{ 0, 0, 0 }, 1),
        // Jupiter
        Body.init(
            .{ 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01 },
            .{ 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05 },
            9.54791938424326609e-04,
        ),
        // Saturn
        Body.init(
            .{ 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01 },
            .{ -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05 },
            2.85885980666130812e-04,
        ),
        // Uranus
        Body.init(
            .{ 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01 },
            .{ 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05 },
            4.36624404335156298e-05,
        ),
        // Neptune
        Body.init(
            .{ 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01 },
            .{ 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05 },
            5.15138902046611451e-05,
        ),
    };
}

fn offsetMomentum(bodies: *[5]Body) void {
    var p = [3]f64{ 0, 0, 0 };
    for (bodies) |b| {
        for (0..3) |k| p[k] += b.vel[k] * b.mass;
    }
    for (0..3) |k| bodies[0].vel[k] = -p[k] / solar_mass;
}

fn energy(bodies: *const [5]Body) f64 {
    var e: f64 = 0;
    for (bodies, 0..) |b, i| {
        e += 0.5 * b.mass * (b.vel[0] * b.vel[0] + b.vel[1] * b.vel[1] + b.vel[2] * b.vel[2]);
        for (bodies[i + 1 ..]) |b2| {
            var d2: f64 = 0;
            for (0..3) |k| d2 += (b.pos[k] - b2.pos[k]) * (b.pos[k] - b2.pos[k]);
            e -= b.mass * b2.mass / @sqrt(d2);
        }
    }
    return e;
}

fn advance(bodies: *[5]Body, dt: f64) void {
    for (0..bodies.len) |i| {
        const b = &bodies[i];
        for (bodies[i + 1 ..]) |*b2| {
            const d = [3]f64{ b.pos[0] - b2.pos[0], b.pos[1] - b2.pos[1], b.pos[2] - b2.pos[2] };
            const d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            const mag = dt / (d2 * @sqrt(d2));
            for (0..3) |k| {
                b.vel[k] -= d[k] * b2.mass * mag;
                b2.vel[k] += d[k] * b.mass * mag;
            }
        }
    }
    for (bodies) |*b| {
        for (0..3) |k| b.pos[k] += dt * b.vel[k];
    }
}

pub fn main(init: std.process.Init) !void {
    const args = try init.minimal.args.toSlice(init.arena.allocator());
    const steps = if (args.len > 1) std.fmt.parseInt(u64, args[1], 10) catch null else null;
    if (steps == null) {
        std.debug.print("usage: nbody STEPS\n", .{});
        std.process.exit(2);
    }
    var buffer: [256]u8 = undefined;
    var stdout: Io.File.Writer = .init(.stdout(), init.io, &buffer);
    const out = &stdout.interface;
    var bodies = system();
    offsetMomentum(&bodies);
    try out.print("{d:.9}\n", .{energy(&bodies)});
    var i: u64 = 0;
    while (i < steps.?) : (i += 1) advance(&bodies, 0.01);
    try out.print("{d:.9}\n", .{energy(&bodies)});
    try out.flush();
}
