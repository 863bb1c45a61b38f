/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-stat: netstat/ss and nstat for a running tern process. It reads
 * the process's DPDK telemetry socket (no DPDK linked, no hugepages, no
 * secondary process): /tern/conns for the sockets, page by page and
 * lcore by lcore (each stack builds its pages on its own lcore, between
 * loop iterations), /tern/lcores for the counters.
 *
 * Exit status: 0; 1 when the process cannot be read or an lcore did not
 * answer (the others are still listed); 2 for a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "stat_conns.h"
#include "stat_ctrs.h"
#include "stat_opts.h"
#include "stat_tel.h"

static int
list(struct stat_tel *t, const struct stat_opts *o)
{
	json_t *l = stat_conns_collect(t, o);
	int rc;

	if (l == NULL)
		return 1;
	stat_conns_print(l, o);
	rc = json_array_size(json_object_get(l, "errors")) == 0 ? 0 : 1;
	json_decref(l);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat_opts o;
	struct stat_tel t = { .fd = -1 };
	char err[256], path[512];
	int rc;

	rc = stat_opts_parse(&o, argc, argv, err, sizeof(err));
	if (rc == 1) {
		stat_usage("tern-stat");
		return 0;
	}
	if (rc == 2) {			/* as every app: "<prog> <version>" */
		printf("tern-stat %s\n", TERN_VERSION);
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "tern-stat: %s\n", err);
		return 2;
	}
	if (o.socket != NULL)
		snprintf(path, sizeof(path), "%s", o.socket);
	else
		stat_tel_path(o.prefix, path, sizeof(path));
	if (stat_tel_open(&t, path) != 0)
		return 1;
	if (o.interval_s > 0)
		rc = stat_ctrs_rates(&t, &o) == 0 ? 0 : 1;
	else if (o.counters)
		rc = stat_ctrs_show(&t, &o) == 0 ? 0 : 1;
	else
		rc = list(&t, &o);
	stat_tel_close(&t);
	return rc;
}
