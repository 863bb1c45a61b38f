/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counter ids, generated from counters.def. Every layer increments counters
 * on its own stack (`stack->ctr[id]`); nothing is shared between lcores.
 * Id 0 (CTR_NONE) means "no drop": parse functions return it on success.
 */
#ifndef TERN_COUNTERS_H
#define TERN_COUNTERS_H

#include <stdint.h>

enum ctr_id {
	CTR_NONE = 0,
#define CTR(id, name, desc) id,
#include "core/counters.def"
#undef CTR
	CTR_COUNT
};

/** Name ("ip_rx_bad_csum") of a counter; NULL for an out-of-range id. */
const char *ctr_name(unsigned int id);
/** One-line description of a counter; NULL for an out-of-range id. */
const char *ctr_desc(unsigned int id);

#endif
