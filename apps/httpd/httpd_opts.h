/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's command line (after the EAL's `--`): parsed into a tern
 * config plus the server's own settings, before the EAL starts. Kept apart from main.c so that
 * every bad flag has one clear error message.
 */
#ifndef TERN_HTTPD_OPTS_H
#define TERN_HTTPD_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tern/config.h>

#include "../common/cli.h"

/* Upper bounds of the body sizes a response may carry. */
#define HTTPD_BODY_MAX (64u << 20)
/* Defaults of the slow-client defences (README, `tern-httpd --help`). */
#define HTTPD_HEADER_TIMEOUT_S 10
#define HTTPD_MIN_RATE 100
#define HTTPD_MIN_RATE_WINDOW_S 10
/* Upper bounds of --min-rate and --max-conns-per-addr. */
#define HTTPD_MIN_RATE_MAX 1000000000u
#define HTTPD_PER_ADDR_MAX (1u << 24)
/* Listening ports (--ports LO-HI): one client address reaches at most
 * ~64k connections per server port, so a million needs a range. */
#define HTTPD_MAX_PORTS 64u

struct httpd_opts {
	struct tern_config cfg;
	uint16_t port;			/* HTTP port (first of the range); default 80 */
	uint16_t n_ports;		/* ports port .. port + n_ports - 1; default 1 */
	uint8_t ports_given;		/* 1: --port, 2: --ports (they exclude each other) */
	uint32_t body_size;		/* bytes of `GET /`; default 64 */
	uint32_t max_body;		/* bound of `GET /bytes/N`; default 1 MiB */
	double duration_s;		/* 0 = until SIGINT/SIGTERM */
	double idle_timeout_s;		/* idle connections closed after; default 60 */
	double header_timeout_s;	/* a request head whole within; default 10, 0 = off */
	uint32_t min_rate;		/* bytes/s while a request is incomplete;
					 * default 100, 0 = off */
	double min_rate_window_s;	/* ... judged over windows of; default 10 */
	uint32_t max_conns_per_addr;	/* per client address and lcore; 0 = off */
	uint32_t stall_ms;		/* test hook: stall the loop this long ... */
	uint32_t stall_every_ms;	/* ... every this many ms; 0 = never */
	const char *stats_path;		/* counters as JSON at exit; NULL = stdout */
	struct cli_capture cap;		/* --pcap, --pcap-max */
};

/* Returns enum cli_result (cli.h): CLI_RUN, CLI_HELP, CLI_VERSION, or
 * CLI_ERROR with a one-line reason in `err`. */
int httpd_opts_parse(struct httpd_opts *o, int argc, char **argv, char *err,
		     size_t err_len);

void httpd_usage(FILE *f);

#endif
