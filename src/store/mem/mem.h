/*
 * mem.h - the in-memory backend: the reference behaviour of the store contract, for unit
 * tests of the engine. Nothing survives gh_store_free.
 */
#ifndef GH_STORE_MEM_MEM_H
#define GH_STORE_MEM_MEM_H

#include "store/store.h"

GH_MUST_CHECK gh_err gh_store_mem_open(gh_store **out);

#endif
