// The n-body kernel (floating point): the Computer Language Benchmarks Game program, sized by its
// first argument (steps), printing the system's energy before and after with nine decimals.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <numbers>
#include <string_view>

namespace {

constexpr double solar_mass = 4 * std::numbers::pi * std::numbers::pi;
constexpr double days_per_year = 365.24;

struct Body {
    double x, y, z, vx, vy, vz, mass;
};

class System {
public:
    System() {
        for (Body &b : bodies_) {
            b.vx *= days_per_year;
            b.vy *= days_per_year;
            b.vz *= days_per_year;
            b.mass *= solar_mass;
        }
        double px = 0, py = 0, pz = 0;
        for (const Body &b : bodies_) {
            px += b.vx * b.mass;
            py += b.vy * b.mass;
            pz += b.vz * b.mass;
        }
        Body &sun = bodies_[0];
        sun.vx = -px / solar_mass;
        sun.vy = -py / solar_mass;
        sun.vz = -pz / solar_mass;
    }

    double energy() const {
        double e = 0;
        for (std::size_t i = 0; i < bodies_.size(); ++i) {
            const Body &b = bodies_[i];
            e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
            for (std::size_t j = i + 1; j < bodies_.size(); ++j) {
                const Body &b2 = bodies_[j];
                double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
                e -= b.mass * b2.mass / std::sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    void advance(double dt) {
        for (std::size_t i = 0; i < bodies_.size(); ++i) {
            Body &b = bodies_[i];
            for (std::size_t j = i + 1; j < bodies_.size(); ++j) {
                Body &b2 = bodies_[j];
                double dx = b.x - b2.x, dy = b.y - b2.y, dz = b.z - b2.z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * std::sqrt(d2));
                b.vx -= dx * b2.mass * mag;
                b.vy -= dy * b2.mass * mag;
                b.vz -= dz * b2.mass * mag;
                b2.vx += dx * b.mass * mag;
                b2.vy += dy * b.mass * mag;
                b2.vz += dz * b.mass * mag;
            }
        }
        for (Body &b : bodies_) {
            b.x += dt * b.vx;
            b.y += dt * b.vy;
            b.z += dt * b.vz;
        }
    }

private:
    std::array<Body, 5> bodies_{{
        {0, 0, 0, 0, 0, 0, 1},
        // Jupiter
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
         9.54791938424326609e-04},
        // Saturn
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
         2.85885980666130812e-04},
        // Uranus
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
         4.36624404335156298e-05},
        // Neptune
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
         5.15138902046611451e-05},
    }};
};

// The whole argument as a non-negative decimal integer, or nothing.
bool parse(std::string_view text, std::int64_t &value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && value >= 0;
}

} // namespace

int main(int argc, char **argv) {
    std::int64_t steps = 0;
    if (argc < 2 || !parse(argv[1], steps)) {
        std::cerr << "usage: nbody STEPS\n";
        return 2;
    }
    System system;
    std::cout << std::fixed << std::setprecision(9) << system.energy() << '\n';
    for (std::int64_t i = 0; i < steps; ++i) system.advance(0.01);
    std::cout << system.energy() << '\n';
    return 0;
}
