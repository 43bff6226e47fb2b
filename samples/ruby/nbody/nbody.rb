# The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
# first argument (steps), printing the system's energy before and after with nine decimals.

SOLAR_MASS = 4 * Math::PI * Math::PI
DAYS_PER_YEAR = 365.24

class Body
  attr_accessor :x, :y, :z, :vx, :vy, :vz
  attr_reader :mass

  def initialize(pos, vel, mass)
    @x, @y, @z = pos
    @vx, @vy, @vz = vel.map { |v| v * DAYS_PER_YEAR }
    @mass = mass * SOLAR_MASS
  end
end

def solar_system
  [
    Body.new([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 1.0),
    # Jupiter
    Body.new([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
             [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
             9.54791938424326609e-04),
    # Saturn
    Body.new([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
             [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
             2.85885980666130812e-04),
    # Uranus
    Body.new([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
             [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
             4.36624404335156298e-05),
    # Neptune
    Body.new([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
             [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
             5.15138902046611451e-05),
  ]
end

def offset_momentum(bodies)
  px = py = pz = 0.0
  bodies.each do |b|
    px += b.vx * b.mass
    py += b.vy * b.mass
    pz += b.vz * b.mass
  end
  sun = bodies.first
  sun.vx = -px / SOLAR_MASS
  sun.vy = -py / SOLAR_MASS
  sun.vz = -pz / SOLAR_MASS
end

def energy(bodies)
  e = 0.0
  bodies.each_with_index do |b, i|
    e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
    bodies[(i + 1)..].each do |b2|
      dx = b.x - b2.x
      dy = b.y - b2.y
      dz = b.z - b2.z
      e -= b.mass * b2.mass / Math.sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  e
end

def advance(bodies, pairs, dt)
  pairs.each do |b1, b2|
    dx = b1.x - b2.x
    dy = b1.y - b2.y
    dz = b1.z - b2.z
    d2 = dx * dx + dy * dy + dz * dz
    mag = dt / (d2 * Math.sqrt(d2))
    m1 = b1.mass * mag
    m2 = b2.mass * mag
    b1.vx -= dx * m2
    b1.vy -= dy * m2
    b1.vz -= dz * m2
    b2.vx += dx * m1
    b2.vy += dy * m1
    b2.vz += dz * m1
  end
  bodies.each do |b|
    b.x += dt * b.vx
    b.y += dt * b.vy
    b.z += dt * b.vz
  end
end

steps = Integer(ARGV[0], exception: false)
unless steps
  warn "usage: nbody STEPS"
  exit 2
end
bodies = solar_system
offset_momentum(bodies)
pairs = bodies.combination(2).to_a
puts format("%.9f", energy(bodies))
steps.times { advance(bodies, pairs, 0.01) }
puts format("%.9f", energy(bodies))
