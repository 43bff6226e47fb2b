// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

int main() {
    std::cout << "Hello, Wasm!\n";
    const char *path = "/helloworld/helloworld.txt";
    std::ofstream file(path);
    file << "Hello world!\n";
    file.close();
    if (!file) {
        std::cerr << "cannot write " << path << ": " << std::strerror(errno) << '\n';
        return 1;
    }
    std::cout << "Created helloworld.txt\n";
    return 0;
}
