/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo's option parser (apps/echo/echo_opts.c) on its own, without
 * the EAL: good command lines fill the config, every bad one is a
 * one-line error, --help and --version are told apart from errors.
 * (The shared driver and number parsers: tests/apps/test_cli.c; the
 * four binaries end to end: tests/apps/cli_errors.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>

#include "cli.h"
#include "echo_opts.h"

static int
parse_args(struct echo_opts *o, char *err, size_t n, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"tern-echo";
	while (*args != NULL)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return echo_opts_parse(o, argc, argv, err, n);
}

static void
test_good(void **state)
{
	const char *good[] = { "--ip", "198.18.0.2/24", "--gw", "198.18.0.1", "--udp", "7",
			       "--duration", "2.5", "--tcp", "7", "--tcp-discard", "9", NULL };
	const char *ms[] = { "--ip", "198.18.0.2/24", "--duration", "250ms", NULL };
	struct echo_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse_args(&o, err, sizeof(err), good), CLI_RUN);
	assert_int_equal(o.udp_port, 7);
	assert_int_equal(o.tcp_port, 7);
	assert_int_equal(o.tcp_discard_port, 9);
	assert_int_equal(o.cfg.iface[0].gw, 0xc6120001u);
	assert_true(o.duration_s > 2.4 && o.duration_s < 2.6);
	assert_int_equal(parse_args(&o, err, sizeof(err), ms), CLI_RUN);
	assert_true(o.duration_s > 0.249 && o.duration_s < 0.251);
}

static void
test_help_version(void **state)
{
	const char *help[] = { "--ip", "bad", "--help", NULL };
	const char *version[] = { "--version", NULL };
	struct echo_opts o;
	char err[256];

	(void)state;
	/* --help wins over a bad value: values are looked at after the flags */
	assert_int_equal(parse_args(&o, err, sizeof(err), help), CLI_HELP);
	assert_int_equal(parse_args(&o, err, sizeof(err), version), CLI_VERSION);
}

static void
test_bad(void **state)
{
	const char *const bad[][8] = {
		{ "--udp", "7", NULL },					/* no --ip */
		{ "--ip", "198.18.0.2", NULL },				/* no prefix */
		{ "--ip", "198.18.0.2/24", "--udp", "0", NULL },
		{ "--ip", "198.18.0.2/24", "--udp", "70000", NULL },
		{ "--ip", "198.18.0.2/24", "--udp", "x", NULL },
		{ "--ip", "198.18.0.2/24", "--duration", "-1", NULL },
		{ "--ip", "198.18.0.2/24", "--duration", "0", NULL },
		{ "--ip", "198.18.0.2/24", "--duration", "5x", NULL },
		{ "--ip", "198.18.0.2/24", "--bogus", NULL },
		{ "--ip", "198.18.0.2/24", "stray", NULL },
		{ "--ip", "198.18.0.2/24", "--gw", "198.19.0.1", NULL },
		{ "--ip", "198.18.0.2/24", "--config", NULL },
		{ "--ip", "198.18.0.2/24", "--mtu", "20", NULL },
		{ "--ip", "198.18.0.2/24", "--mtu", "80", NULL },	/* no room for TCP */
		{ "--ip", "198.18.0.2/24", "--tcp-discard", "0", NULL },
		{ "--ip", "198.18.0.2/24", "--tcp-discard", "9x", NULL },
		{ "--ip", "198.18.0.2/24", "--tcp", "9", "--tcp-discard", "9", NULL },
		{ "--ip", "198.18.0.2/24", "--udp", "7", "--udp", "8", NULL },
		{ "--ip", "198.18.0.2/24", "--ip", "198.18.0.3/24", NULL },
		{ "--ip", "198.18.0.255/24", NULL },			/* broadcast */
		{ "--ip", "198.18.0.0/24", NULL },			/* network */
		{ "--ip", "127.0.0.1/8", NULL },
		{ "--ip", "224.0.0.1/24", NULL },
		{ "--ip", "198.18.0.2/24", "--gw", "198.18.0.2", NULL },
		{ "--ip", "198.18.0.2/24", "--stats", "/nonexistent/dir/s.json", NULL },
		{ "--ip", "198.18.0.2/24", "--stats", "/tmp", NULL },
		{ "--ip", "198.18.0.2/24", "--config", "/tmp", NULL },
	};
	struct echo_opts o;
	char err[256];
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(bad); k++) {
		err[0] = '\0';
		if (parse_args(&o, err, sizeof(err), bad[k]) != CLI_ERROR)
			fail_msg("accepted bad command line #%u", k);
		assert_true(strlen(err) > 0 && strchr(err, '\n') == NULL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
