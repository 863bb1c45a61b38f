/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The shared command line (cli.h): the `--` split and the option driver
 * (the number parsers are cli_num.c). Called by each app's *_opts.c before rte_eal_init,
 * so nothing here may touch DPDK; the address and config checks that an
 * embedder needs too live in libtern (tern_config_validate).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tern/config.h>

#include "cli.h"

#ifndef TERN_VERSION
#error "TERN_VERSION must be the project version (apps/common/meson.build)"
#endif

void
cli_split_eal(int argc, char **argv, struct cli_argv *a)
{
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") != 0)
			continue;
		argv[k] = argv[0];
		a->eal_argc = k;
		a->app_argc = argc - k;
		a->app_argv = argv + k;
		return;
	}
	a->eal_argc = argc > 0 ? 1 : 0;
	a->app_argc = argc;
	a->app_argv = argv;
}

int
cli_check_writable(const char *flag, const char *path, char *err, size_t n)
{
	struct stat st;
	int fd;

	if (path[0] == '\0')
		return snprintf(err, n, "%s: expected a file name", flag), -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return snprintf(err, n, "%s: %s: %s", flag, path, strerror(EISDIR)), -1;
	fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY);
	if (fd >= 0)
		return close(fd), 0;
	if (errno == ENOENT) {
		/* not there yet: create it to be sure we can, then leave no trace */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, 0644);
		if (fd >= 0) {
			close(fd);
			unlink(path);
			return 0;
		}
	}
	return snprintf(err, n, "%s: %s: %s", flag, path, strerror(errno)), -1;
}

int
cli_outcome(const char *prog, int result, const char *err, void (*usage)(FILE *))
{
	switch (result) {
	case CLI_RUN:
		return -1;
	case CLI_HELP:
		usage(stdout);
		return 0;
	case CLI_VERSION:
		printf("%s %s\n", prog, TERN_VERSION);
		return 0;
	default:
		fprintf(stderr, "%s: %s\n", prog, err);
		return 2;
	}
}

/* The long name of option value `c`, for messages ("--udp"). */
static const char *
opt_name(const struct option *lo, int c, char *buf, size_t n)
{
	for (; lo->name != NULL; lo++)
		if (lo->val == c && lo->flag == NULL)
			return snprintf(buf, n, "--%s", lo->name), buf;
	return snprintf(buf, n, "-%c", c), buf;
}

static int
is_repeatable(const struct cli_app *a, int c)
{
	return c > 0 && c < 0x100 && a->repeatable != NULL && strchr(a->repeatable, c) != NULL;
}

/* Pass 1: flags only (no value is looked at). Unknown, repeated and
 * value-less options are errors; --help and --version end the parse. */
static int
scan_flags(struct cli_app *a, int argc, char **argv, const char *optstring, char *err,
	   size_t n)
{
	unsigned char seen[CLI_OPT_END] = { 0 };
	char name[64];
	int c;

	optind = 0;		/* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, a->longopts, NULL)) != -1) {
		if (c == CLI_OPT_HELP)
			return CLI_HELP;
		if (c == CLI_OPT_VERSION)
			return CLI_VERSION;
		if (c == ':')
			return snprintf(err, n, "%s needs a value", argv[optind - 1]), CLI_ERROR;
		if (c == '?' || c < 0 || c >= CLI_OPT_END)
			return snprintf(err, n, "unknown option '%s'", argv[optind - 1]), CLI_ERROR;
		if (seen[c] && !is_repeatable(a, c) && c != CLI_OPT_CONFIG)
			return snprintf(err, n, "%s given more than once",
					opt_name(a->longopts, c, name, sizeof(name))), CLI_ERROR;
		seen[c] = 1;
		if (c == CLI_OPT_CONFIG && a->n_configs == CLI_MAX_CONFIGS)
			return snprintf(err, n, "--config given more than %d times",
					CLI_MAX_CONFIGS), CLI_ERROR;
		if (c == CLI_OPT_CONFIG)
			a->config_paths[a->n_configs++] = optarg;
	}
	a->first_arg = optind;
	if (argc - optind > a->max_args)
		return snprintf(err, n, "unexpected argument '%s'", argv[optind + a->max_args]),
		       CLI_ERROR;
	return CLI_RUN;
}

static struct tern_iface_conf *
iface0(struct tern_config *cfg)
{
	if (cfg->n_ifaces == 0)
		cfg->n_ifaces = 1;
	return &cfg->iface[0];
}

static int
opt_capture(struct cli_app *a, int c, const char *arg, char *err, size_t n)
{
	const char *flag = c == CLI_OPT_PCAP ? "--pcap" : "--pcap-max";

	if (a->capture == NULL)
		return snprintf(err, n, "%s: this app has no packet capture", flag), -1;
	if (c == CLI_OPT_PCAP) {
		a->capture->pcap_path = arg;
		return cli_check_writable(flag, arg, err, n);
	}
	/* at least the pcapng section and interface blocks and one frame */
	if (cli_parse_size(arg, 4096, UINT64_MAX, &a->capture->pcap_max) != 0)
		return snprintf(err, n, "--pcap-max: expected a size >= 4k (e.g. 64M), got '%s'",
				arg), -1;
	return 0;
}

static int
opt_common(struct cli_app *a, int c, const char *arg, char *err, size_t n)
{
	struct tern_iface_conf *ic;

	switch (c) {
	case CLI_OPT_CONFIG:
		return 0;		/* loaded before every other option */
	case CLI_OPT_IP:
		ic = iface0(a->cfg);
		if (strchr(arg, '/') == NULL ||
		    tern_config_parse_ip(arg, &ic->ip, &ic->prefix_len) != 0)
			return snprintf(err, n, "--ip: expected A.B.C.D/N, got '%s'", arg), -1;
		return 0;
	case CLI_OPT_GW:
		ic = iface0(a->cfg);
		if (tern_config_parse_ip(arg, &ic->gw, NULL) != 0)
			return snprintf(err, n, "--gw: expected A.B.C.D, got '%s'", arg), -1;
		return 0;
	case CLI_OPT_PCAP:
	case CLI_OPT_PCAP_MAX:
		return opt_capture(a, c, arg, err, n);
	default:
		return a->opt(a->app, c, arg, err, n);
	}
}

int
cli_parse(struct cli_app *a, int argc, char **argv, char *err, size_t n)
{
	char optstring[64];
	unsigned int i;
	int c, rc;

	/* ':' first: a missing value is told apart from an unknown option */
	snprintf(optstring, sizeof(optstring), ":%s", a->shortopts);
	a->n_configs = 0;
	rc = scan_flags(a, argc, argv, optstring, err, n);
	a->config_path = a->n_configs > 0 ? a->config_paths[0] : NULL;
	if (rc != CLI_RUN)
		return rc;
	for (i = 0; i < a->n_configs; i++)
		if (tern_config_load_ini(a->cfg, a->config_paths[i], err, n) != 0)
			return CLI_ERROR;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, a->longopts, NULL)) != -1)
		if (opt_common(a, c, optarg, err, n) != 0)
			return CLI_ERROR;
	a->first_arg = optind;
	return CLI_RUN;
}
