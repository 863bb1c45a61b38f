/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the HTTP/1.1 chunked body decoder (apps/common/http.c);
 * no EAL. The decoder is fed every split of its input (two cuts), byte by
 * byte and in one piece, and must consume the same bytes, count the same
 * data and finish at the same place; large chunk sizes, malformed
 * framing (refused, and the decoder stays failed) and randomly mutated
 * bodies (fixed seed: no crash, whole and split agree). Heads are
 * test_http.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_mutate.h"

/* Feed `s` in pieces cut at `cuts`; returns consumed bytes or -1. */
static long
chunked_feed_cuts(const char *s, size_t len, const size_t *cuts, int ncuts,
		  uint64_t *data, int *done)
{
	struct http_chunked c;
	size_t from = 0;
	long total = 0;
	int i;

	memset(&c, 0, sizeof(c));
	*data = 0;
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		uint64_t d;
		long used;

		used = http_chunked_feed(&c, s + from, to - from, &d);
		if (used < 0)
			return -1;
		total += used;
		*data += d;
		if (!c.done)
			assert_int_equal((size_t)used, to - from);
		from = to;
	}
	*done = c.done;
	return total;
}

static void
test_chunked_splits(void **state)
{
	static const char body[] =
		"5\r\nhello\r\n"
		"6;name=value;x=\"q\"\r\n world\r\n"
		"A \t;e\r\n0123456789\r\n"
		"00b\nabcdefghijk\n"
		"0\r\nTrailer: x\r\nT2: y\r\n\r\n"
		"NEXT";
	size_t len = sizeof(body) - 1, framed = len - 4;
	size_t cuts[2];
	uint64_t data;
	int done;
	size_t a, b;

	(void)state;
	assert_int_equal(chunked_feed_cuts(body, len, NULL, 0, &data, &done),
			 framed);
	assert_int_equal(data, 5 + 6 + 10 + 11);
	assert_int_equal(done, 1);
	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			cuts[0] = a;
			cuts[1] = b;
			assert_int_equal(chunked_feed_cuts(body, len, cuts, 2,
							   &data, &done),
					 framed);
			assert_int_equal(data, 32);
			assert_int_equal(done, 1);
		}
	}
}

static void
test_chunked_bytewise(void **state)
{
	static const char body[] = "1a\r\n"
		"abcdefghijklmnopqrstuvwxyz\r\n0\n\n";
	struct http_chunked c;
	uint64_t data = 0, d;
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(body) - 1; i++) {
		assert_false(c.done);
		assert_int_equal(http_chunked_feed(&c, body + i, 1, &d), 1);
		data += d;
	}
	assert_true(c.done);
	assert_int_equal(data, 26);
	/* done: nothing more is consumed */
	assert_int_equal(http_chunked_feed(&c, "5\r\n", 3, &d), 0);
	assert_int_equal(d, 0);
}

static void
test_chunked_large(void **state)
{
	static char junk[65536];
	struct http_chunked c;
	uint64_t d, total = 0;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(http_chunked_feed(&c, "FFFFFFFFFFFFFFFF\r\n", 18, &d), 18);
	assert_true(c.left == UINT64_MAX);
	for (i = 0; i < 16; i++) {
		assert_int_equal(http_chunked_feed(&c, junk, sizeof(junk), &d),
				 sizeof(junk));
		total += d;
	}
	assert_int_equal(total, 16 * sizeof(junk));
	assert_true(c.left == UINT64_MAX - total);
	assert_false(c.done);
}

static void
test_chunked_malformed(void **state)
{
	static const char *const bad[] = {
		"\r\n", "x\r\n", " 5\r\n", "-1\r\n", "0x5\r\n", "5 x\r\n",
		"5;a\x01\r\n", "5\rX", "5\r\nhelloX\r\n", "5\r\nhello\rX",
		"10000000000000000\r\n", "5\r\nhello\r\n\r\n",
		"0\r\nX: a\r\n b\r\n\r\n", "0\r\n\rX", "0\r\nX: a\x01\r\n\r\n",
		"0\r\nX: a\rb\r\n\r\n", "0\r\n\t\r\n",
	};
	struct http_chunked c;
	uint64_t d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		if (http_chunked_feed(&c, bad[i], strlen(bad[i]), &d) != -1)
			fail_msg("chunked case %zu accepted", i);
		/* and the decoder stays failed */
		assert_int_equal(http_chunked_feed(&c, "0\r\n\r\n", 5, &d), -1);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(http_chunked_feed(&c, "0\r\n\r\n", 5, NULL), 5);
	assert_true(c.done);
}
/* Mutated chunked bodies: whole and split feeds agree. */
static void
test_chunked_mutations(void **state)
{
	static const char seed[] = "4\r\nwiki\r\n5;a=b\r\npedia\r\n"
		"E\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n";
	uint64_t x = 0xda942042e4dd58b5ull;
	char buf[128];
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t len, cuts[2];
		uint64_t d1, d2;
		long whole, split;
		int done1, done2;

		memcpy(buf, seed, sizeof(seed) - 1);
		len = mutate(buf, sizeof(seed) - 1, sizeof(buf), &x);
		whole = chunked_feed_cuts(buf, len, NULL, 0, &d1, &done1);
		cuts[0] = rng_next(&x) % (len + 1);
		cuts[1] = cuts[0] + rng_next(&x) % (len + 1 - cuts[0]);
		split = chunked_feed_cuts(buf, len, cuts, 2, &d2, &done2);
		assert_int_equal(whole, split);
		if (whole >= 0) {
			assert_int_equal(d1, d2);
			assert_int_equal(done1, done2);
		}
	}
}
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked_splits),
		cmocka_unit_test(test_chunked_bytewise),
		cmocka_unit_test(test_chunked_large),
		cmocka_unit_test(test_chunked_malformed),
		cmocka_unit_test(test_chunked_mutations),
	};

	return cmocka_run_group_tests_name("app_http_chunked", tests, NULL, NULL);
}
