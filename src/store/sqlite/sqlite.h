/*
 * sqlite.h - the SQLite backend (WAL mode; one writer connection owned by the group-commit
 * writer, a bounded pool of reader connections). Migrations: src/store/migrations/sqlite/.
 */
#ifndef GH_STORE_SQLITE_SQLITE_H
#define GH_STORE_SQLITE_SQLITE_H

#include "store/store.h"

/* Opens (creating if needed) the database at path (":memory:" allowed: then one shared
 * in-memory database). Does not migrate. */
GH_MUST_CHECK gh_err gh_store_sqlite_open(const char *path, gh_store **out);

#endif
