/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's command line (the part after the EAL's `--`): parsed and
 * checked before the EAL starts, so bad input costs one line on stderr and
 * exit status 2. The shared options (--ip, --gw, --config, --help,
 * --version) and the number parsers are apps/common/cli.c's, which reads
 * the --config file first so that flags override it. Ends by building the request bytes every connection sends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../common/cli.h"
#include "load.h"

void
load_usage(FILE *f)
{
	fprintf(f,
		"usage: tern-load [EAL options] -- --ip A.B.C.D/N [--gw G] -c CONNS -d DURATION\n"
		"       [-R RATE] [-t LCORES] [--close] [-H 'Name: value']... [--timeout T]\n"
		"       [--warmup S] [--latency] [--json FILE] [--hgrm FILE] [--stats FILE]\n"
		"       [--config FILE] [--dst-ports LO-HI] [--in-flight K] [--pcap FILE\n"
		"       [--pcap-max N]] [--hold] [--help] [--version] URL\n"
		"       tern-load --merge [--latency] [--json FILE] [--hgrm FILE] RESULT.json...\n"
		"  DURATION, T, S: a number with an optional unit us, ms, s (default), m, h\n"
		"  CONNS, K: optional suffix k (1000) or M (10^6)\n"
		"  RATE: total requests per second (open loop), optional suffix k or M\n"
		"  --dst-ports: spread the connections over the server ports LO..HI\n"
		"    (instead of the URL's port); one source address reaches %u\n"
		"    keep-alive connections per server port\n"
		"  --in-flight K: closed loop with at most K requests outstanding, the\n"
		"    connections taking turns (many open connections, bounded queue)\n"
		"  --hold: when the run is over, stop the lcores but keep the port until\n"
		"    SIGTERM/SIGINT (at most 120 s): stop a net_memif peer first\n"
		"  --merge: one report from the --json results of concurrent runs of the\n"
		"    same URL and mode (several machines); no EAL, no network\n",
		LOAD_LPORTS);
}

#define LOAD_MAX_TIME_NS (CLI_NS_PER_S * 86400 * 365)
#define LOAD_TIMEOUT_NS 2000000000ull	/* --timeout's default */
#define LOAD_MERGE_MAX 1024		/* result files one --merge reads */

/* "10", "10s", "250ms", "2m", "1h", "500us" -> ns, at least lo_ns. */
static int
parse_time(const char *s, uint64_t lo_ns, uint64_t *ns)
{
	return cli_parse_duration(s, CLI_NS_PER_S, lo_ns, LOAD_MAX_TIME_NS, ns);
}

/* RFC 9110 5.1/5.5: a token name, a colon, a value of visible characters,
 * spaces and tabs; no CR or LF can sneak into the request. */
static int
header_ok(const char *h)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	const char *p = h;

	while (*p != '\0' && *p != ':' &&
	       ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		(*p >= 'A' && *p <= 'Z') || strchr(tchar, *p) != NULL))
		p++;
	if (p == h || *p != ':')
		return 0;
	for (p++; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static int
has_header(const struct load_opts *o, const char *name)
{
	size_t n = strlen(name);
	unsigned int i;

	for (i = 0; i < o->n_headers; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 && o->headers[i][n] == ':')
			return 1;
	return 0;
}

static int
build_request(struct load_opts *o, char *err, size_t err_len)
{
	char *p = o->request;
	size_t left = sizeof(o->request);
	unsigned int i;
	int n;

	n = snprintf(p, left, "GET %s HTTP/1.1\r\n", o->url.path);
	if (!has_header(o, "Host") && n >= 0 && (size_t)n < left)
		n += snprintf(p + n, left - (size_t)n, "Host: %s\r\n", o->url.host);
	for (i = 0; i < o->n_headers && n >= 0 && (size_t)n < left; i++)
		n += snprintf(p + n, left - (size_t)n, "%s\r\n", o->headers[i]);
	if (o->close_mode && !has_header(o, "Connection") && n >= 0 && (size_t)n < left)
		n += snprintf(p + n, left - (size_t)n, "Connection: close\r\n");
	if (n >= 0 && (size_t)n < left)
		n += snprintf(p + n, left - (size_t)n, "\r\n");
	if (n < 0 || (size_t)n >= left)
		return snprintf(err, err_len, "the request is over %d bytes", LOAD_MAX_REQUEST), -1;
	o->request_len = (uint32_t)n;
	return 0;
}

static int
opt_one(void *app, int c, const char *arg, char *err, size_t n)
{
	struct load_opts *o = app;
	uint64_t v;

	switch (c) {
	case 'c':
		if (cli_parse_count(arg, 1, LOAD_MAX_CONNS, &v) != 0)
			return snprintf(err, n, "-c: expected 1..%u connections, got '%s'",
					LOAD_MAX_CONNS, arg), -1;
		o->conns = (uint32_t)v;
		return 0;
	case 'd':
		if (parse_time(arg, 1, &o->duration_ns) != 0)
			return snprintf(err, n, "-d: expected a duration > 0 (e.g. 10s), got '%s'",
					arg), -1;
		return 0;
	case 'R':
		if (cli_parse_count(arg, 1, 100000000000ull, &o->rate) != 0)
			return snprintf(err, n, "-R: expected requests/s > 0, got '%s'", arg), -1;
		return 0;
	case 't':
		if (cli_parse_count(arg, 1, RTE_MAX_LCORE, &v) != 0)
			return snprintf(err, n, "-t: expected 1..%d lcores, got '%s'",
					RTE_MAX_LCORE, arg), -1;
		o->threads = (uint32_t)v;
		return 0;
	case 'H':
		if (!header_ok(arg))
			return snprintf(err, n, "-H: expected 'Name: value', got '%s'", arg), -1;
		if (o->n_headers == LOAD_MAX_HEADERS)
			return snprintf(err, n, "-H: at most %d headers", LOAD_MAX_HEADERS), -1;
		o->headers[o->n_headers++] = arg;
		return 0;
	case 'T':
		if (parse_time(arg, 1000000, &o->timeout_ns) != 0)
			return snprintf(err, n, "--timeout: expected a duration >= 1ms, got '%s'",
					arg), -1;
		return 0;
	case 'W':
		if (parse_time(arg, 0, &o->warmup_ns) != 0)
			return snprintf(err, n, "--warmup: expected a duration >= 0, got '%s'", arg), -1;
		return 0;
	case 'x':
		o->close_mode = 1;
		return 0;
	case 'L':
		o->latency = 1;
		return 0;
	case 'o':
		o->hold = 1;
		return 0;
	case 'm':
		o->merge = 1;
		return 0;
	case 'j':
		o->json_path = arg;
		return cli_check_writable("--json", arg, err, n);
	case 'S':
		o->stats_path = arg;
		return cli_check_writable("--stats", arg, err, n);
	case 'G':
		o->hgrm_path = arg;
		return cli_check_writable("--hgrm", arg, err, n);
	case 'K':
		if (cli_parse_count(arg, 1, LOAD_MAX_CONNS, &v) != 0)
			return snprintf(err, n, "--in-flight: expected 1..%u requests, got '%s'",
					LOAD_MAX_CONNS, arg), -1;
		o->in_flight = (uint32_t)v;
		return 0;
	case 'P':
		if (port_range_parse(arg, &o->dst) != 0)
			return snprintf(err, n, "--dst-ports: expected LO-HI within 1..65535, got '%s'",
					arg), -1;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

/* --merge reads files and writes a report: every option of a run is an
 * error there, not silently ignored. */
static int
check_merge(struct load_opts *o, struct cli_app *cli, int argc, char **argv, char *err,
	    size_t err_len)
{
	if (o->conns != 0 || o->duration_ns != 0 || o->rate != 0 || o->threads != 0 ||
	    o->n_headers != 0 || o->close_mode || o->hold || o->stats_path != NULL ||
	    o->in_flight != 0 || o->dst.n != 0 || o->warmup_ns != 0 ||
	    o->timeout_ns != LOAD_TIMEOUT_NS || o->cfg.iface[0].ip != 0 ||
	    o->cfg.iface[0].gw != 0 || o->cap.pcap_path != NULL || cli->config_path != NULL)
		return snprintf(err, err_len, "--merge takes only --latency, --json, --hgrm "
				"and result files"), CLI_ERROR;
	if (cli->first_arg >= argc)
		return snprintf(err, err_len, "--merge: missing result files"), CLI_ERROR;
	o->files = &argv[cli->first_arg];
	o->n_files = argc - cli->first_arg;
	return CLI_RUN;
}

/* One source address and one server port give a bounded number of
 * 4-tuples: say how many server ports the connections need. */
static int
check_tuples(const struct load_opts *o, char *err, size_t err_len)
{
	uint64_t per_port = o->close_mode ? LOAD_EPHEMERAL_PORTS : LOAD_LPORTS;
	uint64_t need = (o->conns + per_port - 1) / per_port;

	if (need <= o->dst.n)
		return 0;
	return snprintf(err, err_len, "-c %u: one source address reaches %" PRIu64
			" %s connections per server port; give at least %" PRIu64
			" server ports (--dst-ports LO-HI)", o->conns, per_port,
			o->close_mode ? "--close" : "keep-alive", need), -1;
}

int
load_opts_parse(struct load_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "connections", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'R' },
		{ "threads", required_argument, NULL, 't' },
		{ "header", required_argument, NULL, 'H' },
		{ "close", no_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "latency", no_argument, NULL, 'L' },
		{ "json", required_argument, NULL, 'j' },
		{ "hgrm", required_argument, NULL, 'G' },
		{ "stats", required_argument, NULL, 'S' },
		{ "dst-ports", required_argument, NULL, 'P' },
		{ "in-flight", required_argument, NULL, 'K' },
		{ "hold", no_argument, NULL, 'o' },
		{ "merge", no_argument, NULL, 'm' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_app cli = {
		.longopts = longopts, .shortopts = "c:d:R:t:H:", .repeatable = "H",
		.max_args = LOAD_MERGE_MAX, .cfg = &o->cfg, .capture = &o->cap, .opt = opt_one, .app = o,
	};
	int rc;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	o->cfg.tcp_nodelay = 1;		/* a request is one write: never hold it */
	o->timeout_ns = LOAD_TIMEOUT_NS;
	rc = cli_parse(&cli, argc, argv, err, err_len);
	if (rc != CLI_RUN)
		return rc;
	if (o->merge)
		return check_merge(o, &cli, argc, argv, err, err_len);
	if (argc - cli.first_arg > 1)	/* one URL; result files only with --merge */
		return snprintf(err, err_len, "unexpected argument '%s'", argv[cli.first_arg + 1]),
		       CLI_ERROR;
	o->config_path = cli.config_path;
	o->cfg.n_ifaces = 1;		/* --ip fills iface[0], as [iface] does */
	if (cli.first_arg >= argc)
		return snprintf(err, err_len, "missing URL (http://A.B.C.D[:port]/path)"), CLI_ERROR;
	if (load_url_parse(&o->url, argv[cli.first_arg], err, err_len) != 0)
		return CLI_ERROR;
	if (o->dst.n == 0) {
		o->dst.lo = o->url.port;
		o->dst.n = 1;
	}
	if (o->conns == 0)
		return snprintf(err, err_len, "-c CONNS is required"), CLI_ERROR;
	if (o->duration_ns == 0)
		return snprintf(err, err_len, "-d DURATION is required"), CLI_ERROR;
	if (o->cfg.iface[0].ip == 0)
		return snprintf(err, err_len, "--ip A.B.C.D/N is required"), CLI_ERROR;
	if (o->in_flight != 0 && (o->rate != 0 || o->close_mode))
		return snprintf(err, err_len, "--in-flight is for the keep-alive closed loop "
				"(not with -R or --close)"), CLI_ERROR;
	if (check_tuples(o, err, err_len) != 0 || tern_config_validate(&o->cfg, err, err_len) != 0 ||
	    build_request(o, err, err_len) != 0)
		return CLI_ERROR;
	return CLI_RUN;
}
