// A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
// header block, a blank line and a body on stdout (see samples/contract/wagi).
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    // argv[0] is the request's path; the query's parts follow.
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto value = [&](const std::string &key) -> std::optional<std::string> {
        for (const auto &a : args) {
            if (a.rfind(key + "=", 0) == 0) return a.substr(key.size() + 1);
        }
        return std::nullopt;
    };
    if (auto code = value("exit")) return std::atoi(code->c_str());
    std::cin >> std::noskipws;
    const std::string body{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::string out = "Content-Type: text/plain\n";
    if (auto status = value("status")) out += "Status: " + *status + "\n";
    if (auto location = value("location")) out += "Location: " + *location + "\n";
    out += "\n";
    for (const char *name : {"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
                             "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST"}) {
        const char *v = std::getenv(name);
        out += std::string(name) + "=" + (v ? v : "") + "\n";
    }
    out += "args=" + std::to_string(args.size()) + "\n";
    for (const auto &a : args) out += "arg=" + a + "\n";
    out += "body=" + std::to_string(body.size()) + " bytes\n";
    std::cout << out << body << std::flush;
    return 0;
}
