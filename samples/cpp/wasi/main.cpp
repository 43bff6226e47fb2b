// One WASI preview 1 capability per invocation, named by the first argument, printing the same
// lines as every other language's version of this sample (see samples/contract/wasi).
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
//
// Files go through iostreams. Debian's libc++ for wasm32-wasi is built without <filesystem>
// (LIBCXX_ENABLE_FILESYSTEM off) and without threads (no <thread>, so no this_thread::sleep_for),
// so directories, stat, the environment and the sleep use wasi-libc's POSIX layer instead.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

namespace {

// The variable the harness sets in its own environment, never in a guest's: a guest must not see it.
constexpr const char *host_secret = "WASM_HARNESS_HOST_SECRET";

int fail(std::string_view what) {
    std::cerr << what << ": " << std::strerror(errno) << '\n';
    return 1;
}

bool write_file(const std::string &path, std::string_view text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    return bool(out);
}

bool exists(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

const char *presence(const std::string &path) { return exists(path) ? "exists" : "absent"; }

} // namespace

// The capabilities, one function each, in a namespace of their own: several share a name with a
// libc function (clock, random, rename, ...).
namespace cap {

int args(std::span<char *const> rest) {
    std::cout << "argc=" << rest.size() << '\n';
    for (std::size_t i = 0; i < rest.size(); ++i) std::cout << "arg[" << i << "]=" << rest[i] << '\n';
    return 0;
}

int env() {
    std::vector<std::string> vars;
    for (char **var = environ; *var; ++var) vars.emplace_back(*var);
    std::sort(vars.begin(), vars.end());
    for (const auto &var : vars) std::cout << var << '\n';
    return 0;
}

int clock() {
    using namespace std::chrono;
    const auto realtime = duration_cast<seconds>(system_clock::now().time_since_epoch());
    std::cout << "realtime_s=" << realtime.count() << '\n';
    const auto first = steady_clock::now();
    const auto second = steady_clock::now();
    std::cout << "monotonic: " << (second >= first ? "non-decreasing" : "WENT BACKWARDS") << '\n';
    const timespec ten_ms = {0, 10'000'000};
    ::nanosleep(&ten_ms, nullptr);
    const bool slept = steady_clock::now() - first >= milliseconds(10);
    std::cout << "sleep 10ms: " << (slept ? "elapsed" : "TOO SHORT") << '\n';
    return 0;
}

int random() {
    // libc++'s random_device reads getentropy, which is WASI's random_get.
    std::random_device device;
    auto draw = [&device] {
        std::array<std::random_device::result_type, 32 / sizeof(std::random_device::result_type)> words;
        std::generate(words.begin(), words.end(), std::ref(device));
        return words;
    };
    const auto a = draw(), b = draw();
    const bool zero = std::all_of(a.begin(), a.end(), [](auto word) { return word == 0; });
    std::cout << "random: 32 bytes, " << (a != b && !zero ? "two draws differ" : "DRAWS EQUAL") << '\n';
    return 0;
}

int file() {
    const std::string path = "/data/file.txt";
    if (!write_file(path, "0123456789\n")) return fail("write");
    std::cout << "write: 11 bytes\n";
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    if (!file) return fail("open");
    std::string all{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    while (!all.empty() && all.back() == '\n') all.pop_back();
    std::cout << "read: " << all << '\n';
    file.clear();  // reading to the end set eofbit
    std::string three(3, '\0');
    if (!file.seekg(4) || !file.read(three.data(), 3)) return fail("read");
    std::cout << "seek 4, read 3: " << three << '\n';
    if (!file.seekg(0, std::ios::end)) return fail("seek");
    std::cout << "seek end: " << file.tellg() << '\n';
    file << "appended\n";
    file.close();
    if (!file) return fail("close");
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return fail("stat");
    std::cout << "size: " << st.st_size << '\n';
    return 0;
}

int readdir() {
    DIR *dir = ::opendir("/fixture");
    if (!dir) return fail("opendir");
    std::vector<std::string> names;
    while (const dirent *entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        if (entry->d_type == DT_DIR) name += '/';
        names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto &name : names) std::cout << name << '\n';
    return 0;
}

int rename() {
    if (!write_file("/data/old.txt", "renamed\n")) return fail("write");
    if (std::rename("/data/old.txt", "/data/new.txt") != 0) return fail("rename");
    std::cout << "old.txt: " << presence("/data/old.txt") << '\n';
    std::cout << "new.txt: " << presence("/data/new.txt") << '\n';
    return 0;
}

int unlink() {
    if (!write_file("/data/doomed.txt", "gone\n")) return fail("write");
    std::cout << "before: " << presence("/data/doomed.txt") << '\n';
    if (std::remove("/data/doomed.txt") != 0) return fail("unlink");
    std::cout << "after: " << presence("/data/doomed.txt") << '\n';
    return 0;
}

int mkdir() {
    if (::mkdir("/data/made", 0755) != 0 || ::mkdir("/data/made/inner", 0755) != 0) return fail("mkdir");
    std::cout << "mkdir: " << presence("/data/made/inner") << '\n';
    if (::rmdir("/data/made/inner") != 0) return fail("rmdir");
    std::cout << "rmdir: " << presence("/data/made/inner") << '\n';
    if (::mkdir("/data/kept", 0755) != 0) return fail("mkdir");
    return 0;
}

int copy_stdin() {
    // Copies every byte; an empty input extracts nothing, which is no error here.
    if (std::cin.peek() != std::char_traits<char>::eof()) std::cout << std::cin.rdbuf();
    return std::cin.bad() ? fail("stdin") : 0;
}

int exit(std::span<char *const> rest) {
    int code = 3;
    if (!rest.empty()) {
        std::string_view text = rest[0];
        int parsed = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec == std::errc() && end == text.data() + text.size()) code = parsed;
    }
    std::cout << "exiting with " << code << std::endl;
    std::exit(code);
}

int both_streams() {
    std::cout << "to stdout" << std::endl;
    std::cerr << "to stderr\n";
    return 0;
}

int sandbox_open(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cout << "open " << path << ": denied\n";
        return 0;
    }
    const auto total = std::distance(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::cout << "open " << path << ": ALLOWED (" << total << " bytes read)\n";
    return 0;
}

int sandbox_env() {
    if (const char *value = std::getenv(host_secret))
        std::cout << "env " << host_secret << ": ALLOWED (" << value << ")\n";
    else
        std::cout << "env " << host_secret << ": denied\n";
    return 0;
}

} // namespace cap

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: wasi CAPABILITY [ARGS...]\n";
        return 2;
    }
    const std::string_view capability = argv[1];
    const std::span<char *const> rest(argv + 2, argv + argc);
    if (capability == "args") return cap::args(rest);
    if (capability == "env") return cap::env();
    if (capability == "clock") return cap::clock();
    if (capability == "random") return cap::random();
    if (capability == "file") return cap::file();
    if (capability == "readdir") return cap::readdir();
    if (capability == "rename") return cap::rename();
    if (capability == "unlink") return cap::unlink();
    if (capability == "mkdir") return cap::mkdir();
    if (capability == "stdin") return cap::copy_stdin();
    if (capability == "exit") return cap::exit(rest);
    if (capability == "stderr") return cap::both_streams();
    if (capability == "sandbox-host-path") return cap::sandbox_open("/etc/passwd");
    if (capability == "sandbox-dotdot") return cap::sandbox_open("/sandbox/../etc/passwd");
    if (capability == "sandbox-env") return cap::sandbox_env();
    std::cerr << "unknown capability: " << capability << '\n';
    return 2;
}
