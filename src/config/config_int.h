/*
 * config_int.h - declarations shared by the files of the config module and its unit tests and
 * fuzz target; nothing outside src/config/ and tests/ includes this.
 *
 * The module reads YAML with libyaml's event parser into a small tree of nodes that keep
 * their line and column (yaml.c), then walks that tree against one static schema table
 * (schema.c) to fill a gh_config (config.c). libcyaml is not used: version 1.3 reports
 * errors only through a log callback, without line or column, and every error here must
 * name the file, line, column and key path.
 */
#ifndef GH_CONFIG_CONFIG_INT_H
#define GH_CONFIG_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "config/config.h"

#define GH_CONFIG_MAX_FILE 1048576     /* bytes in a configuration file (1 MiB) */
#define GH_CONFIG_MAX_DEPTH 16         /* nesting of mappings and sequences */
#define GH_CONFIG_MAX_MAP_KEYS 256     /* keys in one mapping */
#define GH_CONFIG_MAX_SEQ_ITEMS 4096   /* items in one sequence */
#define GH_CONFIG_MAX_SCALAR 4096      /* bytes in one scalar */
#define GH_CONFIG_MAX_SCOPES 1024      /* entries of scopes: */
#define GH_CONFIG_MAX_RESOURCES 256    /* entries of resources: */
#define GH_CONFIG_MAX_DESCRIPTION 1024 /* bytes in a scope description */
#define GH_CONFIG_MAX_CLIENT_ID 255    /* bytes in a resource's client_id */
#define GH_CONFIG_MIN_SECRET 32        /* characters in secrets.system */

/* ---- yaml.c: the node tree ---------------------------------------------------------- */

typedef enum gh_config__kind { GH_CONFIG__SCALAR, GH_CONFIG__MAP, GH_CONFIG__SEQ } gh_config__kind;

typedef struct gh_config__node gh_config__node;
struct gh_config__node {
    gh_config__kind kind;
    unsigned line, col;     /* 1-based position of the node's first character */
    const char *value;      /* scalar text, NUL-terminated (never contains NUL) */
    size_t len;             /* strlen(value) */
    bool is_null;           /* plain null, ~ or empty, or tagged !!null */
    gh_config__node *key;   /* for the values of a mapping: the key scalar */
    gh_config__node *first; /* children: mapping values (each with its key) or items */
    gh_config__node *last;
    gh_config__node *next;
    size_t n; /* number of children */
};

/* Parses one YAML document of data[0..len) into nodes allocated from a. *out is NULL for an
 * empty stream. Aliases, anchors, tags other than the standard ones (!!str !!int !!bool
 * !!null !!float !!map !!seq), duplicate keys, non-scalar keys, more than one document and
 * anything past the GH_CONFIG_MAX_* bounds are refused. On GH_EINVAL errbuf holds
 * "NAME:LINE:COL: [key.path: ]reason". */
GH_MUST_CHECK gh_err gh_config__yaml_parse(gh_arena *a, const char *name, const char *data,
                                           size_t len, gh_config__node **out, char *errbuf,
                                           size_t errlen);

/* ---- schema.c: the table of scalar keys ---------------------------------------------- */

typedef enum gh_config__type {
    GH_CONFIG__T_STRING,   /* any text; min/max are the length in characters */
    GH_CONFIG__T_BOOL,     /* true or false */
    GH_CONFIG__T_INT,      /* decimal integer in [min, max] */
    GH_CONFIG__T_ENUM,     /* one of choices */
    GH_CONFIG__T_HOSTPORT, /* host:port: IPv4, [IPv6] or a DNS name; port 1..65535 */
    GH_CONFIG__T_ISSUER,   /* absolute http(s) URL, no query or fragment, no userinfo */
    GH_CONFIG__T_DSN,      /* sqlite://... or postgres(ql)://... */
    GH_CONFIG__T_SCOPES,   /* the scope catalog (file only) */
    GH_CONFIG__T_RESOURCES /* the resource servers (file only) */
} gh_config__type;

/* How a value is stored in gh_config at offset. */
typedef enum gh_config__store {
    GH_CONFIG__S_STR,      /* const char * */
    GH_CONFIG__S_BOOL,     /* bool */
    GH_CONFIG__S_UNSIGNED, /* unsigned */
    GH_CONFIG__S_SIZE,     /* size_t */
    GH_CONFIG__S_I64,      /* int64_t */
    GH_CONFIG__S_LIST      /* scopes and resources: filled by config.c */
} gh_config__store;

typedef struct gh_config__key {
    const char *path; /* "serve.public.listen" */
    gh_config__type type;
    const char *def;            /* default, written as in the file; NULL: null */
    bool nullable;              /* null (or absence) is allowed */
    int64_t min, max;           /* T_INT: range; T_STRING: length in characters */
    const char *unit;           /* T_INT: "seconds", "bytes", ... for messages */
    const char *const *choices; /* T_ENUM: NULL-terminated */
    const char *env;            /* GATEHOUSE_ + path upper-cased, '.' as '_' */
    const char *alias;          /* the short variable of DESIGN.md, or NULL */
    gh_config__store store;
    size_t offset; /* in gh_config */
} gh_config__key;

/* The schema: every key of the file, in file order. */
extern const gh_config__key gh_config__keys[];
extern const size_t gh_config__n_keys;

/* Returns the key with this exact path, or NULL. */
const gh_config__key *gh_config__key_find(const char *path);
/* True if some key's path starts with prefix followed by '.' (prefix names a mapping). */
bool gh_config__is_section(const char *prefix);
/* Writes the names one level below prefix ("" for the top) as "a, b, c" to out. */
void gh_config__section_keys(const char *prefix, char *out, size_t outlen);
/* Writes what key expects ("an integer of seconds in [1, 86400]") to out. */
void gh_config__expected(const gh_config__key *k, char *out, size_t outlen);

/* Parses text (NULL for null) as key k and stores it in c, copying strings into a.
 * GH_EINVAL when the value does not fit the key; the caller reports gh_config__expected. */
GH_MUST_CHECK gh_err gh_config__set(gh_config *c, gh_arena *a, const gh_config__key *k,
                                    const char *text);

/* Validators, shared with config.c for list entries and exposed for tests. */
bool gh_config__valid_hostport(const char *s);
bool gh_config__valid_scope_token(const char *s);
bool gh_config__valid_abs_uri(const char *s);
/* Checks an issuer URL; on success *out_len is its length without trailing slashes. */
bool gh_config__valid_issuer(const char *s, size_t *out_len);
bool gh_config__valid_dsn(const char *s);
/* Parses true/True/TRUE/false/False/FALSE into *out; false for anything else. */
bool gh_config__parse_bool(const char *s, bool *out);

/* ---- config.c -------------------------------------------------------------------------- */

/* Loads a configuration from memory as if read from a file called name (used in messages
 * and stored as c->path). Otherwise as gh_config_load. For tests and the fuzz target. */
GH_MUST_CHECK gh_err gh_config__load_mem(const char *name, const char *data, size_t len,
                                         char *const *envp, gh_config **out, char *errbuf,
                                         size_t errlen);

#endif
