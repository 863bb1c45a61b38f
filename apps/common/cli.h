/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The command line every tern app shares: argv split at the EAL's `--`,
 * one option driver (--help, --version, --config, --ip, --gw, repeated
 * flags) that runs before rte_eal_init, and one parser each for counts,
 * sizes and durations. An app's *_opts.c lists its options in a getopt
 * table that ends with CLI_LONGOPTS_COMMON and hands each of its own to
 * a callback; main.c calls cli_split_eal(), the app's parser, then
 * cli_outcome() to turn the result into an exit status. Pure C (no EAL).
 *
 * Units, the same in every app:
 * - counts (connections, requests/s): decimal, k = 10^3, M = 10^6, G = 10^9;
 * - sizes (bytes): binary, k or K = 1024, M = 1024^2, G = 1024^3
 *   (`--bytes 16M` is 16 MiB, 16777216 bytes);
 * - durations: a decimal number with an optional unit ns, us, ms, s, m, h;
 *   without one, the option's own unit (seconds for --duration, ms for
 *   --stall-ms, ...).
 */
#ifndef TERN_APP_CLI_H
#define TERN_APP_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tern_config;

#define CLI_NS_PER_S 1000000000ull

/* getopt values of the shared options: above every character, so an app
 * is free to use any letter for its own. */
enum cli_opt {
	CLI_OPT_HELP = 0x100,
	CLI_OPT_VERSION,
	CLI_OPT_CONFIG,
	CLI_OPT_IP,
	CLI_OPT_GW,
	CLI_OPT_PCAP,
	CLI_OPT_PCAP_MAX,
	CLI_OPT_END			/* the values below this one are tracked */
};

/* The shared entries of an app's getopt table (put before its NULL row). */
#define CLI_LONGOPTS_COMMON \
	{ "help", no_argument, NULL, CLI_OPT_HELP }, \
	{ "version", no_argument, NULL, CLI_OPT_VERSION }, \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG }, \
	{ "ip", required_argument, NULL, CLI_OPT_IP }, \
	{ "gw", required_argument, NULL, CLI_OPT_GW }, \
	{ "pcap", required_argument, NULL, CLI_OPT_PCAP }, \
	{ "pcap-max", required_argument, NULL, CLI_OPT_PCAP_MAX }

/* What the command line asks for. */
enum cli_result {
	CLI_ERROR = -1,			/* one-line reason in `err`: exit 2 */
	CLI_RUN = 0,
	CLI_HELP,			/* print the usage on stdout, exit 0 */
	CLI_VERSION,			/* print the version, exit 0 */
};

/* --pcap FILE and --pcap-max SIZE: the built-in capture (capture.h). */
struct cli_capture {
	const char *pcap_path;		/* NULL: no built-in capture */
	uint64_t pcap_max;		/* bytes; 0: the default */
};

/* --config may be given this many times; the files are read in order. */
#define CLI_MAX_CONFIGS 4

/* One app's options. */
struct cli_app {
	const struct option *longopts;	/* ends with CLI_LONGOPTS_COMMON, NULL row */
	const char *shortopts;		/* getopt letters ("c:d:"), or "" */
	const char *repeatable;		/* letters that may be given more than once */
	int max_args;			/* positional arguments allowed (0: none) */
	struct tern_config *cfg;	/* --config loads into it; --ip/--gw set iface[0] */
	struct cli_capture *capture;	/* --pcap, --pcap-max; NULL: the app has none */
	/* The app's own option `c` with its argument (NULL for flags):
	 * 0, or -1 with a one-line reason in err. */
	int (*opt)(void *app, int c, const char *arg, char *err, size_t n);
	void *app;
	/* out */
	const char *config_path;	/* the first --config FILE, or NULL */
	/* every --config in order: overlays (config/fault.ini) on a topology */
	const char *config_paths[CLI_MAX_CONFIGS];
	unsigned int n_configs;
	int first_arg;			/* index in argv of the first positional */
};

/* argv split at the first `--`: the EAL's part is argv[0 .. eal_argc - 1];
 * the app's is app_argv[0 .. app_argc - 1], app_argv[0] the program name
 * (argv[dd] is overwritten with it). Without `--`, every argument is the
 * app's and the EAL sees the program name only. */
struct cli_argv {
	int eal_argc;
	int app_argc;
	char **app_argv;
};

void cli_split_eal(int argc, char **argv, struct cli_argv *a);

/* Parse `argv` (argv[0] a program name): --help and --version first (and
 * unknown or repeated flags, and a missing value), then every --config in
 * the order given (before every other flag, so that flags override the
 * files, and a later file overrides an earlier one), then each option in
 * order. Returns enum cli_result. */
int cli_parse(struct cli_app *a, int argc, char **argv, char *err, size_t n);

/* After the app's parser: CLI_RUN -> -1 (go on); help -> usage(stdout),
 * 0; version -> "<prog> <version>", 0; error -> "<prog>: <err>" on stderr,
 * 2. Returns the exit status, or -1. */
int cli_outcome(const char *prog, int result, const char *err, void (*usage)(FILE *));

/* Counts, sizes (see above) and durations; `lo`/`hi` bound the result.
 * Return 0, or -1 when `s` is malformed or out of range (`*out` untouched). */
int cli_parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int cli_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int cli_parse_duration(const char *s, uint64_t unit_ns, uint64_t lo_ns, uint64_t hi_ns,
		       uint64_t *ns);

/* A result file (--stats, --json, --trace) that must be writable at the
 * end: checked now, without truncating or leaving a new file behind.
 * Returns 0, or -1 with "<flag>: <path>: <reason>" in err. */
int cli_check_writable(const char *flag, const char *path, char *err, size_t n);

#endif
