/*
 * sqlite_vfs.c - a thin VFS over SQLite's default one that coalesces the writes to a WAL
 * file: SQLite writes each frame of a commit with two pwrite calls (a 24-byte frame header,
 * then the page), ~90 system calls for a batch of 30 token issuances; here the frames of a
 * commit collect in a buffer and reach the file in one pwrite when SQLite syncs the WAL.
 * Everything else, and every other file, goes to the default VFS untouched.
 *
 * Why this is safe: SQLite publishes new frames to other connections (the WAL index header)
 * only after it has synced the WAL when synchronous=FULL, which every connection of this
 * backend sets (sqlite.c, gh_sqlite__connect); a sync flushes the buffer first. A connection
 * that reads its own WAL (a checkpoint, a page it spilled) gets the buffer flushed first, as
 * does a truncate, a size query, a file control and a close, so the file always reads as if
 * every write had gone straight to it. With synchronous=NORMAL this would NOT hold (frames
 * would be published unsynced): do not use this VFS with it.
 *
 * The buffer (GH_WALBUF_CAP) is allocated on a file's first write, so readers' handles of
 * the WAL cost nothing. A write that does not extend the buffered run (SQLite rewriting a
 * frame in place) flushes it first, so writes reach the file in their original order.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/sqlite/sqlite_int.h"

/* The default VFS writes at most 0x1ffff bytes per call (it masks the length: a longer
 * write fails as SQLITE_FULL), so the buffer holds no more: 31 frames of 4 KiB pages. */
#define GH_WALBUF_CAP 0x1ffff

typedef struct walbuf_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, in the same allocation */
    unsigned char *buf;
    size_t len;
    sqlite3_int64 off; /* file offset of buf[0] */
} walbuf_file;

/* The real file follows the wrapper, aligned for any type. */
#define WALBUF_HDR ((sizeof(walbuf_file) + 15) & ~(size_t)15)

static int wb_flush(walbuf_file *f)
{
    if (f->len == 0)
        return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
    f->len = 0;
    return rc;
}

static int wb_close(sqlite3_file *pf)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *pf, void *p, int amt, sqlite3_int64 off)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, p, amt, off);
}

static int wb_write(sqlite3_file *pf, const void *p, int amt, sqlite3_int64 off)
{
    walbuf_file *f = (walbuf_file *)pf;
    size_t n = (size_t)amt;
    if (f->len > 0 && off == f->off + (sqlite3_int64)f->len && f->len + n <= GH_WALBUF_CAP) {
        memcpy(f->buf + f->len, p, n);
        f->len += n;
        return SQLITE_OK;
    }
    int rc = wb_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    if (n >= GH_WALBUF_CAP / 2)
        return f->real->pMethods->xWrite(f->real, p, amt, off);
    if (!f->buf)
        f->buf = gh_xmalloc(GH_WALBUF_CAP);
    memcpy(f->buf, p, n);
    f->len = n;
    f->off = off;
    return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *pf, int flags)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wb_lock(sqlite3_file *pf, int level)
{
    walbuf_file *f = (walbuf_file *)pf;
    return f->real->pMethods->xLock(f->real, level);
}

static int wb_unlock(sqlite3_file *pf, int level)
{
    walbuf_file *f = (walbuf_file *)pf;
    return f->real->pMethods->xUnlock(f->real, level);
}

static int wb_check_reserved(sqlite3_file *pf, int *out)
{
    walbuf_file *f = (walbuf_file *)pf;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wb_file_control(sqlite3_file *pf, int op, void *arg)
{
    walbuf_file *f = (walbuf_file *)pf;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wb_sector_size(sqlite3_file *pf)
{
    walbuf_file *f = (walbuf_file *)pf;
    return f->real->pMethods->xSectorSize(f->real);
}

static int wb_device_characteristics(sqlite3_file *pf)
{
    walbuf_file *f = (walbuf_file *)pf;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: SQLite uses shared memory and memory mapping only on the database file. */
static const sqlite3_io_methods walbuf_io = {
    .iVersion = 1,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *out_flags)
{
    sqlite3_vfs *real = vfs->pAppData;
    if (!(flags & SQLITE_OPEN_WAL))
        /* Not a WAL: the default VFS's file as it is (szOsFile covers it). */
        return real->xOpen(real, name, pf, flags, out_flags);
    walbuf_file *f = (walbuf_file *)pf;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)((char *)pf + WALBUF_HDR);
    int rc = real->xOpen(real, name, f->real, flags, out_flags);
    f->base.pMethods = rc == SQLITE_OK ? &walbuf_io : NULL;
    return rc;
}

/* The rest forwards to the default VFS. */
static int wb_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDelete(real, name, sync_dir);
}

static int wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xAccess(real, name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xFullPathname(real, name, n, out);
}

static void *wb_dlopen(sqlite3_vfs *vfs, const char *name)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDlOpen(real, name);
}

static void wb_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    real->xDlError(real, n, out);
}

static void (*wb_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xDlSym(real, h, sym);
}

static void wb_dlclose(sqlite3_vfs *vfs, void *h)
{
    sqlite3_vfs *real = vfs->pAppData;
    real->xDlClose(real, h);
}

static int wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xRandomness(real, n, out);
}

static int wb_sleep(sqlite3_vfs *vfs, int us)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xSleep(real, us);
}

static int wb_current_time(sqlite3_vfs *vfs, double *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xCurrentTime(real, out);
}

static int wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xGetLastError(real, n, out);
}

static int wb_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    sqlite3_vfs *real = vfs->pAppData;
    return real->xCurrentTimeInt64(real, out);
}

bool gh_sqlite__vfs_register(void)
{
    /* Written once, before any connection uses it (pthread_once in sqlite.c), then only
     * read by SQLite. */
    static sqlite3_vfs vfs;
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (!real || real->iVersion < 2 || !real->xCurrentTimeInt64)
        return false;
    vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)(WALBUF_HDR + (size_t)real->szOsFile),
        .mxPathname = real->mxPathname,
        .zName = GH_SQLITE_VFS,
        .pAppData = real,
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dlopen,
        .xDlError = wb_dlerror,
        .xDlSym = wb_dlsym,
        .xDlClose = wb_dlclose,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
}
