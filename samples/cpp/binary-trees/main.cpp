// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded, with one heap allocation per node owned by
// std::unique_ptr (operator new and delete, that is malloc and free, for every node).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string_view>

namespace {

// A perfect tree of the given depth, built by its constructor: each child is made in place in its
// member (a function returning the std::unique_ptr would pass it back through memory at every
// level, which costs Wasm a third more time here).
struct Tree {
    explicit Tree(int depth)
        : left(depth > 0 ? std::make_unique<Tree>(depth - 1) : nullptr),
          right(depth > 0 ? std::make_unique<Tree>(depth - 1) : nullptr) {}

    std::unique_ptr<Tree> left, right;
};

std::unique_ptr<Tree> bottom_up(int depth) { return std::make_unique<Tree>(depth); }

std::int64_t check(const Tree &tree) {
    return tree.left ? 1 + check(*tree.left) + check(*tree.right) : 1;
}

// The whole argument as a non-negative decimal integer, or nothing.
bool parse(std::string_view text, int &value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && value >= 0;
}

} // namespace

int main(int argc, char **argv) {
    int n = 0;
    if (argc < 2 || !parse(argv[1], n)) {
        std::cerr << "usage: binary-trees MAX_DEPTH\n";
        return 2;
    }
    constexpr int min_depth = 4;
    const int max_depth = std::max(n, min_depth + 2);

    const int stretch = max_depth + 1;
    std::cout << "stretch tree of depth " << stretch << "\t check: " << check(*bottom_up(stretch))
              << '\n';

    auto long_lived = bottom_up(max_depth);
    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        const std::int64_t iterations = std::int64_t{1} << (max_depth - depth + min_depth);
        std::int64_t sum = 0;
        for (std::int64_t i = 0; i < iterations; ++i) sum += check(*bottom_up(depth));
        std::cout << iterations << "\t trees of depth " << depth << "\t check: " << sum << '\n';
    }
    std::cout << "long lived tree of depth " << max_depth << "\t check: " << check(*long_lived)
              << '\n';
    return 0;
}
