/*
 * capture.h - captures what the code under test writes to stderr (fd 2), for the log and
 * ctx tests. Static functions in a header shared by two test files only; not a library.
 */
#ifndef GH_TEST_BASE_CAPTURE_H
#define GH_TEST_BASE_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct capture {
    int saved;
    int fd;
    char path[64];
} capture;

static void capture_start(capture *c)
{
    (void)snprintf(c->path, sizeof(c->path), "/tmp/gh_test_stderr_XXXXXX");
    c->fd = mkstemp(c->path);
    if (c->fd < 0)
        abort();
    c->saved = dup(STDERR_FILENO);
    if (c->saved < 0 || dup2(c->fd, STDERR_FILENO) < 0)
        abort();
}

/* Restores stderr and returns what was written (heap, caller frees). */
static char *capture_end(capture *c)
{
    char *buf;
    off_t size;
    ssize_t got;

    if (dup2(c->saved, STDERR_FILENO) < 0)
        abort();
    close(c->saved);
    size = lseek(c->fd, 0, SEEK_END);
    if (size < 0 || lseek(c->fd, 0, SEEK_SET) < 0)
        abort();
    buf = malloc((size_t)size + 1);
    if (!buf)
        abort();
    got = read(c->fd, buf, (size_t)size);
    if (got != (ssize_t)size)
        abort();
    buf[size] = '\0';
    close(c->fd);
    unlink(c->path);
    return buf;
}

#endif
