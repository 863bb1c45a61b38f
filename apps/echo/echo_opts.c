/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo option parsing: --port, --mtu, --udp, --tcp, --tcp-discard,
 * --duration, --stats, plus the shared --ip, --gw, --config, --help and
 * --version (apps/common/cli.c, which also reads the --config file first
 * so that flags override it). Called once by main.c, before the EAL.
 */
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "../common/cli.h"
#include "echo_opts.h"

void
echo_usage(FILE *f)
{
	fprintf(f,
		"usage: tern-echo [EAL options] -- --ip A.B.C.D/N [--gw A.B.C.D] [--port ID]\n"
		"       [--mtu N] [--udp PORT] [--tcp PORT] [--tcp-discard PORT] [--config FILE]\n"
		"       [--duration T] [--stats FILE] [--pcap FILE [--pcap-max SIZE]]\n"
		"       [--serve-app NAME] [--help] [--version]\n"
		"  T: a number with an optional unit us, ms, s (default), m, h\n"
		"  --pcap: every frame of the port, both directions, as pcapng (up to\n"
		"  --pcap-max bytes, default 64M)\n"
		"  --serve-app: open a channel NAME on every lcore for an app in its own\n"
		"  process (DPDK secondary, e.g. tern-ext-echo --app NAME); needs hugepages\n"
		"  and a --file-prefix shared with the app\n");
}

static int
opt_port(struct echo_opts *o, int c, const char *arg, char *err, size_t n)
{
	const char *name = c == 'u' ? "udp" : c == 't' ? "tcp" : "tcp-discard";
	uint64_t v;

	if (cli_parse_count(arg, 1, 65535, &v) != 0)
		return snprintf(err, n, "--%s: expected a port 1..65535, got '%s'", name, arg), -1;
	if (c == 'u')
		o->udp_port = (uint16_t)v;
	else if (c == 't')
		o->tcp_port = (uint16_t)v;
	else
		o->tcp_discard_port = (uint16_t)v;
	return 0;
}

static int
opt_one(void *app, int c, const char *arg, char *err, size_t n)
{
	struct echo_opts *o = app;
	uint64_t v;

	switch (c) {
	case 'p':
		if (cli_parse_count(arg, 0, RTE_MAX_ETHPORTS - 1, &v) != 0)
			return snprintf(err, n, "--port: expected a port id 0..%d, got '%s'",
					RTE_MAX_ETHPORTS - 1, arg), -1;
		o->cfg.iface[0].port_id = (uint16_t)v;
		return 0;
	case 'm':
		if (cli_parse_count(arg, 68, 9000, &v) != 0)
			return snprintf(err, n, "--mtu: expected 68..9000, got '%s'", arg), -1;
		o->cfg.iface[0].mtu = (uint16_t)v;
		return 0;
	case 'u':
	case 't':
	case 'D':
		return opt_port(o, c, arg, err, n);
	case 'd':
		if (cli_parse_duration(arg, CLI_NS_PER_S, 1, 10000000ull * CLI_NS_PER_S,
				       &v) != 0)
			return snprintf(err, n, "--duration: expected a duration > 0 (e.g. 2.5s), "
					"got '%s'", arg), -1;
		o->duration_s = (double)v / 1e9;
		return 0;
	case 's':
		o->stats_path = arg;
		return cli_check_writable("--stats", arg, err, n);
	case 'A':
		/* a memzone name part: tern_chan_create takes up to 15 chars */
		if (arg[0] == '\0' || strlen(arg) > 15 || strcmp(arg, "echo") == 0)
			return snprintf(err, n, "--serve-app: expected a name of 1..15 characters "
					"other than 'echo', got '%s'", arg), -1;
		o->serve_app = arg;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

int
echo_opts_parse(struct echo_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "udp", required_argument, NULL, 'u' },
		{ "tcp", required_argument, NULL, 't' },
		{ "tcp-discard", required_argument, NULL, 'D' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats", required_argument, NULL, 's' },
		{ "serve-app", required_argument, NULL, 'A' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_app cli = {
		.longopts = longopts, .shortopts = "", .cfg = &o->cfg,
		.capture = &o->cap, .opt = opt_one, .app = o,
	};
	int rc;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	rc = cli_parse(&cli, argc, argv, err, err_len);
	if (rc != CLI_RUN)
		return rc;
	if (o->tcp_port != 0 && o->tcp_port == o->tcp_discard_port)
		return snprintf(err, err_len, "--tcp and --tcp-discard on the same port %u",
				o->tcp_port), CLI_ERROR;
	if (o->cfg.n_ifaces == 0 || o->cfg.iface[0].ip == 0)
		return snprintf(err, err_len, "--ip A.B.C.D/N is required"), CLI_ERROR;
	if (tern_config_validate(&o->cfg, err, err_len) != 0)
		return CLI_ERROR;
	return CLI_RUN;
}
