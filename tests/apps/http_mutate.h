/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Random mutation for the HTTP parser tests (test_http.c: heads,
 * test_http_chunked.c: chunked bodies): a fixed-seed xorshift and a few
 * bytes replaced, inserted or deleted, favouring the syntax bytes.
 */
#ifndef TERN_TEST_HTTP_MUTATE_H
#define TERN_TEST_HTTP_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Replace, insert or delete a few bytes, favouring the syntax bytes. */
static inline size_t
mutate(char *buf, size_t len, size_t cap, uint64_t *x)
{
	static const char alphabet[] = "\r\n :;,\t\"\x7f\x80\x01aZ09/-.";
	int n = 1 + (int)(rng_next(x) % 3);

	while (n-- > 0 && len > 0) {
		size_t at = rng_next(x) % len;
		char c = alphabet[rng_next(x) % (sizeof(alphabet) - 1)];

		if (rng_next(x) % 8 == 0)
			c = '\0';
		switch (rng_next(x) % 3) {
		case 0:
			buf[at] = c;
			break;
		case 1:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		default:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		}
	}
	return len;
}

#endif
