/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's response reader: a response head is parsed in place when one
 * segment holds it, else gathered in a per-connection buffer (bounded by
 * HEAD_LIMIT); the body is counted by Content-Length, chunked framing or
 * the peer's FIN (http.h). Called by load_conn.c for each DATA segment of
 * a busy connection.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "load_conn.h"

/* A head is complete: set up the body. 1xx heads are skipped. */
static void
head_done(struct load_conn *k, const struct http_response *r)
{
	k->status = r->status;
	k->keep_alive = r->keep_alive;
	if (r->status < 200) {
		k->body = B_HEAD;
		return;
	}
	if (r->status == 204 || r->status == 304) {
		k->body = B_LEN;
		k->left = 0;
	} else if (r->chunked) {
		k->body = B_CHUNKED;
		memset(&k->ch, 0, sizeof(k->ch));
	} else if (r->has_length) {
		k->body = B_LEN;
		k->left = r->content_length;
	} else {
		k->body = B_EOF;
		k->keep_alive = 0;
	}
}

/* Feed body bytes; returns bytes used, or -1 on bad framing. */
static long
body_feed(struct load_conn *k, const char *d, size_t n)
{
	uint64_t data;
	long used;

	switch (k->body) {
	case B_LEN:
		used = (long)RTE_MIN((uint64_t)n, k->left);
		k->left -= (uint64_t)used;
		return used;
	case B_CHUNKED:
		used = http_chunked_feed(&k->ch, d, n, &data);
		return used;
	default:
		return (long)n;			/* B_EOF: until the FIN */
	}
}

static int
body_complete(const struct load_conn *k)
{
	return (k->body == B_LEN && k->left == 0) || (k->body == B_CHUNKED && k->ch.done);
}

/* Parse a head from contiguous bytes; returns bytes of head used (> 0),
 * 0 if incomplete, -1 on error. */
static long
head_parse(struct load_conn *k, const char *d, size_t n)
{
	struct http_response r;

	switch (http_parse_response(d, n, HEAD_LIMIT, &r)) {
	case HTTP_OK:
		head_done(k, &r);
		return (long)r.head_len;
	case HTTP_INCOMPLETE:
		return 0;
	default:
		return -1;
	}
}

int
load_resp_feed(struct load_conn *k, const char *d, size_t n)
{
	while (n > 0) {
		long used;

		if (k->body == B_HEAD) {
			if (k->hlen == 0) {
				used = head_parse(k, d, n);
				if (used < 0)
					return -1;
				if (used == 0) {
					if (n > HEAD_LIMIT)
						return -1;
					if (k->hbuf == NULL && (k->hbuf = malloc(HEAD_LIMIT)) == NULL)
						return -1;
					memcpy(k->hbuf, d, n);
					k->hlen = (uint16_t)n;
					return 0;
				}
			} else {
				size_t take = RTE_MIN(n, HEAD_LIMIT - (size_t)k->hlen);
				size_t had = k->hlen;

				memcpy(k->hbuf + had, d, take);
				used = head_parse(k, k->hbuf, had + take);
				if (used < 0 || (used == 0 && had + take == HEAD_LIMIT))
					return -1;
				if (used == 0) {
					k->hlen = (uint16_t)(had + take);
					return 0;
				}
				k->hlen = 0;
				used -= (long)had;	/* bytes of this segment in the head */
			}
		} else {
			used = body_feed(k, d, n);
			if (used < 0)
				return -1;
		}
		d += used;
		n -= (size_t)used;
		if (k->body != B_HEAD && body_complete(k))
			return n == 0 ? 1 : -1;
	}
	/* a head with an empty body completes without body bytes */
	return k->body != B_HEAD && body_complete(k) ? 1 : 0;
}
