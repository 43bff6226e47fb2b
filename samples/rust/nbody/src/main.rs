//! The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
//! first argument (steps), printing the system's energy before and after with nine decimals.

use std::f64::consts::PI;

const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

fn bodies() -> [Body; 5] {
    let body = |pos: [f64; 3], vel: [f64; 3], mass: f64| Body {
        pos,
        vel: vel.map(|v| v * DAYS_PER_YEAR),
        mass: mass * SOLAR_MASS,
    };
    [
        body([0.0; 3], [0.0; 3], 1.0),
        // Jupiter
        body(
            [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
            [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
            9.54791938424326609e-04,
        ),
        // Saturn
        body(
            [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
            [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
            2.85885980666130812e-04,
        ),
        // Uranus
        body(
            [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
            [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
            4.36624404335156298e-05,
        ),
        // Neptune
        body(
            [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
            [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
            5.15138902046611451e-05,
        ),
    ]
}

fn offset_momentum(bodies: &mut [Body; 5]) {
    let mut p = [0.0; 3];
    for b in bodies.iter() {
        for k in 0..3 {
            p[k] += b.vel[k] * b.mass;
        }
    }
    for k in 0..3 {
        bodies[0].vel[k] = -p[k] / SOLAR_MASS;
    }
}

fn energy(bodies: &[Body; 5]) -> f64 {
    let mut e = 0.0;
    for i in 0..bodies.len() {
        let b = &bodies[i];
        e += 0.5 * b.mass * b.vel.iter().map(|v| v * v).sum::<f64>();
        for b2 in &bodies[i + 1..] {
            let d2: f64 = (0..3).map(|k| (b.pos[k] - b2.pos[k]).powi(2)).sum();
            e -= b.mass * b2.mass / d2.sqrt();
        }
    }
    e
}

fn advance(bodies: &mut [Body; 5], dt: f64) {
    for i in 0..bodies.len() {
        let (left, right) = bodies.split_at_mut(i + 1);
        let b = &mut left[i];
        for b2 in right.iter_mut() {
            let d = [b.pos[0] - b2.pos[0], b.pos[1] - b2.pos[1], b.pos[2] - b2.pos[2]];
            let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let mag = dt / (d2 * d2.sqrt());
            for k in 0..3 {
                b.vel[k] -= d[k] * b2.mass * mag;
                b2.vel[k] += d[k] * b.mass * mag;
            }
        }
    }
    for b in bodies.iter_mut() {
        for k in 0..3 {
            b.pos[k] += dt * b.vel[k];
        }
    }
}

fn main() {
    let steps: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: nbody STEPS");
            std::process::exit(2);
        }
    };
    let mut system = bodies();
    offset_momentum(&mut system);
    println!("{:.9}", energy(&system));
    for _ in 0..steps {
        advance(&mut system, 0.01);
    }
    println!("{:.9}", energy(&system));
}
