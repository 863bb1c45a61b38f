/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's command line (the part after the EAL's `--`): parsed and
 * checked before the EAL starts, so bad input costs one line on stderr and
 * exit status 2. An INI file given with --config is read first; flags then
 * override it. Ends by building the request bytes every connection sends.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load.h"

void
load_usage(void)
{
	fprintf(stderr,
		"usage: tern-load [EAL options] -- --ip A.B.C.D/N [--gw G] -c CONNS -d DURATION\n"
		"       [-R RATE] [-t LCORES] [--close] [-H 'Name: value']... [--timeout T]\n"
		"       [--warmup S] [--latency] [--json FILE] [--config FILE]\n"
		"       [--dst-ports LO-HI] [--in-flight K] URL\n"
		"  DURATION, T, S: a number with an optional unit us, ms, s (default), m, h\n"
		"  RATE: total requests per second (open loop), optional suffix k or M\n"
		"  --dst-ports: spread the connections over the server ports LO..HI\n"
		"    (instead of the URL's port); one source address reaches %u\n"
		"    keep-alive connections per server port\n"
		"  --in-flight K: closed loop with at most K requests outstanding, the\n"
		"    connections taking turns (many open connections, bounded queue)\n",
		LOAD_LPORTS);
}

/* "10", "10s", "250ms", "2m", "1h", "500us" -> ns. Zero only if allowed. */
static int
parse_time(const char *s, int zero_ok, uint64_t *ns)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "m", 60e9 }, { "h", 3600e9 },
	};
	char *end;
	double v;
	size_t i;

	if (s[0] == '\0' || s[0] == '-' || s[0] == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v))
		return -1;
	for (i = 0; i < RTE_DIM(units); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		v *= units[i].mult;
		if (v < 0 || v > 1e9 * 86400 * 365 || (!zero_ok && v < 1))
			return -1;
		*ns = (uint64_t)v;
		return 0;
	}
	return -1;
}

static int
parse_count(const char *s, uint64_t lo, uint64_t hi, int suffix_ok, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (suffix_ok && (*end == 'k' || *end == 'K'))
		mult = 1000, end++;
	else if (suffix_ok && *end == 'M')
		mult = 1000000, end++;
	if (*end != '\0' || v > hi / mult || v * mult < lo)
		return -1;
	*out = v * mult;
	return 0;
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
opt_one(struct load_opts *o, int c, const char *arg, char *err, size_t n)
{
	uint64_t v;

	switch (c) {
	case 'i':
		if (tern_config_parse_ip(arg, &o->cfg.iface[0].ip, &o->cfg.iface[0].prefix_len) != 0 ||
		    strchr(arg, '/') == NULL)
			return snprintf(err, n, "--ip: expected A.B.C.D/N, got '%s'", arg), -1;
		return 0;
	case 'g':
		if (tern_config_parse_ip(arg, &o->cfg.iface[0].gw, NULL) != 0)
			return snprintf(err, n, "--gw: expected A.B.C.D, got '%s'", arg), -1;
		return 0;
	case 'c':
		if (parse_count(arg, 1, LOAD_MAX_CONNS, 1, &v) != 0)
			return snprintf(err, n, "-c: expected 1..%u connections, got '%s'",
					LOAD_MAX_CONNS, arg), -1;
		o->conns = (uint32_t)v;
		return 0;
	case 'd':
		if (parse_time(arg, 0, &o->duration_ns) != 0)
			return snprintf(err, n, "-d: expected a duration > 0 (e.g. 10s), got '%s'",
					arg), -1;
		return 0;
	case 'R':
		if (parse_count(arg, 1, 100000000000ull, 1, &o->rate) != 0)
			return snprintf(err, n, "-R: expected requests/s > 0, got '%s'", arg), -1;
		return 0;
	case 't':
		if (parse_count(arg, 1, RTE_MAX_LCORE, 0, &v) != 0)
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
		if (parse_time(arg, 0, &o->timeout_ns) != 0 || o->timeout_ns < 1000000)
			return snprintf(err, n, "--timeout: expected a duration >= 1ms, got '%s'",
					arg), -1;
		return 0;
	case 'W':
		if (parse_time(arg, 1, &o->warmup_ns) != 0)
			return snprintf(err, n, "--warmup: expected a duration >= 0, got '%s'", arg), -1;
		return 0;
	case 'x':
		o->close_mode = 1;
		return 0;
	case 'L':
		o->latency = 1;
		return 0;
	case 'j':
		o->json_path = arg;
		return 0;
	case 'K':
		if (parse_count(arg, 1, LOAD_MAX_CONNS, 1, &v) != 0)
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

static int
load_config(struct load_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--config") != 0)
			continue;
		if (k + 1 >= argc)
			return snprintf(err, err_len, "--config needs a file"), -1;
		o->config_path = argv[k + 1];
		if (tern_config_load_ini(&o->cfg, argv[k + 1], err, err_len) != 0)
			return -1;
	}
	return 0;
}

int
load_opts_parse(struct load_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "gw", required_argument, NULL, 'g' },
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
		{ "dst-ports", required_argument, NULL, 'P' },
		{ "in-flight", required_argument, NULL, 'K' },
		{ "config", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	o->cfg.tcp_nodelay = 1;		/* a request is one write: never hold it */
	o->timeout_ns = 2000000000ull;
	if (load_config(o, argc, argv, err, err_len) != 0)
		return -1;
	o->cfg.n_ifaces = 1;		/* --ip fills iface[0], as [iface] does */
	optind = 0;		/* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:d:R:t:H:", longopts, NULL)) != -1) {
		if (c == 'f')
			continue;
		if (c == 'h')
			return snprintf(err, err_len, "help"), -1;
		if (c == '?' || c == ':')
			return snprintf(err, err_len, "bad option '%s'", argv[optind - 1]), -1;
		if (opt_one(o, c, optarg, err, err_len) != 0)
			return -1;
	}
	if (optind >= argc)
		return snprintf(err, err_len, "missing URL (http://A.B.C.D[:port]/path)"), -1;
	if (optind + 1 < argc)
		return snprintf(err, err_len, "unexpected argument '%s'", argv[optind + 1]), -1;
	if (load_url_parse(&o->url, argv[optind], err, err_len) != 0)
		return -1;
	if (o->dst.n == 0) {
		o->dst.lo = o->url.port;
		o->dst.n = 1;
	}
	if (o->conns == 0)
		return snprintf(err, err_len, "-c CONNS is required"), -1;
	if (o->duration_ns == 0)
		return snprintf(err, err_len, "-d DURATION is required"), -1;
	if (o->cfg.iface[0].ip == 0)
		return snprintf(err, err_len, "--ip A.B.C.D/N is required"), -1;
	if (o->in_flight != 0 && (o->rate != 0 || o->close_mode))
		return snprintf(err, err_len, "--in-flight is for the keep-alive closed loop "
				"(not with -R or --close)"), -1;
	if (check_tuples(o, err, err_len) != 0 || tern_config_validate(&o->cfg, err, err_len) != 0)
		return -1;
	return build_request(o, err, err_len);
}
