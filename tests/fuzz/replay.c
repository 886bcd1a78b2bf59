/*
 * replay.c - runs a fuzz target over files, without libFuzzer, for every CI run (gcc).
 *
 * Usage: fuzz_<parser> PATH...  Each PATH is a file, or a directory whose regular files
 * are replayed (not recursively, in name order so runs are reproducible). Every input goes
 * to LLVMFuzzerTestOneInput; a bug shows as an abort there (gh_assert, ASan, UBSan). The
 * empty input always runs once first, so a target is exercised even with an empty corpus.
 * Prints "replayed N inputs" and exits 0; exits 1 only if a path cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger inputs are not seeds; refuse them rather than allocate without bound. */
#define REPLAY_MAX_INPUT (16u * 1024u * 1024u)

static int replay_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    int rc = -1;

    if (!f) {
        (void)fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb;
            cap = cap ? cap * 2 : 4096;
            if (cap > REPLAY_MAX_INPUT) {
                (void)fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
                              REPLAY_MAX_INPUT);
                goto done;
            }
            nb = realloc(buf, cap);
            if (!nb)
                goto done;
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        (void)fprintf(stderr, "replay: %s: read error\n", path);
        goto done;
    }
    /* Copy to an exact-size buffer so ASan catches a read one past the input. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact)
            goto done;
        if (len)
            memcpy(exact, buf, len);
        (void)LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    (*count)++;
    rc = 0;
done:
    free(buf);
    (void)fclose(f);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (!d) {
        (void)fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn;
            cap = cap ? cap * 2 : 64;
            nn = realloc(names, cap * sizeof(*names));
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        {
            size_t l = strlen(dir) + strlen(e->d_name) + 2;
            names[n] = malloc(l);
            if (!names[n]) {
                rc = -1;
                break;
            }
            (void)snprintf(names[n], l, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    (void)closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
            replay_file(names[i], count) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int i, rc = 0;

    /* The empty input, always: a corpus may be empty or missing files. */
    (void)LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    count++;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            (void)fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) != 0
                                : replay_file(argv[i], &count) != 0)
            rc = 1;
    }
    printf("replayed %zu inputs\n", count);
    return rc;
}
