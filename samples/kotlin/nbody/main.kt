// The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
// first argument (steps), printing the system's energy before and after with nine decimals.

import kotlin.math.PI
import kotlin.math.sqrt

private const val SOLAR_MASS = 4 * PI * PI
private const val DAYS_PER_YEAR = 365.24

private class Body(
    var x: Double, var y: Double, var z: Double,
    vx: Double, vy: Double, vz: Double,
    mass: Double,
) {
    var vx = vx * DAYS_PER_YEAR
    var vy = vy * DAYS_PER_YEAR
    var vz = vz * DAYS_PER_YEAR
    val mass = mass * SOLAR_MASS
}

private fun system() = arrayOf(
    Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    // Jupiter
    Body(
        4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
        1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
        9.54791938424326609e-04,
    ),
    // Saturn
    Body(
        8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
        -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
        2.85885980666130812e-04,
    ),
    // Uranus
    Body(
        1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
        2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
        4.36624404335156298e-05,
    ),
    // Neptune
    Body(
        1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
        2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
        5.15138902046611451e-05,
    ),
)

private fun offsetMomentum(bodies: Array<Body>) {
    var px = 0.0
    var py = 0.0
    var pz = 0.0
    for (b in bodies) {
        px += b.vx * b.mass
        py += b.vy * b.mass
        pz += b.vz * b.mass
    }
    bodies[0].vx = -px / SOLAR_MASS
    bodies[0].vy = -py / SOLAR_MASS
    bodies[0].vz = -pz / SOLAR_MASS
}

private fun energy(bodies: Array<Body>): Double {
    var e = 0.0
    for (i in bodies.indices) {
        val b = bodies[i]
        e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
        for (j in i + 1 until bodies.size) {
            val b2 = bodies[j]
            val dx = b.x - b2.x
            val dy = b.y - b2.y
            val dz = b.z - b2.z
            e -= b.mass * b2.mass / sqrt(dx * dx + dy * dy + dz * dz)
        }
    }
    return e
}

private fun advance(bodies: Array<Body>, dt: Double) {
    for (i in bodies.indices) {
        val b = bodies[i]
        for (j in i + 1 until bodies.size) {
            val b2 = bodies[j]
            val dx = b.x - b2.x
            val dy = b.y - b2.y
            val dz = b.z - b2.z
            val d2 = dx * dx + dy * dy + dz * dz
            val mag = dt / (d2 * sqrt(d2))
            b.vx -= dx * b2.mass * mag
            b.vy -= dy * b2.mass * mag
            b.vz -= dz * b2.mass * mag
            b2.vx += dx * b.mass * mag
            b2.vy += dy * b.mass * mag
            b2.vz += dz * b.mass * mag
        }
    }
    for (b in bodies) {
        b.x += dt * b.vx
        b.y += dt * b.vy
        b.z += dt * b.vz
    }
}

fun main() {
    val steps = Wasi.args().getOrNull(1)?.toLongOrNull()
    if (steps == null) {
        Wasi.print(2, "usage: nbody STEPS\n")
        Wasi.exit(2)
    }
    val bodies = system()
    offsetMomentum(bodies)
    println(fixed9(energy(bodies)))
    for (i in 0 until steps) advance(bodies, 0.01)
    println(fixed9(energy(bodies)))
}
