/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Name and description tables for the counters in counters.def. Read by
 * telemetry (/tern/stats), tern_stats_* and the apps' exit reports.
 */
#include <stddef.h>

#include "core/counters.h"

static const char *const ctr_names[CTR_COUNT] = {
	[CTR_NONE] = "none",
#define CTR(id, name, desc) [id] = name,
#include "core/counters.def"
#undef CTR
};

static const char *const ctr_descs[CTR_COUNT] = {
	[CTR_NONE] = "no counter (success)",
#define CTR(id, name, desc) [id] = desc,
#include "core/counters.def"
#undef CTR
};

const char *
ctr_name(unsigned int id)
{
	return id < CTR_COUNT ? ctr_names[id] : NULL;
}

const char *
ctr_desc(unsigned int id)
{
	return id < CTR_COUNT ? ctr_descs[id] : NULL;
}
