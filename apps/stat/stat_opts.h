/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-stat's options (parsed without DPDK: tern-stat is a plain program
 * that talks to a tern process over its telemetry socket).
 */
#ifndef TERN_STAT_OPTS_H
#define TERN_STAT_OPTS_H

#include <stdbool.h>
#include <stdint.h>

struct stat_opts {
	bool all;		/* -a: listeners too */
	bool listening;		/* -l: listeners (and bound UDP sockets) only */
	bool tcp;		/* -t */
	bool udp;		/* -u */
	bool info;		/* -i: internals */
	bool counters;		/* -s */
	bool json;		/* --json */
	double interval_s;	/* -w: counter rates over this interval; 0 = off */
	unsigned int count;	/* --count: intervals (0 = until interrupted) */
	const char *prefix;	/* --file-prefix */
	const char *socket;	/* --socket: a telemetry socket path */
	uint32_t states;	/* --state: bit per TCP state (bit 0: UDP) */
	const char *state_arg;
	uint16_t port;		/* --port */
	int lcore;		/* --lcore; -1 = every lcore */
};

/* 0; 1 for --help, 2 for --version (the caller prints them); -1 with a
 * message in `err`. */
int stat_opts_parse(struct stat_opts *o, int argc, char **argv, char *err, size_t len);
void stat_usage(const char *prog);

#endif
