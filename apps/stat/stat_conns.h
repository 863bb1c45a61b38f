/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The socket listing: /tern/conns page by page, lcore by lcore, into JSON
 * objects (one per socket), printed as a netstat-like table or as JSON.
 */
#ifndef TERN_STAT_CONNS_H
#define TERN_STAT_CONNS_H

#include <jansson.h>

#include "stat_opts.h"
#include "stat_tel.h"

/* Every socket `o` selects, as {"connections": [...], "errors": [...]};
 * NULL when the process cannot be read at all. An lcore that does not
 * answer is an entry of "errors" (and a line on stderr), the others are
 * listed. */
json_t *stat_conns_collect(struct stat_tel *t, const struct stat_opts *o);

void stat_conns_print(const json_t *list, const struct stat_opts *o);

#endif
