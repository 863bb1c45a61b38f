/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's responses: the body bytes, built once per lcore in a few
 * large external buffers ("anchors"), and the response builder that writes
 * only the header per response (a small direct mbuf) and chains the body
 * behind it as indirect mbufs referencing the anchors: no body byte is
 * copied. Used by httpd_conn.c on the lcore that owns the instance.
 */
#ifndef TERN_HTTPD_RESP_H
#define TERN_HTTPD_RESP_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/* Body bytes per anchor: a multiple of the 26-letter pattern, so that a
 * body made of whole anchors reads "abc...zabc..." without a seam. */
#define HTTPD_BODY_CHUNK (26u * 2520u)
#define HTTPD_BODY_ANCHORS 4

/* The body byte at offset `off` of every response body. */
static inline char
httpd_body_byte(uint64_t off)
{
	return (char)('a' + off % 26);
}

struct httpd_body {
	struct rte_mempool *pool;	/* for headers and indirect mbufs */
	struct rte_mbuf *anchor[HTTPD_BODY_ANCHORS];
	unsigned int cur;		/* anchor in use (rotated near refcnt limit) */
};

/* What to answer. */
struct httpd_resp {
	uint16_t status;
	uint8_t head_only;		/* HEAD: headers (with the length) only */
	uint8_t close;			/* add Connection: close */
	uint8_t keep_alive_10;		/* HTTP/1.0 keep-alive: say so */
	uint64_t body_len;		/* 2xx: pattern bytes; errors: ignored */
};

/* Build the anchors on `socket`. Returns 0 or -1 (memory). */
int httpd_body_init(struct httpd_body *b, struct rte_mempool *pool, int socket);
/* Drop this lcore's references; buffers go once the stack frees the last
 * mbuf that references them. */
void httpd_body_fini(struct httpd_body *b);

/* Build the whole response as one mbuf chain (header, then the body by
 * reference). Returns NULL when mbufs are short. */
struct rte_mbuf *httpd_resp_build(struct httpd_body *b, const struct httpd_resp *r);

#endif
