/* One WASI preview 1 capability per invocation, named by the first argument, printing the same
 * lines as every other language's version of this sample (see samples/contract/wasi), through
 * wasi-libc's POSIX layer.
 *
 * The sandbox capabilities try something a runtime must refuse when it was not granted, and print
 * `denied` when it was refused and `ALLOWED` (with what leaked) when it was not. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The variable the harness sets in its own environment, never in a guest's. */
#define HOST_SECRET "WASM_HARNESS_HOST_SECRET"

static int fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    return 1;
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int env(void) {
    size_t n = 0;
    while (environ[n]) n++;
    char **vars = malloc((n + 1) * sizeof *vars);
    memcpy(vars, environ, n * sizeof *vars);
    qsort(vars, n, sizeof *vars, cmp);
    for (size_t i = 0; i < n; i++) printf("%s\n", vars[i]);
    free(vars);
    return 0;
}

static double seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int clock_(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return fail("clock_gettime");
    printf("realtime_s=%lld\n", (long long)now.tv_sec);
    double first = seconds(CLOCK_MONOTONIC);
    double second = seconds(CLOCK_MONOTONIC);
    printf("monotonic: %s\n", second >= first ? "non-decreasing" : "WENT BACKWARDS");
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
    printf("sleep 10ms: %s\n", seconds(CLOCK_MONOTONIC) - first >= 0.010 ? "elapsed" : "TOO SHORT");
    return 0;
}

static int random_(void) {
    unsigned char a[32], b[32], zero[32] = {0};
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) return fail("getentropy");
    int differ = memcmp(a, b, sizeof a) != 0 && memcmp(a, zero, sizeof a) != 0;
    printf("random: 32 bytes, %s\n", differ ? "two draws differ" : "DRAWS EQUAL");
    return 0;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static int file(void) {
    const char *path = "/data/file.txt";
    if (write_file(path, "0123456789\n") != 0) return fail("write");
    printf("write: 11 bytes\n");
    FILE *f = fopen(path, "r+");
    if (!f) return fail("open");
    char all[64] = {0};
    size_t n = fread(all, 1, sizeof all - 1, f);
    while (n > 0 && all[n - 1] == '\n') all[--n] = '\0';
    printf("read: %s\n", all);
    if (fseek(f, 4, SEEK_SET) != 0) return fail("seek");
    char three[4] = {0};
    if (fread(three, 1, 3, f) != 3) return fail("read");
    printf("seek 4, read 3: %s\n", three);
    if (fseek(f, 0, SEEK_END) != 0) return fail("seek");
    printf("seek end: %ld\n", ftell(f));
    fputs("appended\n", f);
    if (fclose(f) != 0) return fail("close");
    struct stat st;
    if (stat(path, &st) != 0) return fail("stat");
    printf("size: %lld\n", (long long)st.st_size);
    return 0;
}

static int readdir_(void) {
    DIR *dir = opendir("/fixture");
    if (!dir) return fail("opendir");
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 256) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t len = strlen(e->d_name);
        names[n] = malloc(len + 2);
        strcpy(names[n], e->d_name);
        if (e->d_type == DT_DIR) strcat(names[n], "/");
        n++;
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", names[i]);
        free(names[i]);
    }
    return 0;
}

static const char *exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? "exists" : "absent";
}

static int rename_(void) {
    if (write_file("/data/old.txt", "renamed\n") != 0) return fail("write");
    if (rename("/data/old.txt", "/data/new.txt") != 0) return fail("rename");
    printf("old.txt: %s\n", exists("/data/old.txt"));
    printf("new.txt: %s\n", exists("/data/new.txt"));
    return 0;
}

static int unlink_(void) {
    if (write_file("/data/doomed.txt", "gone\n") != 0) return fail("write");
    printf("before: %s\n", exists("/data/doomed.txt"));
    if (unlink("/data/doomed.txt") != 0) return fail("unlink");
    printf("after: %s\n", exists("/data/doomed.txt"));
    return 0;
}

static int mkdir_(void) {
    if (mkdir("/data/made", 0755) != 0) return fail("mkdir");
    if (mkdir("/data/made/inner", 0755) != 0) return fail("mkdir");
    printf("mkdir: %s\n", exists("/data/made/inner"));
    if (rmdir("/data/made/inner") != 0) return fail("rmdir");
    printf("rmdir: %s\n", exists("/data/made/inner"));
    if (mkdir("/data/kept", 0755) != 0) return fail("mkdir");
    return 0;
}

static int stdin_(void) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
    return ferror(stdin) ? fail("stdin") : 0;
}

static int sandbox_open(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("open %s: denied\n", path);
        return 0;
    }
    char buf[4096];
    size_t total = 0, n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) total += n;
    fclose(f);
    printf("open %s: ALLOWED (%zu bytes read)\n", path, total);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: wasi CAPABILITY [ARGS...]\n");
        return 2;
    }
    const char *cap = argv[1];
    if (strcmp(cap, "args") == 0) {
        printf("argc=%d\n", argc - 2);
        for (int i = 2; i < argc; i++) printf("arg[%d]=%s\n", i - 2, argv[i]);
        return 0;
    }
    if (strcmp(cap, "env") == 0) return env();
    if (strcmp(cap, "clock") == 0) return clock_();
    if (strcmp(cap, "random") == 0) return random_();
    if (strcmp(cap, "file") == 0) return file();
    if (strcmp(cap, "readdir") == 0) return readdir_();
    if (strcmp(cap, "rename") == 0) return rename_();
    if (strcmp(cap, "unlink") == 0) return unlink_();
    if (strcmp(cap, "mkdir") == 0) return mkdir_();
    if (strcmp(cap, "stdin") == 0) return stdin_();
    if (strcmp(cap, "exit") == 0) {
        int code = argc > 2 ? atoi(argv[2]) : 3;
        printf("exiting with %d\n", code);
        fflush(stdout);
        exit(code);
    }
    if (strcmp(cap, "stderr") == 0) {
        printf("to stdout\n");
        fflush(stdout);
        fprintf(stderr, "to stderr\n");
        return 0;
    }
    if (strcmp(cap, "sandbox-host-path") == 0) return sandbox_open("/etc/passwd");
    if (strcmp(cap, "sandbox-dotdot") == 0) return sandbox_open("/sandbox/../etc/passwd");
    if (strcmp(cap, "sandbox-env") == 0) {
        const char *v = getenv(HOST_SECRET);
        if (v) printf("env %s: ALLOWED (%s)\n", HOST_SECRET, v);
        else printf("env %s: denied\n", HOST_SECRET);
        return 0;
    }
    fprintf(stderr, "unknown capability: %s\n", cap);
    return 2;
}
