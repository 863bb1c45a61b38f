/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-tcp-client option parsing: --connect, --bytes, --conns, --timeout,
 * --source, --duration, --expect-echo, --port, --stats, --trace,
 * --trace-us, plus the shared --ip, --gw, --config, --help and --version
 * (apps/common/cli.c, which reads the --config file first so that flags
 * override it). Called once by main.c, before the EAL.
 */
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "../common/cli.h"
#include "client_opts.h"
#include "trace.h"


void
client_usage(FILE *f)
{
	fprintf(f, "usage: tern-tcp-client [EAL options] -- --ip A.B.C.D/N [--gw G]\n"
		"       --connect A.B.C.D:PORT [--bytes N] [--conns C] [--timeout T]\n"
		"       [--source] [--duration T] [--expect-echo] [--port ID] [--config FILE]\n"
		"       [--stats FILE] [--trace FILE] [--trace-us N] [--pcap FILE [--pcap-max N]]\n"
		"       [--help] [--version]\n"
		"  N: bytes, optional suffix k, M, G (binary: 16M = 16 MiB)\n"
		"  C: optional suffix k (1000)\n"
		"  T: a number with an optional unit us, ms, s (default), m, h\n"
		"  --trace FILE   timeline of the first %u connections: t_us,conn,mss,cwnd,\n"
		"                 ssthresh,snd_wnd,flight,srtt_us,rto_us,recovery,state;\n"
		"                 CSV, or a JSON array (.json), or JSON Lines (.jsonl);\n"
		"                 draw it with scripts/plot_cwnd.sh\n"
		"  --trace-us N   sample period in us (default %u); a row is also written\n"
		"                 when ssthresh, recovery or the state changes\n",
		TRACE_MAX_CONNS, TRACE_PERIOD_US_DEFAULT);
}

/* --connect A.B.C.D:PORT */
static int
opt_connect(struct client_opts *o, const char *arg, char *err, size_t n)
{
	const char *colon = strrchr(arg, ':');
	char host[32];
	uint64_t v;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof(host) ||
	    cli_parse_count(colon + 1, 1, 65535, &v) != 0)
		return snprintf(err, n, "--connect: expected A.B.C.D:PORT, got '%s'", arg), -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	if (tern_config_parse_ip(host, &o->peer_addr, NULL) != 0)
		return snprintf(err, n, "--connect: expected A.B.C.D:PORT, got '%s'", arg), -1;
	o->peer_port = (uint16_t)v;
	return 0;
}

static int
opt_time(int c, const char *arg, double *out, char *err, size_t n)
{
	uint64_t ns;

	if (cli_parse_duration(arg, CLI_NS_PER_S, 1, 10000000ull * CLI_NS_PER_S, &ns) != 0)
		return snprintf(err, n, "--%s: expected a duration > 0 (e.g. 30s), got '%s'",
				c == 't' ? "timeout" : "duration", arg), -1;
	*out = (double)ns / 1e9;
	return 0;
}

static int
opt_one(void *app, int c, const char *arg, char *err, size_t n)
{
	struct client_opts *o = app;
	uint64_t v;

	switch (c) {
	case 'c':
		return opt_connect(o, arg, err, n);
	case 'b':
		if (cli_parse_size(arg, 0, UINT64_MAX >> 1, &o->bytes) != 0)
			return snprintf(err, n, "--bytes: expected bytes (e.g. 16M), got '%s'",
					arg), -1;
		return 0;
	case 'n':
		if (cli_parse_count(arg, 1, CLIENT_MAX_CONNS, &v) != 0)
			return snprintf(err, n, "--conns: expected 1..%u, got '%s'",
					CLIENT_MAX_CONNS, arg), -1;
		o->nconns = (uint32_t)v;
		return 0;
	case 't':
		return opt_time(c, arg, &o->timeout_s, err, n);
	case 'd':
		return opt_time(c, arg, &o->duration_s, err, n);
	case 'e':
		o->expect_echo = 1;
		return 0;
	case 'S':
		o->source = 1;
		return 0;
	case 's':
		o->stats_path = arg;
		return cli_check_writable("--stats", arg, err, n);
	case 'T':
		o->trace_path = arg;
		return cli_check_writable("--trace", arg, err, n);
	case 'U':
		if (cli_parse_duration(arg, 1000, 10000, 10000000000ull, &v) != 0)
			return snprintf(err, n, "--trace-us: 10..10000000 (us, or 10us..10s with a "
					"unit), got '%s'", arg), -1;
		o->trace_us = v / 1000;
		return 0;
	case 'p':
		if (cli_parse_count(arg, 0, RTE_MAX_ETHPORTS - 1, &v) != 0)
			return snprintf(err, n, "--port: expected a port id 0..%d, got '%s'",
					RTE_MAX_ETHPORTS - 1, arg), -1;
		o->cfg.iface[0].port_id = (uint16_t)v;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

int
client_opts_parse(struct client_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "conns", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect-echo", no_argument, NULL, 'e' },
		{ "port", required_argument, NULL, 'p' },
		{ "stats", required_argument, NULL, 's' },
		{ "source", no_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, 'T' },
		{ "trace-us", required_argument, NULL, 'U' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_app cli = {
		.longopts = longopts, .shortopts = "", .cfg = &o->cfg, .capture = &o->cap,
		.opt = opt_one, .app = o,
	};
	int rc;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	o->bytes = 1 << 20;
	o->nconns = 1;
	o->timeout_s = 60;
	o->trace_us = TRACE_PERIOD_US_DEFAULT;
	rc = cli_parse(&cli, argc, argv, err, err_len);
	if (rc != CLI_RUN)
		return rc;
	o->cfg.n_ifaces = 1;		/* --ip fills iface[0], as [iface] does */
	if (o->cfg.iface[0].ip == 0)
		return snprintf(err, err_len, "--ip A.B.C.D/N is required"), CLI_ERROR;
	if (o->peer_port == 0)
		return snprintf(err, err_len, "--connect A.B.C.D:PORT is required"), CLI_ERROR;
	if (o->cfg.tcp_max_conns < 2 * o->nconns)
		o->cfg.tcp_max_conns = 2 * o->nconns;
	if (tern_config_validate(&o->cfg, err, err_len) != 0)
		return CLI_ERROR;
	return CLI_RUN;
}
