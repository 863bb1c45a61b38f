/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the handle codec (lib/core/handle.h), no EAL: every kind
 * round-trips through encode/decode at the edges of its fields, and a
 * handle of another kind, another lcore, a slot beyond the table or an
 * older generation is refused. The users (TCP connections, listeners, UDP
 * sockets) are covered end to end by the stack tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_common.h>

#include "core/handle.h"

static void
test_round_trip(void **state)
{
	static const uint32_t slots[] = { 0, 1, 65535, 65536, HANDLE_SLOT_MASK };
	static const uint32_t gens[] = { 0, 1, 0x12345678u & HANDLE_GEN_MASK, HANDLE_GEN_MASK };
	unsigned int t, lc, i, j;

	(void)state;
	for (t = 0; t < HANDLE_TYPE_COUNT; t++)
		for (lc = 0; lc < RTE_MAX_LCORE; lc += 17)
			for (i = 0; i < RTE_DIM(slots); i++)
				for (j = 0; j < RTE_DIM(gens); j++) {
					uint64_t h = handle_encode(t, lc, slots[i], gens[j]);
					uint32_t slot = UINT32_MAX;

					assert_true(handle_decode(h, t, lc, HANDLE_SLOT_MASK + 1,
								  &slot));
					assert_int_equal(slot, slots[i]);
					assert_true(handle_gen_is(h, gens[j]));
				}
}

/* Apps index their own per-connection arrays by (h >> 32) & 0xffffff. */
static void
test_slot_where_apps_read_it(void **state)
{
	uint64_t h = handle_encode(HANDLE_TCP_CONN, 3, 0xabcdefu, 7);

	(void)state;
	assert_int_equal((h >> 32) & 0xffffff, 0xabcdefu);
	assert_int_equal(h >> 56, 3);
}

static void
test_type_mismatch(void **state)
{
	unsigned int t, u;
	uint32_t slot;

	(void)state;
	for (t = 0; t < HANDLE_TYPE_COUNT; t++)
		for (u = 0; u < HANDLE_TYPE_COUNT; u++) {
			uint64_t h = handle_encode(t, 1, 5, 9);

			assert_int_equal(handle_decode(h, u, 1, 16, &slot), t == u);
		}
	/* the unused fourth tag is nobody's */
	for (u = 0; u < HANDLE_TYPE_COUNT; u++)
		assert_false(handle_decode((uint64_t)1 << 56 | (uint64_t)5 << 32 |
					   (uint64_t)HANDLE_TYPE_MASK << HANDLE_TYPE_SHIFT | 9,
					   u, 1, 16, &slot));
}

static void
test_wrong_lcore(void **state)
{
	uint64_t h = handle_encode(HANDLE_UDP_SOCK, 2, 5, 9);
	uint32_t slot;

	(void)state;
	assert_true(handle_decode(h, HANDLE_UDP_SOCK, 2, 16, &slot));
	assert_false(handle_decode(h, HANDLE_UDP_SOCK, 3, 16, &slot));
	assert_false(handle_decode(h, HANDLE_UDP_SOCK, 0, 16, &slot));
	assert_false(handle_decode(handle_encode(HANDLE_UDP_SOCK, 0, 5, 9), HANDLE_UDP_SOCK,
				   2, 16, &slot));
}

static void
test_slot_beyond_table(void **state)
{
	uint32_t slot;

	(void)state;
	assert_true(handle_decode(handle_encode(HANDLE_TCP_LISTENER, 0, 15, 1),
				  HANDLE_TCP_LISTENER, 0, 16, &slot));
	assert_false(handle_decode(handle_encode(HANDLE_TCP_LISTENER, 0, 16, 1),
				   HANDLE_TCP_LISTENER, 0, 16, &slot));
	assert_false(handle_decode(handle_encode(HANDLE_TCP_CONN, 0, 0, 1),
				   HANDLE_TCP_CONN, 0, 0, &slot));
}

/* A slot reused (generation bumped) leaves its old handles dead. */
static void
test_stale_generation(void **state)
{
	uint64_t h = handle_encode(HANDLE_TCP_CONN, 1, 42, 7);
	uint32_t slot;

	(void)state;
	assert_true(handle_decode(h, HANDLE_TCP_CONN, 1, 64, &slot));
	assert_true(handle_gen_is(h, 7));
	assert_false(handle_gen_is(h, 8));
	assert_false(handle_gen_is(h, 6));
	assert_true(handle_gen_is(handle_encode(HANDLE_TCP_CONN, 1, 42, UINT32_MAX),
				  UINT32_MAX));
	assert_false(handle_gen_is(handle_encode(HANDLE_TCP_CONN, 1, 42, UINT32_MAX), 0));
	/* the generation never spills into the type tag */
	assert_true(handle_decode(handle_encode(HANDLE_TCP_CONN, 1, 42, UINT32_MAX),
				  HANDLE_TCP_CONN, 1, 64, &slot));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_slot_where_apps_read_it),
		cmocka_unit_test(test_type_mismatch),
		cmocka_unit_test(test_wrong_lcore),
		cmocka_unit_test(test_slot_beyond_table),
		cmocka_unit_test(test_stale_generation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
