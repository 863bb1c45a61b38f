/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A TCP port range as given on a command line: "8080" or "8080-8095".
 * tern-httpd listens on every port of its range (--ports) and tern-load
 * spreads its connections over the server's range (--dst-ports): one
 * client address and one server port give at most ~64k 4-tuples, so a
 * million connections need a range. Pure C.
 */
#ifndef TERN_APP_PORTS_H
#define TERN_APP_PORTS_H

#include <stdint.h>

struct port_range {
	uint16_t lo;			/* first port, >= 1 */
	uint32_t n;			/* ports lo .. lo + n - 1, >= 1 */
};

/* Parse "P" or "LO-HI" (1 <= LO <= HI <= 65535, decimal, nothing else).
 * Returns 0, or -1 when `s` is malformed or out of range. */
int port_range_parse(const char *s, struct port_range *r);

#endif
