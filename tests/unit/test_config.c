/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libtern's configuration (lib/stack/config.c): address parsing, INI
 * loading (every example in config/ loads and validates; bad files give a
 * message naming file and line) and tern_config_validate(). The apps'
 * command lines are tested in tests/apps.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tern/config.h>

#include "harness.h"

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

/* Every *.ini in config/ (a new example is covered without a list to
 * keep up): a topology file loads, validates and names one interface in
 * 198.18/15; fault.ini is an overlay without [iface], read on top of one. */
static void
test_examples_load(void **state)
{
	char dir[512], path[1024], err[256];
	unsigned int n = 0, overlays = 0;
	struct dirent *e;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/config", TERN_SRC_ROOT);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct tern_config c;

		if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
			continue;
		tern_config_defaults(&c);
		if (strcmp(e->d_name, "fault.ini") == 0) {
			snprintf(path, sizeof(path), "%s/tap-kernel.ini", dir);
			if (tern_config_load_ini(&c, path, err, sizeof(err)) != 0)
				fail_msg("tap-kernel.ini: %s", err);
			overlays++;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (tern_config_load_ini(&c, path, err, sizeof(err)) != 0)
			fail_msg("%s: %s", e->d_name, err);
		if (tern_config_validate(&c, err, sizeof(err)) != 0)
			fail_msg("%s: %s", e->d_name, err);
		assert_int_equal(c.n_ifaces, 1);
		assert_int_equal(c.iface[0].ip >> 16, 0xc612);	/* 198.18/15 */
		n++;
	}
	closedir(d);
	assert_true(n >= 7);		/* the files config/ holds today */
	assert_int_equal(overlays, 1);
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

/* RFC 8985: RACK and its tail loss probes are on by default; `[tcp]
 * rack` and `tlp` turn them off; only 0 and 1 are taken. */
static void
test_tcp_rack_keys(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	assert_int_equal(c.tcp_rack, 1);
	assert_int_equal(c.tcp_tlp, 1);
	assert_int_equal(load_text("[tcp]\nrack = 0\ntlp = 0\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.tcp_rack, 0);
	assert_int_equal(c.tcp_tlp, 0);
	assert_int_not_equal(load_text("[tcp]\nrack = 2\n", &c, err, sizeof(err)), 0);
	assert_int_not_equal(load_text("[tcp]\ntlp = -1\n", &c, err, sizeof(err)), 0);
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

/* Issue 11: what single keys cannot judge. */
static void
test_validate_addresses(void **state)
{
	static const struct {
		uint32_t ip;
		uint8_t prefix;
		uint32_t gw;
		const char *why;		/* NULL: accepted */
	} cases[] = {
		{ 0xc6120002u, 24, 0xc6120001u, NULL },
		{ 0xc61200ffu, 24, 0, "broadcast" },
		{ 0xc6120000u, 24, 0, "network" },
		{ 0x7f000001u, 8, 0, "loopback" },
		{ 0xe0000001u, 24, 0, "multicast" },
		{ 0xffffffffu, 24, 0, "broadcast" },
		{ 0xf0000001u, 24, 0, "reserved" },
		{ 0x00000001u, 24, 0, "this network" },
		{ 0xc6120000u, 31, 0, NULL },		/* RFC 3021 */
		{ 0xc6120001u, 31, 0xc6120000u, NULL },
		{ 0xc6120005u, 32, 0, NULL },
		{ 0xc6120002u, 24, 0xc6120002u, "own address" },
		{ 0xc6120002u, 24, 0xc61200ffu, "gateway is the broadcast" },
		{ 0xc6120002u, 24, 0xc6130001u, "outside" },
	};
	struct tern_config c;
	char err[256];
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(cases); k++) {
		tern_config_defaults(&c);
		c.n_ifaces = 1;
		c.iface[0].ip = cases[k].ip;
		c.iface[0].prefix_len = cases[k].prefix;
		c.iface[0].gw = cases[k].gw;
		err[0] = '\0';
		if (cases[k].why == NULL) {
			if (tern_config_validate(&c, err, sizeof(err)) != 0)
				fail_msg("case %u refused: %s", k, err);
			continue;
		}
		assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
		if (strstr(err, cases[k].why) == NULL)
			fail_msg("case %u: '%s' does not say '%s'", k, err, cases[k].why);
	}
}

static void
test_validate_mtu_rto(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	c.n_ifaces = 1;
	c.iface[0].ip = 0xc6120002u;
	c.iface[0].prefix_len = 24;
	c.iface[0].mtu = TERN_MTU_MIN - 1;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too small for a TCP segment"));
	c.iface[0].mtu = TERN_MTU_MIN;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	c.iface[0].mtu = 0;				/* the default */
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);

	c.tcp_rto_min_ms = 5000;
	c.tcp_rto_max_ms = 1000;
	c.tcp_rto_init_ms = 500;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rto_min_ms"));
	c.tcp_rto_min_ms = 200;
	c.tcp_rto_init_ms = 2000;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rto_init_ms"));
	c.tcp_rto_init_ms = 1000;			/* equal bounds are fine */
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	/* the same through an INI file */
	assert_int_equal(load_text("[iface]\nip = 198.18.0.2/24\n[tcp]\nrto_min_ms = 3000\n"
				   "rto_max_ms = 2000\n", &c, err, sizeof(err)), 0);
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_int_equal(load_text("[iface]\nip = 198.18.0.2/24\nmtu = 80\n", &c, err,
				   sizeof(err)), 0);
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
}

/* A directory or a binary file is not a config, whatever inih makes of it. */
static void
test_ini_not_text(void **state)
{
	static const char bin[] = "[iface]\nip = 198.18.0.2/24\n\0\x01\x02garbage";
	char path[] = "/tmp/tern-cfg-XXXXXX";
	struct tern_config c;
	char err[256];
	int fd;

	(void)state;
	tern_config_defaults(&c);
	assert_int_equal(tern_config_load_ini(&c, "/tmp", err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "/tmp"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bin, sizeof(bin)), (ssize_t)sizeof(bin));
	close(fd);
	assert_int_equal(tern_config_load_ini(&c, path, err, sizeof(err)), -EILSEQ);
	assert_non_null(strstr(err, "not a text file"));
	unlink(path);
	/* UTF-8 in a comment, CRLF line ends: text */
	assert_int_equal(load_text("; caf\xc3\xa9\r\n[mem]\r\nmbufs = 2047\r\n", &c, err,
				   sizeof(err)), 0);
	assert_int_equal(c.nb_mbufs, 2047);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ip),
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_bad_ini_rejected_with_line),
		cmocka_unit_test(test_tcp_flood_keys),
		cmocka_unit_test(test_tcp_rack_keys),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_addresses),
		cmocka_unit_test(test_validate_mtu_rto),
		cmocka_unit_test(test_ini_not_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
