/* A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
 * header block, a blank line and a body on stdout (see samples/contract/wagi). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const variables[] = {
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
    "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
};

/* The value of the first argument `key=value`, or NULL. argv[0] is the request's path. */
static const char *value(int argc, char **argv, const char *key) {
    size_t len = strlen(key);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], key, len) == 0 && argv[i][len] == '=') return argv[i] + len + 1;
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *code = value(argc, argv, "exit");
    if (code) return atoi(code);
    size_t cap = 4096, len = 0;
    char *body = malloc(cap);
    size_t n;
    while (body && (n = fread(body + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) body = realloc(body, cap *= 2);
    }
    if (!body) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    fputs("Content-Type: text/plain\n", stdout);
    const char *status = value(argc, argv, "status");
    if (status) printf("Status: %s\n", status);
    const char *location = value(argc, argv, "location");
    if (location) printf("Location: %s\n", location);
    fputs("\n", stdout);
    for (size_t i = 0; i < sizeof variables / sizeof *variables; i++) {
        const char *v = getenv(variables[i]);
        printf("%s=%s\n", variables[i], v ? v : "");
    }
    printf("args=%d\n", argc - 1);
    for (int i = 1; i < argc; i++) printf("arg=%s\n", argv[i]);
    printf("body=%zu bytes\n", len);
    fwrite(body, 1, len, stdout);
    free(body);
    return 0;
}
