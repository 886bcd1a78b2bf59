/*
 * migrations.h - the SQL migrations compiled into the binary (tools/embed_migrations.cmake
 * generates the tables from src/store/migrations/<dialect>/NNNN_name.sql, sorted by number).
 * Private to store/.
 */
#ifndef GH_STORE_MIGRATIONS_H
#define GH_STORE_MIGRATIONS_H

typedef struct gh_migration {
    int version;
    const char *name;
    const char *sql;
} gh_migration;

extern const gh_migration gh_migrations_sqlite[];
extern const unsigned gh_migrations_sqlite_n;

#endif
