/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Port ranges for tern-httpd's --ports and tern-load's --dst-ports (see
 * ports.h). Digits only: no sign, no spaces, no hex.
 */
#include <stddef.h>

#include "ports.h"

/* Parse decimal digits up to `stop` (or the end); 1..65535. */
static const char *
port_num(const char *s, char stop, uint32_t *out)
{
	uint32_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && v <= 65535)
		v = v * 10 + (uint32_t)(*p++ - '0');
	if (p == s || v < 1 || v > 65535 || (*p != stop && *p != '\0'))
		return NULL;
	*out = v;
	return p;
}

int
port_range_parse(const char *s, struct port_range *r)
{
	uint32_t lo, hi;
	const char *p;

	if (s == NULL || r == NULL)
		return -1;
	p = port_num(s, '-', &lo);
	if (p == NULL)
		return -1;
	hi = lo;
	if (*p == '-' && port_num(p + 1, '\0', &hi) == NULL)
		return -1;
	if (hi < lo)
		return -1;
	r->lo = (uint16_t)lo;
	r->n = hi - lo + 1;
	return 0;
}
