/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo option parsing: --ip, --gw, --port, --mtu, --udp, --tcp,
 * --tcp-discard, --config, --duration, --stats. An INI file given with --config is read
 * first; command-line flags then override it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_opts.h"

void
echo_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- --ip A.B.C.D/N [--gw A.B.C.D] [--port ID]\n"
		"       [--mtu N] [--udp PORT] [--tcp PORT] [--tcp-discard PORT] [--config FILE]\n"
		"       [--duration SECONDS] [--stats FILE]\n", prog);
}

static int
parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static struct tern_iface_conf *
iface0(struct echo_opts *o)
{
	if (o->cfg.n_ifaces == 0)
		o->cfg.n_ifaces = 1;
	return &o->cfg.iface[0];
}

static int
opt_one(struct echo_opts *o, int c, const char *arg, char *err, size_t n)
{
	long v;
	char *end;

	switch (c) {
	case 'i':
		if (tern_config_parse_ip(arg, &iface0(o)->ip, &iface0(o)->prefix_len) != 0 ||
		    strchr(arg, '/') == NULL)
			return snprintf(err, n, "--ip: expected A.B.C.D/N, got '%s'", arg), -1;
		return 0;
	case 'g':
		if (tern_config_parse_ip(arg, &iface0(o)->gw, NULL) != 0)
			return snprintf(err, n, "--gw: expected A.B.C.D, got '%s'", arg), -1;
		return 0;
	case 'p':
		if (parse_num(arg, 0, 1023, &v) != 0)
			return snprintf(err, n, "--port: expected a port id, got '%s'", arg), -1;
		iface0(o)->port_id = (uint16_t)v;
		return 0;
	case 'm':
		if (parse_num(arg, 68, 9000, &v) != 0)
			return snprintf(err, n, "--mtu: expected 68..9000, got '%s'", arg), -1;
		iface0(o)->mtu = (uint16_t)v;
		return 0;
	case 'u':
	case 't':
	case 'D':
		if (parse_num(arg, 1, 65535, &v) != 0)
			return snprintf(err, n, "--%s: expected a port 1..65535, got '%s'",
					c == 'u' ? "udp" : c == 't' ? "tcp" : "tcp-discard",
					arg), -1;
		if (c == 'u')
			o->udp_port = (uint16_t)v;
		else if (c == 't')
			o->tcp_port = (uint16_t)v;
		else
			o->tcp_discard_port = (uint16_t)v;
		return 0;
	case 'd':
		errno = 0;
		o->duration_s = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' || !(o->duration_s > 0) ||
		    o->duration_s > 1e7)
			return snprintf(err, n, "--duration: expected seconds > 0, got '%s'", arg), -1;
		return 0;
	case 's':
		o->stats_path = arg;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

int
echo_opts_parse(struct echo_opts *o, int argc, char **argv, char *err, size_t err_len)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "gw", required_argument, NULL, 'g' },
		{ "port", required_argument, NULL, 'p' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "udp", required_argument, NULL, 'u' },
		{ "tcp", required_argument, NULL, 't' },
		{ "tcp-discard", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, k;

	memset(o, 0, sizeof(*o));
	tern_config_defaults(&o->cfg);
	/* --config first, so that flags override the file wherever they are */
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--config") != 0)
			continue;
		if (k + 1 >= argc)
			return snprintf(err, err_len, "--config needs a file"), -1;
		if (tern_config_load_ini(&o->cfg, argv[k + 1], err, err_len) != 0)
			return -1;
	}
	optind = 0;		/* glibc: full re-initialisation after the EAL's getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'c')
			continue;
		if (c == 'h')
			return snprintf(err, err_len, "help"), -1;
		if (c == '?' || c == ':') {
			snprintf(err, err_len, "bad option '%s'", argv[optind - 1]);
			return -1;
		}
		if (opt_one(o, c, optarg, err, err_len) != 0)
			return -1;
	}
	if (optind < argc)
		return snprintf(err, err_len, "unexpected argument '%s'", argv[optind]), -1;
	if (o->tcp_port != 0 && o->tcp_port == o->tcp_discard_port)
		return snprintf(err, err_len, "--tcp and --tcp-discard on the same port %u",
				o->tcp_port), -1;
	if (tern_config_validate(&o->cfg, err, err_len) != 0)
		return -1;
	return 0;
}
