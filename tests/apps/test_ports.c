/* SPDX-License-Identifier: BSD-3-Clause
 *
 * apps/common/ports.c: the port ranges of tern-httpd --ports and
 * tern-load --dst-ports, good and bad spellings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ports.h"

static void
test_good(void **state)
{
	struct port_range r;

	(void)state;
	assert_int_equal(port_range_parse("80", &r), 0);
	assert_int_equal(r.lo, 80);
	assert_int_equal(r.n, 1);
	assert_int_equal(port_range_parse("8080-8095", &r), 0);
	assert_int_equal(r.lo, 8080);
	assert_int_equal(r.n, 16);
	assert_int_equal(port_range_parse("1-65535", &r), 0);
	assert_int_equal(r.lo, 1);
	assert_int_equal(r.n, 65535);
	assert_int_equal(port_range_parse("7-7", &r), 0);
	assert_int_equal(r.n, 1);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "-1", "+80", "80-", "-80", "90-80", "80-90-100",
		"0x50", "80 ", " 80", "80-65536", "8o", "99999999999", "80--90",
	};
	struct port_range r = { .lo = 3, .n = 3 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (port_range_parse(bad[i], &r) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(r.lo, 3);	/* untouched */
	}
	assert_int_equal(port_range_parse(NULL, &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
