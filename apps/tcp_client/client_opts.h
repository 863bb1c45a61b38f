/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-tcp-client's command line (after the EAL's `--`): parsed into a
 * tern config plus the client's own settings, before the EAL starts.
 * Kept apart from main.c so every bad flag has one clear error message.
 */
#ifndef TERN_CLIENT_OPTS_H
#define TERN_CLIENT_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include <tern/config.h>

#include "../common/cli.h"

#define CLIENT_MAX_CONNS 100000u

struct client_opts {
	struct tern_config cfg;
	uint32_t peer_addr;		/* --connect A.B.C.D:PORT, host order */
	uint16_t peer_port;
	uint64_t bytes;			/* per connection; default 1 MiB */
	uint32_t nconns;		/* default 1 */
	double timeout_s;		/* give up after; default 60 */
	double duration_s;		/* stop sending after; 0 = at --bytes */
	int expect_echo;
	int source;			/* --source: no per-byte work */
	const char *stats_path;		/* counters as JSON at exit; NULL = none */
	struct cli_capture cap;		/* --pcap, --pcap-max */
	const char *trace_path;		/* --trace FILE, or NULL */
	uint64_t trace_us;		/* sample period */
};

/* Returns enum cli_result (cli.h): CLI_RUN, CLI_HELP, CLI_VERSION, or
 * CLI_ERROR with a one-line reason in `err`. */
int client_opts_parse(struct client_opts *o, int argc, char **argv, char *err,
		      size_t err_len);

void client_usage(FILE *f);

#endif
