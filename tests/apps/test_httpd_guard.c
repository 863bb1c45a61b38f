/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for tern-httpd's slow-client defences (apps/httpd/httpd_guard.c);
 * no EAL. The per-address table: the cap per address, independence of
 * addresses, release of uncounted addresses, fail-open when full, and a
 * seeded random run of acquires and releases over colliding addresses
 * checked against a plain array after every step (backward-shift deletion
 * must never lose an entry). The rate meter: no verdict before a window
 * has passed, the verdict at the threshold, a window judged over its real
 * length, a fresh window after each verdict, no overflow at extreme
 * values. The Host rule of RFC 9112 3.2 over parsed requests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../apps/common/http.h"
#include "../../apps/httpd/httpd_guard.h"

#define NS 1000000000ull

static void
table_new(struct httpd_addr_table *t, uint32_t max_conns, uint32_t seed)
{
	uint32_t n = httpd_addr_table_slots(max_conns);

	httpd_addr_table_init(t, calloc(n, sizeof(struct httpd_addr_slot)), n, seed);
	assert_non_null(t->slot);
}

static void
test_slots(void **state)
{
	(void)state;
	assert_int_equal(httpd_addr_table_slots(0), 16);
	assert_int_equal(httpd_addr_table_slots(8), 16);
	assert_int_equal(httpd_addr_table_slots(9), 32);
	assert_int_equal(httpd_addr_table_slots(65536), 131072);
	assert_int_equal(httpd_addr_table_slots(UINT32_MAX), HTTPD_ADDR_SLOTS_MAX);
}

static void
test_cap(void **state)
{
	struct httpd_addr_table t;
	const uint32_t a = 0xc6120001, b = 0xc6120002;
	uint32_t i;

	(void)state;
	table_new(&t, 64, 7);
	for (i = 0; i < 3; i++)
		assert_int_equal(httpd_addr_acquire(&t, a, 3), HTTPD_ADDR_OK);
	assert_int_equal(httpd_addr_acquire(&t, a, 3), HTTPD_ADDR_OVER_CAP);
	assert_int_equal(httpd_addr_count(&t, a), 3);
	/* another address is not affected */
	assert_int_equal(httpd_addr_acquire(&t, b, 3), HTTPD_ADDR_OK);
	assert_int_equal(httpd_addr_count(&t, b), 1);
	/* a close makes room for exactly one */
	httpd_addr_release(&t, a);
	assert_int_equal(httpd_addr_acquire(&t, a, 3), HTTPD_ADDR_OK);
	assert_int_equal(httpd_addr_acquire(&t, a, 3), HTTPD_ADDR_OVER_CAP);
	/* the last close empties the slot */
	for (i = 0; i < 3; i++)
		httpd_addr_release(&t, a);
	assert_int_equal(httpd_addr_count(&t, a), 0);
	assert_int_equal(t.used, 1);
	/* releasing what was never counted changes nothing */
	httpd_addr_release(&t, a);
	httpd_addr_release(&t, 0x0a000001);
	assert_int_equal(t.used, 1);
	assert_int_equal(httpd_addr_count(&t, b), 1);
	/* cap 1 */
	assert_int_equal(httpd_addr_acquire(&t, a, 1), HTTPD_ADDR_OK);
	assert_int_equal(httpd_addr_acquire(&t, a, 1), HTTPD_ADDR_OVER_CAP);
	free(t.slot);
}

/* Past 3/4 of the slots a new address is let in untracked; known ones
 * are still capped. */
static void
test_full(void **state)
{
	struct httpd_addr_table t;
	uint32_t i, n, ok = 0;

	(void)state;
	table_new(&t, 8, 1);		/* 16 slots: 12 addresses */
	n = t.mask + 1;
	for (i = 1; i <= n; i++)
		if (httpd_addr_acquire(&t, i, 2) == HTTPD_ADDR_OK)
			ok++;
	assert_int_equal(ok, n * 3 / 4);
	assert_int_equal(httpd_addr_acquire(&t, 1000, 2), HTTPD_ADDR_UNTRACKED);
	assert_int_equal(httpd_addr_acquire(&t, 1, 2), HTTPD_ADDR_OK);
	assert_int_equal(httpd_addr_acquire(&t, 1, 2), HTTPD_ADDR_OVER_CAP);
	httpd_addr_release(&t, 2);
	assert_int_equal(httpd_addr_acquire(&t, 1000, 2), HTTPD_ADDR_OK);
	free(t.slot);
}

/* Random acquires and releases over few addresses in a small table (long
 * probe runs, wrap-around), checked against a model after every step. */
static void
test_random_model(void **state)
{
	enum { N_ADDR = 40, CAP = 5, STEPS = 200000 };
	static uint32_t model[N_ADDR];
	struct httpd_addr_table t;
	uint32_t seed = 12345, step, k, used;

	(void)state;
	memset(model, 0, sizeof(model));
	table_new(&t, 32, 99);		/* 64 slots, 40 addresses */
	for (step = 0; step < STEPS; step++) {
		uint32_t i, addr;

		seed = seed * 1103515245u + 12345u;
		i = (seed >> 16) % N_ADDR;
		/* addresses close together, as one subnet's clients are */
		addr = 0xc6120000u + i * 64;
		if ((seed >> 8) & 1) {
			enum httpd_addr_verdict v = httpd_addr_acquire(&t, addr, CAP);

			if (model[i] < CAP) {
				assert_int_equal(v, HTTPD_ADDR_OK);
				model[i]++;
			} else {
				assert_int_equal(v, HTTPD_ADDR_OVER_CAP);
			}
		} else {
			httpd_addr_release(&t, addr);
			if (model[i] > 0)
				model[i]--;
		}
		if (step % 97 != 0)
			continue;
		for (k = 0, used = 0; k < N_ADDR; k++) {
			assert_int_equal(httpd_addr_count(&t, 0xc6120000u + k * 64), model[k]);
			used += model[k] != 0;
		}
		assert_int_equal(t.used, used);
	}
	free(t.slot);
}

static void
test_rate(void **state)
{
	struct httpd_rate r;
	const uint64_t t0 = 5 * NS, w = 10 * NS;

	(void)state;
	/* 100 B/s over 10 s windows: 999 bytes is too slow, 1000 is not */
	httpd_rate_start(&r, t0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 1 * NS, 500, 100, w), 0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 9 * NS, 499, 100, w), 0);
	assert_int_equal(httpd_rate_feed(&r, t0 + w, 0, 100, w), 1);
	/* a verdict starts the next window */
	assert_int_equal(r.start_ns, t0 + w);
	assert_int_equal(r.bytes, 0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 2 * w, 1000, 100, w), 0);

	/* a window is judged over its real length: a burst after a long
	 * silence does not pass for a steady rate */
	httpd_rate_start(&r, t0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 60 * NS, 1000, 100, w), 1);
	httpd_rate_start(&r, t0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 60 * NS, 6000, 100, w), 0);

	/* slowloris: a 20-byte line every 2 s is 10 B/s */
	httpd_rate_start(&r, t0);
	for (uint64_t t = 2; t < 10; t += 2)
		assert_int_equal(httpd_rate_feed(&r, t0 + t * NS, 20, 100, w), 0);
	assert_int_equal(httpd_rate_feed(&r, t0 + 10 * NS, 20, 100, w), 1);

	/* no overflow at the extremes */
	httpd_rate_start(&r, 0);
	assert_int_equal(httpd_rate_feed(&r, UINT64_MAX, UINT64_MAX / 2, UINT32_MAX, w), 1);
	httpd_rate_start(&r, 0);
	assert_int_equal(httpd_rate_feed(&r, w, UINT64_MAX, UINT32_MAX, w), 0);
	/* a clock that does not move gives no verdict */
	httpd_rate_start(&r, t0);
	assert_int_equal(httpd_rate_feed(&r, t0 - 1, 0, 100, w), 0);
}

static int
host_valid(const char *head)
{
	struct http_request req;

	assert_int_equal(http_parse_request(head, strlen(head), 8192, &req), HTTP_OK);
	return httpd_host_is_valid(&req);
}

static void
test_host_rule(void **state)
{
	(void)state;
	assert_true(host_valid("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_true(host_valid("GET / HTTP/1.1\r\nhost:\r\n\r\n"));
	assert_false(host_valid("GET / HTTP/1.1\r\n\r\n"));
	assert_false(host_valid("GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"));
	assert_false(host_valid("GET / HTTP/1.1\r\nHost: x\r\nHOST: y\r\n\r\n"));
	/* a higher minor version is 1.1 */
	assert_false(host_valid("GET / HTTP/1.7\r\n\r\n"));
	/* HTTP/1.0 may omit it, but never repeat it */
	assert_true(host_valid("GET / HTTP/1.0\r\n\r\n"));
	assert_true(host_valid("GET / HTTP/1.0\r\nHost: x\r\n\r\n"));
	assert_false(host_valid("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_host_rule),
	};

	return cmocka_run_group_tests_name("app_httpd_guard", tests, NULL, NULL);
}
