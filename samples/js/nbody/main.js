// The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
// first argument (steps), printing the system's energy before and after with nine decimals
// (toFixed(9) rounds the exact double as printf's "%.9f" does).
//
// Everything happens inside `run`: componentize-js runs top-level code once, at build time.
import { getArguments } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';

const SOLAR_MASS = 4 * Math.PI * Math.PI;
const DAYS_PER_YEAR = 365.24;

class Body {
  constructor([x, y, z], [vx, vy, vz], mass) {
    this.x = x;
    this.y = y;
    this.z = z;
    this.vx = vx * DAYS_PER_YEAR;
    this.vy = vy * DAYS_PER_YEAR;
    this.vz = vz * DAYS_PER_YEAR;
    this.mass = mass * SOLAR_MASS;
  }
}

const makeBodies = () => [
  new Body([0, 0, 0], [0, 0, 0], 1),
  // Jupiter
  new Body(
    [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
    [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
    9.54791938424326609e-04,
  ),
  // Saturn
  new Body(
    [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
    [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
    2.85885980666130812e-04,
  ),
  // Uranus
  new Body(
    [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
    [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
    4.36624404335156298e-05,
  ),
  // Neptune
  new Body(
    [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
    [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
    5.15138902046611451e-05,
  ),
];

function offsetMomentum(bodies) {
  let px = 0;
  let py = 0;
  let pz = 0;
  for (const b of bodies) {
    px += b.vx * b.mass;
    py += b.vy * b.mass;
    pz += b.vz * b.mass;
  }
  const sun = bodies[0];
  sun.vx = -px / SOLAR_MASS;
  sun.vy = -py / SOLAR_MASS;
  sun.vz = -pz / SOLAR_MASS;
}

function energy(bodies) {
  let e = 0;
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i];
    e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
    for (let j = i + 1; j < bodies.length; j++) {
      const b2 = bodies[j];
      const dx = b.x - b2.x;
      const dy = b.y - b2.y;
      const dz = b.z - b2.z;
      e -= (b.mass * b2.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

// The body in the outer loop lives in locals for its inner loop (fewer property accesses, which
// count in StarlingMonkey's interpreter); every product is still taken in the C program's order.
function advance(bodies, dt) {
  const n = bodies.length;
  for (let i = 0; i < n; i++) {
    const b = bodies[i];
    const { x, y, z, mass } = b;
    let { vx, vy, vz } = b;
    for (let j = i + 1; j < n; j++) {
      const b2 = bodies[j];
      const dx = x - b2.x;
      const dy = y - b2.y;
      const dz = z - b2.z;
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      const mass2 = b2.mass;
      vx -= dx * mass2 * mag;
      vy -= dy * mass2 * mag;
      vz -= dz * mass2 * mag;
      b2.vx += dx * mass * mag;
      b2.vy += dy * mass * mag;
      b2.vz += dz * mass * mag;
    }
    b.vx = vx;
    b.vy = vy;
    b.vz = vz;
  }
  for (const b of bodies) {
    b.x += dt * b.vx;
    b.y += dt * b.vy;
    b.z += dt * b.vz;
  }
}

function main(args) {
  if (args.length < 1 || !/^\d+$/.test(args[0])) {
    console.error('usage: nbody STEPS');
    return 2;
  }
  const steps = Number(args[0]);
  const bodies = makeBodies();
  offsetMomentum(bodies);
  console.log(energy(bodies).toFixed(9));
  for (let i = 0; i < steps; i++) advance(bodies, 0.01);
  console.log(energy(bodies).toFixed(9));
  return 0;
}

export const run = {
  run() {
    let status;
    try {
      status = main(getArguments().slice(1));
    } catch (e) {
      // Uncaught, the exception would end the run with status 1 and no message at all.
      console.error(`nbody: ${e?.message ?? String(e)}`);
      if (e instanceof Error && e.stack) console.error(e.stack.trimEnd());
      status = 1;
    }
    if (status !== 0) exitWithCode(status);
  },
};
