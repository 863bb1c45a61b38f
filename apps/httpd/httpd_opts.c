/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd option parsing: --port, --ports, --body-size, --max-body,
 * --duration, --stats, --idle-timeout, --header-timeout, --min-rate,
 * --min-rate-window, --max-conns-per-addr, --stall-ms, --stall-every-ms, plus
 * the shared --ip, --gw, --config, --help and --version (apps/common/cli.c,
 * which reads the --config file first so that flags override it). Called
 * once by main.c, before the EAL.
 */
#include <stdio.h>
#include <string.h>

#include "../common/cli.h"
#include "../common/ports.h"
#include "httpd_opts.h"

void
httpd_usage(FILE *f)
{
	fprintf(f,
		"usage: tern-httpd [EAL options] -- --ip A.B.C.D/N [--gw A.B.C.D] [--port 80 | --ports LO-HI]\n"
		"       [--body-size 64] [--max-body N] [--config FILE] [--duration S]\n"
		"       [--stats FILE] [--idle-timeout S] [--stall-ms MS --stall-every-ms MS]\n"
		"       [--header-timeout S] [--min-rate B --min-rate-window S]\n"
		"       [--max-conns-per-addr N] [--pcap FILE [--pcap-max SIZE]]\n"
		"       [--help] [--version]\n"
		"  N: bytes, optional suffix k, M (binary: 1M = 1 MiB)\n"
		"  S, MS: a number with an optional unit us, ms, s, m, h (default s, ms)\n"
		"slow clients (0 turns each off):\n"
		"  --header-timeout S      a request head must arrive whole within S s of its\n"
		"                          first byte, else 408 and close (default %d)\n"
		"  --min-rate B            an incomplete request (head or body) must arrive at\n"
		"                          B bytes/s or more, else 408 and close (default %d)\n"
		"  --min-rate-window S     ... measured over windows of S s (default %d)\n"
		"  --max-conns-per-addr N  open connections per client address and lcore;\n"
		"                          more are reset at accept (default 0: no cap; 64\n"
		"                          suits a server facing many clients)\n",
		HTTPD_HEADER_TIMEOUT_S, HTTPD_MIN_RATE, HTTPD_MIN_RATE_WINDOW_S);
}

/* Seconds (or another unit: "250ms"), > 0 and at most 10^7 s. */
static int
parse_secs(const char *s, double *out)
{
	uint64_t ns;

	if (cli_parse_duration(s, CLI_NS_PER_S, 1, 10000000ull * CLI_NS_PER_S, &ns) != 0)
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

/* Seconds where 0 turns the limit off (a unit may follow: "500ms"). */
static int
parse_secs_or_off(const char *s, double *out)
{
	uint64_t ns;

	if (cli_parse_duration(s, CLI_NS_PER_S, 0, 10000000ull * CLI_NS_PER_S, &ns) != 0)
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

/* --ports LO-HI (or one port): listen on every port of the range. */
static int
parse_ports(struct httpd_opts *o, const char *arg, char *err, size_t n)
{
	struct port_range r;

	if (o->ports_given & 1)
		return snprintf(err, n, "--port and --ports exclude each other"), -1;
	if (port_range_parse(arg, &r) != 0)
		return snprintf(err, n, "--ports: expected LO-HI within 1..65535, got '%s'",
				arg), -1;
	if (r.n > HTTPD_MAX_PORTS)
		return snprintf(err, n, "--ports: %u ports, at most %u", r.n, HTTPD_MAX_PORTS), -1;
	o->port = r.lo;
	o->n_ports = (uint16_t)r.n;
	o->ports_given |= 2;
	return 0;
}

static int
opt_num(struct httpd_opts *o, int c, const char *arg, char *err, size_t n)
{
	uint64_t v;

	switch (c) {
	case 'p':
		if (o->ports_given & 2)
			return snprintf(err, n, "--port and --ports exclude each other"), -1;
		if (cli_parse_count(arg, 1, 65535, &v) != 0)
			return snprintf(err, n, "--port: expected 1..65535, got '%s'", arg), -1;
		o->port = (uint16_t)v;
		o->n_ports = 1;
		o->ports_given |= 1;
		return 0;
	case 'P':
		return parse_ports(o, arg, err, n);
	case 'b':
		if (cli_parse_size(arg, 0, HTTPD_BODY_MAX, &v) != 0)
			return snprintf(err, n, "--body-size: expected 0..%u bytes, got '%s'",
					HTTPD_BODY_MAX, arg), -1;
		o->body_size = (uint32_t)v;
		return 0;
	case 'x':
		if (cli_parse_size(arg, 0, HTTPD_BODY_MAX, &v) != 0)
			return snprintf(err, n, "--max-body: expected 0..%u bytes, got '%s'",
					HTTPD_BODY_MAX, arg), -1;
		o->max_body = (uint32_t)v;
		return 0;
	case 'S':
	case 'E':
		if (cli_parse_duration(arg, 1000000, 1000000, 3600000000000ull, &v) != 0)
			return snprintf(err, n, "--%s: expected 1ms..1h (a bare number is ms), got '%s'",
					c == 'S' ? "stall-ms" : "stall-every-ms", arg), -1;
		if (c == 'S')
			o->stall_ms = (uint32_t)(v / 1000000);
		else
			o->stall_every_ms = (uint32_t)(v / 1000000);
		return 0;
	case 'r':
		if (cli_parse_count(arg, 0, HTTPD_MIN_RATE_MAX, &v) != 0)
			return snprintf(err, n, "--min-rate: expected 0..%u bytes/s, got '%s'",
					HTTPD_MIN_RATE_MAX, arg), -1;
		o->min_rate = (uint32_t)v;
		return 0;
	case 'a':
		if (cli_parse_count(arg, 0, HTTPD_PER_ADDR_MAX, &v) != 0)
			return snprintf(err, n, "--max-conns-per-addr: expected 0..%u, got '%s'",
					HTTPD_PER_ADDR_MAX, arg), -1;
		o->max_conns_per_addr = (uint32_t)v;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

static int
opt_one(void *app, int c, const char *arg, char *err, size_t n)
{
	struct httpd_opts *o = app;

	switch (c) {
	case 'd':
		if (parse_secs(arg, &o->duration_s) != 0)
			return snprintf(err, n, "--duration: expected seconds > 0, got '%s'", arg), -1;
		return 0;
	case 't':
		if (parse_secs(arg, &o->idle_timeout_s) != 0)
			return snprintf(err, n, "--idle-timeout: expected seconds > 0, got '%s'",
					arg), -1;
		return 0;
	case 'H':
		if (parse_secs_or_off(arg, &o->header_timeout_s) != 0)
			return snprintf(err, n, "--header-timeout: expected seconds >= 0, got '%s'",
					arg), -1;
		return 0;
	case 'w':
		if (parse_secs(arg, &o->min_rate_window_s) != 0)
			return snprintf(err, n, "--min-rate-window: expected seconds > 0, got '%s'",
					arg), -1;
		return 0;
	case 's':
		o->stats_path = arg;
		return cli_check_writable("--stats", arg, err, n);
	default:
		return opt_num(o, c, arg, err, n);
	}
}

static int
opts_check(struct httpd_opts *o, char *err, size_t n)
{
	if ((o->stall_ms != 0) != (o->stall_every_ms != 0))
		return snprintf(err, n, "--stall-ms and --stall-every-ms go together"), -1;
	if (o->stall_ms != 0 && o->stall_ms >= o->stall_every_ms)
		return snprintf(err, n, "--stall-ms must be shorter than --stall-every-ms"), -1;
	if (o->cfg.n_ifaces == 0 || o->cfg.iface[0].ip == 0)
		return snprintf(err, n, "--ip A.B.C.D/N is required"), -1;
	if (o->n_ports > o->cfg.tcp_max_listeners)
		return snprintf(err, n, "--ports: %u ports but [tcp] max_listeners is %u",
				o->n_ports, o->cfg.tcp_max_listeners), -1;
	return tern_config_validate(&o->cfg, err, n);
}

int
httpd_opts_parse(struct httpd_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "ports", required_argument, NULL, 'P' },
		{ "body-size", required_argument, NULL, 'b' },
		{ "max-body", required_argument, NULL, 'x' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats", required_argument, NULL, 's' },
		{ "idle-timeout", required_argument, NULL, 't' },
		{ "stall-ms", required_argument, NULL, 'S' },
		{ "stall-every-ms", required_argument, NULL, 'E' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "min-rate", required_argument, NULL, 'r' },
		{ "min-rate-window", required_argument, NULL, 'w' },
		{ "max-conns-per-addr", required_argument, NULL, 'a' },
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
	o->port = 80;
	o->n_ports = 1;
	o->body_size = 64;
	o->max_body = 1u << 20;
	o->idle_timeout_s = 60;
	o->header_timeout_s = HTTPD_HEADER_TIMEOUT_S;
	o->min_rate = HTTPD_MIN_RATE;
	o->min_rate_window_s = HTTPD_MIN_RATE_WINDOW_S;
	rc = cli_parse(&cli, argc, argv, err, err_len);
	if (rc != CLI_RUN)
		return rc;
	return opts_check(o, err, err_len) != 0 ? CLI_ERROR : CLI_RUN;
}
