/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo's command line (after the EAL's `--`): parsed into a config
 * plus the echo's own settings, before the EAL starts. Kept apart from
 * main.c so every bad flag has one clear error message.
 */
#ifndef TERN_ECHO_OPTS_H
#define TERN_ECHO_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include <tern/config.h>

#include "../common/cli.h"

struct echo_opts {
	struct tern_config cfg;
	uint16_t udp_port;		/* 0 = no UDP echo */
	uint16_t tcp_port;		/* 0 = no TCP echo */
	uint16_t tcp_discard_port;	/* 0 = no TCP discard (RFC 863) */
	double duration_s;		/* 0 = until SIGINT/SIGTERM */
	const char *stats_path;		/* counters as JSON at exit; NULL = stdout */
	struct cli_capture cap;		/* --pcap, --pcap-max */
	const char *serve_app;		/* --serve-app: a channel per lcore for an
					 * app in its own process; NULL = none */
};

/* Returns enum cli_result (cli.h): CLI_RUN, CLI_HELP, CLI_VERSION, or
 * CLI_ERROR with a one-line reason in `err`. */
int echo_opts_parse(struct echo_opts *o, int argc, char **argv, char *err, size_t err_len);

void echo_usage(FILE *f);

#endif
