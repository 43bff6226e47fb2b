// The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
// first argument (steps), printing the system's energy before and after with nine decimals.
//
// AssemblyScript's `f64.toString()` prints the shortest round-trip form, not C's `%.9f`, so
// `toFixed` below rounds the exact binary value to nine decimals (half to even), as printf does.

const PI = 3.141592653589793;
const SOLAR_MASS = 4 * PI * PI;
const DAYS_PER_YEAR = 365.24;

class Body {
  constructor(
    public x: f64, public y: f64, public z: f64,
    public vx: f64, public vy: f64, public vz: f64,
    public mass: f64
  ) {}
}

const bodies: StaticArray<Body> = [
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
];

function scale(): void {
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i];
    b.vx *= DAYS_PER_YEAR;
    b.vy *= DAYS_PER_YEAR;
    b.vz *= DAYS_PER_YEAR;
    b.mass *= SOLAR_MASS;
  }
}

function offsetMomentum(): void {
  let px = 0.0, py = 0.0, pz = 0.0;
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i];
    px += b.vx * b.mass;
    py += b.vy * b.mass;
    pz += b.vz * b.mass;
  }
  const sun = bodies[0];
  sun.vx = -px / SOLAR_MASS;
  sun.vy = -py / SOLAR_MASS;
  sun.vz = -pz / SOLAR_MASS;
}

function energy(): f64 {
  let e = 0.0;
  const n = bodies.length;
  for (let i = 0; i < n; i++) {
    const b = bodies[i];
    e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
    for (let j = i + 1; j < n; j++) {
      const b2 = bodies[j];
      const dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
      e -= b.mass * b2.mass / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

function advance(dt: f64): void {
  const n = bodies.length;
  for (let i = 0; i < n; i++) {
    const b = bodies[i];
    for (let j = i + 1; j < n; j++) {
      const b2 = bodies[j];
      const dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      b.vx -= dx * b2.mass * mag;
      b.vy -= dy * b2.mass * mag;
      b.vz -= dz * b2.mass * mag;
      b2.vx += dx * b.mass * mag;
      b2.vy += dy * b.mass * mag;
      b2.vz += dz * b.mass * mag;
    }
  }
  for (let i = 0; i < n; i++) {
    const b = bodies[i];
    b.x += dt * b.vx;
    b.y += dt * b.vy;
    b.z += dt * b.vz;
  }
}

/** `x` with `digits` decimals, rounded like C's `printf("%.*f")`: from the exact binary value,
 * ties to even. The value is `mantissa * 2^exponent`; the digits are the integer
 * `round(mantissa * 10^digits / 2^-exponent)`, computed in arbitrary precision (32-bit limbs). */
function toFixed(x: f64, digits: i32): string {
  const bits = reinterpret<u64>(x);
  const sign = <i64>bits < 0 ? "-" : "";
  const biased = <i32>(bits >> 52) & 0x7ff;
  let mantissa = bits & 0xfffffffffffff;
  if (biased == 0x7ff) return mantissa != 0 ? "nan" : sign + "inf";
  let exponent = -1074;
  if (biased != 0) {
    mantissa |= 1 << 52;
    exponent = biased - 1075;
  }
  const n = [<u32>mantissa, <u32>(mantissa >> 32)];
  for (let i = 0; i < digits; i++) mulAdd(n, 10, 0);
  if (exponent >= 0) {
    for (let i = 0; i < exponent; i++) mulAdd(n, 2, 0);
  } else {
    // Split off the `-exponent` low bits: the first is the half, the rest decide a tie.
    const shift = -exponent;
    const half = bit(n, shift - 1);
    let below = false;
    for (let i = 0; i < shift - 1 && !below; i++) below = bit(n, i);
    shiftRight(n, shift);
    if (half && (below || (n[0] & 1) != 0)) mulAdd(n, 1, 1);
  }
  // Decimal digits, least significant first, at least one before the point.
  let text = "";
  do {
    const rem = divide(n, 10);
    text = String.fromCharCode(0x30 + rem) + text;
  } while (!isZero(n) || text.length <= digits);
  const point = text.length - digits;
  return sign + text.substring(0, point) + (digits > 0 ? "." + text.substring(point) : "");
}

/** n = n * factor + carry. */
function mulAdd(n: u32[], factor: u32, carry: u32): void {
  let c = <u64>carry;
  for (let i = 0; i < n.length; i++) {
    c += <u64>n[i] * factor;
    n[i] = <u32>c;
    c >>= 32;
  }
  if (c != 0) n.push(<u32>c);
}

/** n = n / divisor; returns the remainder. */
function divide(n: u32[], divisor: u32): u32 {
  let rem: u64 = 0;
  for (let i = n.length - 1; i >= 0; i--) {
    const cur = (rem << 32) | n[i];
    n[i] = <u32>(cur / divisor);
    rem = cur % divisor;
  }
  return <u32>rem;
}

function bit(n: u32[], index: i32): bool {
  const limb = index >> 5;
  return limb < n.length && ((n[limb] >> (index & 31)) & 1) != 0;
}

function shiftRight(n: u32[], count: i32): void {
  const limbs = count >> 5, bits = count & 31;
  for (let i = 0; i < n.length; i++) {
    const lo = i + limbs < n.length ? n[i + limbs] : 0;
    const hi = i + limbs + 1 < n.length ? n[i + limbs + 1] : 0;
    n[i] = bits == 0 ? lo : (lo >>> bits) | (hi << (32 - bits));
  }
}

function isZero(n: u32[]): bool {
  for (let i = 0; i < n.length; i++) if (n[i] != 0) return false;
  return true;
}

/** A non-negative decimal integer, or -1 when `s` is not one. */
function parseCount(s: string): i64 {
  if (s.length == 0 || s.length > 18) return -1;
  let value: i64 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Where a component adapter takes its memory. Made a WASI 0.2 component with the preview 1
 * adapter, the module would otherwise have the adapter grow the memory for its own state, and
 * AssemblyScript's allocator, set up at the first allocation, claims every page the memory has by
 * then: when a WASI call comes first (reading `process.argv` here), both use that page. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return ptr == 0 ? heap.alloc(newSize) : heap.realloc(ptr, newSize);
}

const steps = process.argv.length > 1 ? parseCount(process.argv[1]) : -1;
if (steps < 0) {
  process.stderr.write("usage: nbody STEPS\n");
  process.exit(2);
}
scale();
offsetMomentum();
process.stdout.write(toFixed(energy(), 9) + "\n");
for (let i: i64 = 0; i < steps; i++) advance(0.01);
process.stdout.write(toFixed(energy(), 9) + "\n");
