/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Clock calibration: derives the TSC -> ns multiplier from DPDK's measured
 * TSC frequency. Called once per stack at creation.
 */
#include "core/clock.h"

void
tern_clock_init(struct tern_clock *c)
{
	c->hz = rte_get_tsc_hz();
	if (c->hz == 0)
		c->hz = 1000000000u;
	/* mult = 1e9 * 2^32 / hz, so ns = tsc * mult / 2^32 */
	c->mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / c->hz);
	c->base_tsc = rte_rdtsc();
	c->read_tsc = NULL;
	c->read_arg = NULL;
}
