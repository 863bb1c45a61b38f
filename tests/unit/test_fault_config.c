/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The [fault] section of the INI configuration: defaults (off), every key
 * of config/fault.ini read into struct tern_fault_conf, each bad value
 * rejected with a message naming file, line, section and key, and the
 * combinations only tern_config_validate() can judge.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "netif/netif_fault.h"

#ifndef TERN_SRC_ROOT
#error "TERN_SRC_ROOT must name the source tree"
#endif

static int
load_text(const char *text, struct tern_config *c, char *err, size_t n)
{
	char path[] = "/tmp/tern-fault-cfg-XXXXXX";
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
valid_iface(struct tern_config *c)
{
	c->n_ifaces = 1;
	assert_int_equal(tern_config_parse_ip("198.18.0.2/24", &c->iface[0].ip,
					      &c->iface[0].prefix_len), 0);
}

static void
test_defaults_off(void **state)
{
	struct tern_config c;

	(void)state;
	tern_config_defaults(&c);
	assert_false(netif_fault_conf_enabled(&c.fault));
	assert_int_equal(c.fault.dir, TERN_FAULT_RX);
	c.fault.corrupt_ppm = 1;
	assert_true(netif_fault_conf_enabled(&c.fault));
	c.fault.corrupt_ppm = 0;
	c.fault.rate_bps = 1;
	assert_true(netif_fault_conf_enabled(&c.fault));
}

static void
test_example_file(void **state)
{
	struct tern_config c;
	char path[512], err[256];

	(void)state;
	tern_config_defaults(&c);
	snprintf(path, sizeof(path), "%s/config/fault.ini", TERN_SRC_ROOT);
	if (tern_config_load_ini(&c, path, err, sizeof(err)) != 0)
		fail_msg("fault.ini: %s", err);
	valid_iface(&c);
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	assert_true(netif_fault_conf_enabled(&c.fault));
	assert_int_equal(c.fault.seed, 42);
	assert_int_equal(c.fault.dir, TERN_FAULT_RX);
	assert_int_equal(c.fault.drop_ppm, 20000);
	assert_int_equal(c.fault.burst_ppm, 1000);
	assert_int_equal(c.fault.burst_len, 8);
	assert_int_equal(c.fault.dup_ppm, 5000);
	assert_int_equal(c.fault.reorder_ppm, 10000);
	assert_int_equal(c.fault.reorder_pkts, 3);
	assert_int_equal(c.fault.reorder_us, 1000);
	assert_int_equal(c.fault.corrupt_ppm, 1000);
	assert_int_equal(c.fault.rate_bps, 0);
	assert_int_equal(c.fault.queue_kb, 64);
}

static void
test_keys(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	assert_int_equal(load_text("[fault]\ndir = both\ndrop = 1\nrate_mbit = 2.5\n"
				   "queue_kb = 2\nburst_fixed = 1\nseed = 0xffffffffffffffff\n"
				   "corrupt = 1e-6\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.fault.dir, TERN_FAULT_RX | TERN_FAULT_TX);
	assert_int_equal(c.fault.drop_ppm, 1000000);
	assert_int_equal(c.fault.rate_bps, 2500000);
	assert_int_equal(c.fault.queue_kb, 2);
	assert_int_equal(c.fault.burst_fixed, 1);
	assert_true(c.fault.seed == UINT64_MAX);
	assert_int_equal(c.fault.corrupt_ppm, 1);
	assert_int_equal(load_text("[fault]\ndir = tx\ndrop = 0\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.fault.dir, TERN_FAULT_TX);
	assert_false(netif_fault_conf_enabled(&c.fault));
}

/* Each bad line is rejected; the message names the line and the key. */
static void
test_bad_values(void **state)
{
	static const struct {
		const char *text;
		const char *expect;
	} bad[] = {
		{ "[fault]\ndrop = 1.5\n", ":2: [fault] drop = 1.5: bad value (a probability" },
		{ "[fault]\ndrop = -0.1\n", "[fault] drop = -0.1: bad value" },
		{ "[fault]\ndrop = 0.1x\n", "[fault] drop = 0.1x: bad value" },
		{ "[fault]\ndrop = nan\n", "[fault] drop = nan: bad value" },
		{ "[fault]\ndup =\n", "[fault] dup = : bad value" },
		{ "[fault]\nreorder = 2\n", "[fault] reorder = 2" },
		{ "[fault]\ncorrupt = inf\n", "[fault] corrupt = inf" },
		{ "[fault]\nburst = 0.5.1\n", "[fault] burst = 0.5.1" },
		{ "[fault]\nseed = 1\ndir = up\n", ":3: [fault] dir = up: bad value (rx, tx or both)" },
		{ "[fault]\nrate_mbit = -1\n", "[fault] rate_mbit = -1: bad value (Mbit/s" },
		{ "[fault]\nqueue_kb = 1\n", "[fault] queue_kb = 1: bad value (2..65536)" },
		{ "[fault]\nburst_len = 0\n", "[fault] burst_len = 0: bad value (1..1000000)" },
		{ "[fault]\nburst_fixed = 2\n", "[fault] burst_fixed = 2: bad value (0..1)" },
		{ "[fault]\nseed = x\n", "[fault] seed = x: bad value" },
		{ "[fault]\nreorder_us = 99999999\n", "[fault] reorder_us = 99999999: bad value" },
		{ "[fault]\nbogus = 1\n", "[fault] bogus = 1: unknown key" },
		{ "[tcp]\nrcvbuf = 1\n", "[tcp] rcvbuf = 1: bad value (4096..1073741824)" },
	};
	struct tern_config c;
	char err[256];
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(bad); k++) {
		err[0] = '\0';
		assert_int_equal(load_text(bad[k].text, &c, err, sizeof(err)), -EINVAL);
		if (strstr(err, bad[k].expect) == NULL || strstr(err, "/tmp/tern-fault-cfg-") == NULL)
			fail_msg("#%u: got '%s', want '%s'", k, err, bad[k].expect);
	}
}

static void
test_validate(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	valid_iface(&c);
	c.fault.reorder_ppm = 1000;
	c.fault.reorder_pkts = 0;
	c.fault.reorder_us = 0;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "reorder"));
	c.fault.reorder_us = 1;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	c.fault.dir = 0;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dir"));
	c.fault.dir = TERN_FAULT_TX;
	c.fault.drop_ppm = 1000001;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	c.fault.drop_ppm = 0;
	c.fault.rate_bps = 1000000;
	c.fault.queue_kb = 1;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "queue_kb"));
	c.fault.queue_kb = 2;
	c.fault.burst_ppm = 1;
	c.fault.burst_len = 0;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "burst_len"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_off),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_validate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
