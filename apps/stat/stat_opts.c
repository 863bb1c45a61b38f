/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-stat's command line; see stat_opts.h. State names are resolved
 * later, against the names the process itself reports (stat_conns.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cli.h"
#include "stat_opts.h"

void
stat_usage(const char *prog)
{
	printf("usage: %s [-a] [-l] [-t] [-u] [-n] [-i] [--state S[,S...]] [--port N]\n"
	       "       [--lcore N] [-s] [-w SECS [--count N]] [--json]\n"
	       "       [--file-prefix P | --socket PATH] [--help] [--version]\n"
	       "Sockets of a running tern process, read over DPDK telemetry.\n"
	       "  (default)  connections, no listeners    -a  all    -l  listeners only\n"
	       "  -t / -u    TCP / UDP only                -n  numeric (always)\n"
	       "  -i         TCP internals (cwnd, rtt, rto, mss, wscale, recovery, cc ...)\n"
	       "  --state    LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1,\n"
	       "             FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, UNCONN (UDP)\n"
	       "  --port     local or remote port          --lcore  one lcore only\n"
	       "  -s         counters per lcore and summed\n"
	       "  -w SECS    counter rates per second over each SECS interval (like nstat;\n"
	       "             a time unit may follow: 500ms, 1m);\n"
	       "             --count N intervals, else until interrupted\n"
	       "  --json     machine-readable output\n"
	       "  --file-prefix P  the process's EAL --file-prefix (default rte)\n", prog);
}

static int
one_opt(struct stat_opts *o, int c, const char *arg, char *err, size_t len)
{
	uint64_t v;

	switch (c) {
	case 'a': o->all = true; return 0;
	case 'l': o->listening = true; return 0;
	case 't': o->tcp = true; return 0;
	case 'u': o->udp = true; return 0;
	case 'n': return 0;
	case 'i': o->info = true; return 0;
	case 's': o->counters = true; return 0;
	case 'J': o->json = true; return 0;
	case 'P': o->prefix = arg; return 0;
	case 'S': o->socket = arg; return 0;
	case 'T': o->state_arg = arg; return 0;
	case 'w':		/* seconds by default, any time unit (500ms, 1m) */
		if (cli_parse_duration(arg, CLI_NS_PER_S, CLI_NS_PER_S / 100,
				       86400 * CLI_NS_PER_S, &v) != 0)
			return snprintf(err, len, "-w: expected 10ms..24h (e.g. 2, 500ms), got '%s'",
					arg), -1;
		o->interval_s = (double)v / 1e9;
		return 0;
	case 'c':
		if (cli_parse_count(arg, 1, 1000000000, &v) != 0)
			return snprintf(err, len, "--count: expected a count > 0, got '%s'", arg), -1;
		o->count = (unsigned int)v;
		return 0;
	case 'p':
		if (cli_parse_count(arg, 1, 65535, &v) != 0)
			return snprintf(err, len, "--port: expected 1..65535, got '%s'", arg), -1;
		o->port = (uint16_t)v;
		return 0;
	case 'L':
		if (cli_parse_count(arg, 0, 1023, &v) != 0)
			return snprintf(err, len, "--lcore: expected an lcore id, got '%s'", arg), -1;
		o->lcore = (int)v;
		return 0;
	default:
		return snprintf(err, len, "bad option (see --help)"), -1;
	}
}

int
stat_opts_parse(struct stat_opts *o, int argc, char **argv, char *err, size_t len)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "file-prefix", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 'T' },
		{ "port", required_argument, NULL, 'p' },
		{ "lcore", required_argument, NULL, 'L' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->prefix = "rte";
	o->lcore = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "altunisw:h", longopts, NULL)) != -1) {
		if (c == 'h' || c == 'V')
			return c == 'h' ? 1 : 2;
		if (c == '?')	/* unknown, or a value missing: name the word */
			return snprintf(err, len, "bad option '%s' (see --help)",
					argv[optind - 1]), -1;
		if (one_opt(o, c, optarg, err, len) != 0)
			return -1;
	}
	if (optind < argc)
		return snprintf(err, len, "unexpected argument '%s'", argv[optind]), -1;
	if (o->interval_s > 0)
		o->counters = true;
	return 0;
}
