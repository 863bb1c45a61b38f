/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The apps' number parsers (cli.h: counts, sizes, durations with their
 * units), apart from the option driver: plain C with no DPDK or libtern,
 * so tern-stat, which links neither, parses the same way as the apps.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit count_units[] = {
	{ "", 1 }, { "k", 1000 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "k", 1ull << 10 }, { "K", 1ull << 10 }, { "M", 1ull << 20 },
	{ "G", 1ull << 30 },
};

static const struct unit time_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "m", 60000000000ull }, { "h", 3600000000000ull },
};

static const struct unit *
unit_find(const struct unit *u, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(u[i].name, name) == 0)
			return &u[i];
	return NULL;
}

/* Decimal digits and a unit from `u`: no sign, space, hex or exponent. */
static int
parse_scaled(const char *s, const struct unit *u, size_t n_units, uint64_t lo,
	     uint64_t hi, uint64_t *out)
{
	const struct unit *unit;
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	unit = errno == 0 ? unit_find(u, n_units, end) : NULL;
	if (unit == NULL || v > hi / unit->mult || v * unit->mult < lo)
		return -1;
	*out = v * unit->mult;
	return 0;
}

int
cli_parse_count(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return parse_scaled(s, count_units, DIM(count_units), lo, hi, out);
}

int
cli_parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return parse_scaled(s, size_units, DIM(size_units), lo, hi, out);
}

int
cli_parse_duration(const char *s, uint64_t unit_ns, uint64_t lo_ns, uint64_t hi_ns,
		   uint64_t *ns)
{
	static const char digits[] = "0123456789";
	size_t whole = strspn(s, digits), frac = 0, len = whole;
	const struct unit *unit;
	uint64_t mult = unit_ns;
	char *end;
	double v;

	if (s[len] == '.') {
		frac = strspn(s + len + 1, digits);
		len += 1 + frac;
	}
	if (whole + frac == 0)
		return -1;
	if (s[len] != '\0') {
		unit = unit_find(time_units, DIM(time_units), s + len);
		if (unit == NULL)
			return -1;
		mult = unit->mult;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end != s + len || !isfinite(v))
		return -1;
	v = v * (double)mult + 0.5;
	if (v < (double)lo_ns || v >= (double)hi_ns + 1)
		return -1;
	*ns = (uint64_t)v;
	return *ns >= lo_ns && *ns <= hi_ns ? 0 : -1;
}

