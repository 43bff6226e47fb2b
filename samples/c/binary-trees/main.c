/* The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
 * first argument (maximum depth), single-threaded, with malloc and free for every node. */
#include <stdio.h>
#include <stdlib.h>

struct tree { struct tree *left, *right; };

static struct tree *bottom_up(int depth) {
    struct tree *t = malloc(sizeof *t);
    if (!t) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (depth > 0) {
        t->left = bottom_up(depth - 1);
        t->right = bottom_up(depth - 1);
    } else {
        t->left = t->right = NULL;
    }
    return t;
}

static long check(const struct tree *t) {
    return t->left ? 1 + check(t->left) + check(t->right) : 1;
}

static void release(struct tree *t) {
    if (t->left) {
        release(t->left);
        release(t->right);
    }
    free(t);
}

int main(int argc, char **argv) {
    char *end;
    long n = argc > 1 ? strtol(argv[1], &end, 10) : -1;
    if (argc < 2 || *end != '\0' || n < 0) {
        fprintf(stderr, "usage: binary-trees MAX_DEPTH\n");
        return 2;
    }
    int min_depth = 4;
    int max_depth = n > min_depth + 2 ? (int)n : min_depth + 2;
    int stretch = max_depth + 1;
    struct tree *t = bottom_up(stretch);
    printf("stretch tree of depth %d\t check: %ld\n", stretch, check(t));
    release(t);
    struct tree *long_lived = bottom_up(max_depth);
    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + min_depth);
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            t = bottom_up(depth);
            sum += check(t);
            release(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, depth, sum);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    release(long_lived);
    return 0;
}
