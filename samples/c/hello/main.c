/* The wasm-basics hello program: prints a greeting and writes a file into a preopened directory. */
#include <stdio.h>
#include <string.h>
#include <errno.h>

int main(void) {
    printf("Hello, Wasm!\n");
    FILE *f = fopen("/helloworld/helloworld.txt", "w");
    if (!f || fputs("Hello world!\n", f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write /helloworld/helloworld.txt: %s\n", strerror(errno));
        return 1;
    }
    printf("Created helloworld.txt\n");
    return 0;
}
