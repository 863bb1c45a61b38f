/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Configuration and command line: address parsing, INI loading (every
 * example in config/ loads and validates; bad files give a message naming
 * file and line), validation, and tern-echo's option parser (every bad
 * flag is a one-line error).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "echo_opts.h"

#ifndef TERN_SRC_ROOT
#error "TERN_SRC_ROOT must name the source tree"
#endif

static void
test_parse_ip(void **state)
{
	uint32_t ip = 0;
	uint8_t pl = 0;

	(void)state;
	assert_int_equal(tern_config_parse_ip("198.18.0.2/24", &ip, &pl), 0);
	assert_int_equal(ip, 0xc6120002u);
	assert_int_equal(pl, 24);
	assert_int_equal(tern_config_parse_ip("198.18.0.9", &ip, NULL), 0);
	assert_int_equal(ip, 0xc6120009u);
	assert_int_equal(tern_config_parse_ip("198.18.0.2/33", &ip, &pl), -EINVAL);
	assert_int_equal(tern_config_parse_ip("198.18.0.2/0", &ip, &pl), -EINVAL);
	assert_int_equal(tern_config_parse_ip("198.18.0.2/", &ip, &pl), -EINVAL);
	assert_int_equal(tern_config_parse_ip("198.18.0.2/2x", &ip, &pl), -EINVAL);
	assert_int_equal(tern_config_parse_ip("198.18.0/24", &ip, &pl), -EINVAL);
	assert_int_equal(tern_config_parse_ip("256.1.1.1", &ip, NULL), -EINVAL);
	assert_int_equal(tern_config_parse_ip("", &ip, NULL), -EINVAL);
	assert_int_equal(tern_config_parse_ip("1.2.3.4/8", &ip, NULL), -EINVAL);
}

static void
test_examples_load(void **state)
{
	const char *files[] = { "tap-kernel.ini", "af-packet-veth.ini",
				"memif-server.ini", "memif-client.ini" };
	char path[512], err[256];
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(files); k++) {
		struct tern_config c;

		tern_config_defaults(&c);
		snprintf(path, sizeof(path), "%s/config/%s", TERN_SRC_ROOT, files[k]);
		if (tern_config_load_ini(&c, path, err, sizeof(err)) != 0)
			fail_msg("%s: %s", files[k], err);
		assert_int_equal(c.n_ifaces, 1);
		assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
		assert_int_equal(c.iface[0].ip >> 16, 0xc612);	/* 198.18/15 */
	}
}

static int
load_text(const char *text, struct tern_config *c, char *err, size_t n)
{
	char path[] = "/tmp/tern-cfg-XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	tern_config_defaults(c);
	rc = tern_config_load_ini(c, path, err, n);
	unlink(path);
	return rc;
}

static void
test_bad_ini_rejected_with_line(void **state)
{
	const char *bad[] = {
		"[iface]\nip = 198.18.0.2/24\nbogus = 1\n",
		"[iface]\nip = 198.18.0.300/24\n",
		"[mem]\nmbufs = -5\n",
		"[mem]\nmbufs = 12abc\n",
		"[mem]\nburst = 100000\n",
		"[nosuch]\nkey = 1\n",
		"[iface]\nip = 198.18.0.2/24\n[iface]\nip = 198.18.0.3/24\n",
		"[arp]\nretries = 0\n",
		"this is not ini\n",
		"[tcp]\nsyncookies = on\n",
		"[tcp]\nsecret_file = relative/secret\n",
		"[tcp]\nsynack_rexmit_per_s = -1\n",
	};
	struct tern_config c;
	char err[256];
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(bad); k++) {
		err[0] = '\0';
		if (load_text(bad[k], &c, err, sizeof(err)) == 0)
			fail_msg("accepted bad config #%u", k);
		assert_non_null(strstr(err, "/tmp/tern-cfg-"));
	}
	assert_int_equal(load_text("[iface]\nip = 198.18.0.2/24\nbogus = 1\n", &c, err,
				   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3:"));
	err[0] = '\0';
	tern_config_defaults(&c);
	assert_int_not_equal(tern_config_load_ini(&c, "/nonexistent/x.ini", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file"));
}

/* issue 11: [tcp] syncookies, synack_rexmit_per_s, secret_file */
static void
test_tcp_flood_keys(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	assert_int_equal(c.tcp_syncookies, TERN_TCP_SYNCOOKIES_OVERFLOW);
	assert_int_equal(c.tcp_synack_rexmit_per_s, 1000);
	assert_string_equal(c.tcp_secret_file, "");
	assert_int_equal(load_text("[tcp]\nsyncookies = always\nsynack_rexmit_per_s = 0\n"
				   "secret_file = /tmp/x/secret\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.tcp_syncookies, TERN_TCP_SYNCOOKIES_ALWAYS);
	assert_int_equal(c.tcp_synack_rexmit_per_s, 0);
	assert_string_equal(c.tcp_secret_file, "/tmp/x/secret");
	assert_int_equal(load_text("[tcp]\nsyncookies = off\nsecret_file = none\n", &c, err,
				   sizeof(err)), 0);
	assert_int_equal(c.tcp_syncookies, TERN_TCP_SYNCOOKIES_OFF);
	assert_string_equal(c.tcp_secret_file, "none");
	assert_int_not_equal(load_text("[tcp]\nsyncookies = yes\n", &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "off, overflow or always"));
}

static void
test_validate(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	c.n_ifaces = 1;
	c.iface[0].ip = 0xc6120002u;
	c.iface[0].prefix_len = 24;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	c.iface[0].gw = 0xc6130001u;			/* outside 198.18.0/24 */
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "gateway"));
	c.iface[0].gw = 0;
	c.chan_size = 1000;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
}

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
test_echo_cli(void **state)
{
	const char *good[] = { "--ip", "198.18.0.2/24", "--gw", "198.18.0.1", "--udp", "7",
			       "--duration", "2.5", "--tcp", "7", "--tcp-discard", "9", NULL };
	const char *const bad[][8] = {
		{ "--udp", "7", NULL },					/* no --ip */
		{ "--ip", "198.18.0.2", NULL },				/* no prefix */
		{ "--ip", "198.18.0.2/24", "--udp", "0", NULL },
		{ "--ip", "198.18.0.2/24", "--udp", "70000", NULL },
		{ "--ip", "198.18.0.2/24", "--udp", "x", NULL },
		{ "--ip", "198.18.0.2/24", "--duration", "-1", NULL },
		{ "--ip", "198.18.0.2/24", "--bogus", NULL },
		{ "--ip", "198.18.0.2/24", "stray", NULL },
		{ "--ip", "198.18.0.2/24", "--gw", "198.19.0.1", NULL },
		{ "--ip", "198.18.0.2/24", "--config", NULL },
		{ "--ip", "198.18.0.2/24", "--mtu", "20", NULL },
		{ "--ip", "198.18.0.2/24", "--tcp-discard", "0", NULL },
		{ "--ip", "198.18.0.2/24", "--tcp-discard", "9x", NULL },
		{ "--ip", "198.18.0.2/24", "--tcp", "9", "--tcp-discard", "9", NULL },
	};
	struct echo_opts o;
	char err[256];
	unsigned int k;

	(void)state;
	assert_int_equal(parse_args(&o, err, sizeof(err), good), 0);
	assert_int_equal(o.udp_port, 7);
	assert_int_equal(o.tcp_port, 7);
	assert_int_equal(o.tcp_discard_port, 9);
	assert_int_equal(o.cfg.iface[0].gw, 0xc6120001u);
	assert_true(o.duration_s > 2.4 && o.duration_s < 2.6);
	for (k = 0; k < RTE_DIM(bad); k++) {
		err[0] = '\0';
		if (parse_args(&o, err, sizeof(err), bad[k]) == 0)
			fail_msg("accepted bad command line #%u", k);
		assert_true(strlen(err) > 0 && strchr(err, '\n') == NULL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ip),
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_bad_ini_rejected_with_line),
		cmocka_unit_test(test_tcp_flood_keys),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_echo_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
