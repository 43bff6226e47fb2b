// The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
// first argument (steps), printing the system's energy before and after with nine decimals.
using System.Globalization;

if (args.Length < 1 || !long.TryParse(args[0], out long steps))
{
    Console.Error.WriteLine("usage: nbody STEPS");
    return 2;
}
var bodies = NBody.System();
NBody.OffsetMomentum(bodies);
Console.WriteLine(NBody.Energy(bodies).ToString("F9", CultureInfo.InvariantCulture));
for (long i = 0; i < steps; i++) NBody.Advance(bodies, 0.01);
Console.WriteLine(NBody.Energy(bodies).ToString("F9", CultureInfo.InvariantCulture));
return 0;

sealed class Body
{
    public double X, Y, Z, Vx, Vy, Vz, Mass;

    public Body(double x, double y, double z, double vx, double vy, double vz, double mass)
    {
        X = x; Y = y; Z = z;
        Vx = vx * NBody.DaysPerYear; Vy = vy * NBody.DaysPerYear; Vz = vz * NBody.DaysPerYear;
        Mass = mass * NBody.SolarMass;
    }
}

static class NBody
{
    public const double SolarMass = 4 * Math.PI * Math.PI;
    public const double DaysPerYear = 365.24;

    public static Body[] System() => new[]
    {
        new Body(0, 0, 0, 0, 0, 0, 1),
        // Jupiter
        new Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
            1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
            9.54791938424326609e-04),
        // Saturn
        new Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
            -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
            2.85885980666130812e-04),
        // Uranus
        new Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
            2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
            4.36624404335156298e-05),
        // Neptune
        new Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
            2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
            5.15138902046611451e-05),
    };

    public static void OffsetMomentum(Body[] bodies)
    {
        double px = 0, py = 0, pz = 0;
        foreach (var b in bodies)
        {
            px += b.Vx * b.Mass;
            py += b.Vy * b.Mass;
            pz += b.Vz * b.Mass;
        }
        bodies[0].Vx = -px / SolarMass;
        bodies[0].Vy = -py / SolarMass;
        bodies[0].Vz = -pz / SolarMass;
    }

    public static double Energy(Body[] bodies)
    {
        double e = 0;
        for (int i = 0; i < bodies.Length; i++)
        {
            var b = bodies[i];
            e += 0.5 * b.Mass * (b.Vx * b.Vx + b.Vy * b.Vy + b.Vz * b.Vz);
            for (int j = i + 1; j < bodies.Length; j++)
            {
                var b2 = bodies[j];
                double dx = b.X - b2.X, dy = b.Y - b2.Y, dz = b.Z - b2.Z;
                e -= b.Mass * b2.Mass / Math.Sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    public static void Advance(Body[] bodies, double dt)
    {
        for (int i = 0; i < bodies.Length; i++)
        {
            var b = bodies[i];
            for (int j = i + 1; j < bodies.Length; j++)
            {
                var b2 = bodies[j];
                double dx = b.X - b2.X, dy = b.Y - b2.Y, dz = b.Z - b2.Z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * Math.Sqrt(d2));
                b.Vx -= dx * b2.Mass * mag; b.Vy -= dy * b2.Mass * mag; b.Vz -= dz * b2.Mass * mag;
                b2.Vx += dx * b.Mass * mag; b2.Vy += dy * b.Mass * mag; b2.Vz += dz * b.Mass * mag;
            }
        }
        foreach (var b in bodies)
        {
            b.X += dt * b.Vx;
            b.Y += dt * b.Vy;
            b.Z += dt * b.Vz;
        }
    }
}
