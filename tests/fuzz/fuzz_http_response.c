/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target: tern-load's response reader (apps/load/load_resp.c over
 * http_parse_response and the chunked decoder of apps/common/http.c). The
 * first input byte is a segment size, the rest is what a server answered.
 * The answer goes to load_resp_feed() once in one call and once cut into
 * segments of that size (a head that spans segments is gathered, bounded
 * by HEAD_LIMIT); both must reach the same verdict (complete, error, or
 * still waiting), bytes after a complete response being an error. A head
 * that parses is also checked directly: fields in range, the head alone
 * parses the same, no prefix of it is complete or rejected, a limit of
 * its length is enough and one byte less is not. A broken rule aborts.
 * Built as a libFuzzer target with clang (-Dfuzz=true) and, for the
 * regular suites, linked with replay.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../apps/load/load_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
same_response(const struct http_response *a, const struct http_response *b)
{
	return a->status == b->status && a->version_minor == b->version_minor &&
	       a->keep_alive == b->keep_alive && a->chunked == b->chunked &&
	       a->has_length == b->has_length && a->content_length == b->content_length &&
	       a->head_len == b->head_len;
}

static void
check_head(const char *buf, size_t size)
{
	struct http_response r, part;
	size_t cut, step;

	if (http_parse_response(buf, size, HEAD_LIMIT, &r) != HTTP_OK)
		return;
	check(r.head_len > 0 && r.head_len <= size && r.head_len <= HEAD_LIMIT);
	check(r.status >= 100 && r.status <= 599 && r.version_minor <= 1);
	check(!(r.chunked && r.has_length));
	check(r.has_length || r.chunked || !r.keep_alive);
	step = r.head_len > 256 ? r.head_len / 64 : 1;
	for (cut = 0; cut < r.head_len; cut += (cut < 128 ? 1 : step))
		check(http_parse_response(buf, cut, HEAD_LIMIT, &part) == HTTP_INCOMPLETE);
	check(http_parse_response(buf, r.head_len, HEAD_LIMIT, &part) == HTTP_OK);
	check(same_response(&r, &part));
	/* the limit is inclusive */
	check(http_parse_response(buf, size, r.head_len, &part) == HTTP_OK);
	check(same_response(&r, &part));
	check(http_parse_response(buf, size, r.head_len - 1, &part) != HTTP_OK);
}

/* Feed `d` in segments of `seg` bytes as load_conn.c would, until a
 * verdict; bytes left after a complete response make it an error. */
static int
feed(const char *d, size_t n, size_t seg)
{
	struct load_conn k;
	size_t off = 0, take;
	int r = 0;

	memset(&k, 0, sizeof(k));
	k.body = B_HEAD;
	while (off < n && r == 0) {
		take = n - off < seg ? n - off : seg;
		r = load_resp_feed(&k, d + off, take);
		off += take;
	}
	free(k.hbuf);
	return r == 1 && off < n ? -1 : r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data + 1;
	size_t n, seg;
	int whole, cut;

	if (size < 1 || size > 3 * HEAD_LIMIT)
		return 0;
	n = size - 1;
	seg = data[0] < 8 ? data[0] + 1u : data[0] * 32u;
	check_head(d, n);
	whole = feed(d, n, n ? n : 1);
	cut = feed(d, n, seg);
	/* one call that holds exactly HEAD_LIMIT bytes of an unfinished head
	 * waits for the next byte to fail; gathered segments fail at once */
	if (whole == 0 && cut == -1 && n == HEAD_LIMIT)
		return 0;
	check(whole == cut);
	return 0;
}
