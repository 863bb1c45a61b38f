/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Response building for tern-httpd; see httpd_resp.h. Each anchor is a
 * pool mbuf attached to an external buffer of HTTPD_BODY_CHUNK pattern
 * bytes (rte_pktmbuf_attach_extbuf); a body of N bytes is a chain of
 * ceil(N / HTTPD_BODY_CHUNK) indirect mbufs attached to an anchor, behind
 * a fresh header mbuf. The external buffer's reference count is 16 bits
 * wide, so an anchor is retired for new bodies well before it could wrap
 * and the next one is used; the buffer is freed (free callback) when the
 * last mbuf referencing it goes, whoever frees it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../common/http.h"

#include "httpd_resp.h"

/* Keep new references below this per anchor (the count is uint16_t). */
#define ANCHOR_REF_LIMIT 60000u

struct anchor_mem {
	struct rte_mbuf_ext_shared_info shinfo;
	char data[] __rte_cache_aligned;
};

static void
anchor_free_cb(void *addr, void *opaque)
{
	(void)addr;
	rte_free(opaque);
}

static struct rte_mbuf *
anchor_create(struct rte_mempool *pool, int socket)
{
	struct anchor_mem *am;
	struct rte_mbuf *m;
	rte_iova_t iova;
	uint32_t i;

	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	am = rte_malloc_socket("httpd_body", sizeof(*am) + HTTPD_BODY_CHUNK,
			       RTE_CACHE_LINE_SIZE, socket);
	if (am == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (i = 0; i < HTTPD_BODY_CHUNK; i++)
		am->data[i] = httpd_body_byte(i);
	am->shinfo.free_cb = anchor_free_cb;
	am->shinfo.fcb_opaque = am;
	rte_mbuf_ext_refcnt_set(&am->shinfo, 1);
	/* virt2iova takes the start of an rte_malloc'd element */
	iova = rte_malloc_virt2iova(am);
	if (iova != RTE_BAD_IOVA)
		iova += offsetof(struct anchor_mem, data);
	rte_pktmbuf_attach_extbuf(m, am->data, iova, HTTPD_BODY_CHUNK, &am->shinfo);
	m->data_len = HTTPD_BODY_CHUNK;
	m->pkt_len = HTTPD_BODY_CHUNK;
	return m;
}

int
httpd_body_init(struct httpd_body *b, struct rte_mempool *pool, int socket)
{
	unsigned int i;

	memset(b, 0, sizeof(*b));
	b->pool = pool;
	for (i = 0; i < HTTPD_BODY_ANCHORS; i++) {
		b->anchor[i] = anchor_create(pool, socket);
		if (b->anchor[i] == NULL) {
			httpd_body_fini(b);
			return -1;
		}
	}
	return 0;
}

void
httpd_body_fini(struct httpd_body *b)
{
	unsigned int i;

	for (i = 0; i < HTTPD_BODY_ANCHORS; i++) {
		rte_pktmbuf_free(b->anchor[i]);
		b->anchor[i] = NULL;
	}
}

/* An anchor with room for `refs` more references, or NULL. */
static struct rte_mbuf *
anchor_pick(struct httpd_body *b, uint32_t refs)
{
	unsigned int k;

	for (k = 0; k < HTTPD_BODY_ANCHORS; k++) {
		struct rte_mbuf *a = b->anchor[b->cur];

		if (rte_mbuf_ext_refcnt_read(a->shinfo) + refs < ANCHOR_REF_LIMIT)
			return a;
		b->cur = (b->cur + 1) % HTTPD_BODY_ANCHORS;
	}
	return NULL;
}

/* Chain `len` body bytes behind `last` by reference. Returns 0 or -1. */
static int
body_chain(struct httpd_body *b, struct rte_mbuf *head, uint64_t len)
{
	uint32_t n = (uint32_t)((len + HTTPD_BODY_CHUNK - 1) / HTTPD_BODY_CHUNK);
	struct rte_mbuf *a = anchor_pick(b, n), *last = head;
	struct rte_mbuf *mi[64];

	if (a == NULL)
		return -1;
	while (len > 0) {
		uint32_t k, burst = RTE_MIN(n, (uint32_t)RTE_DIM(mi));

		if (rte_pktmbuf_alloc_bulk(b->pool, mi, burst) != 0)
			return -1;
		for (k = 0; k < burst; k++) {
			uint16_t piece = (uint16_t)RTE_MIN(len, (uint64_t)HTTPD_BODY_CHUNK);

			rte_pktmbuf_attach(mi[k], a);
			mi[k]->data_len = piece;
			mi[k]->pkt_len = piece;
			last->next = mi[k];
			last = mi[k];
			head->nb_segs++;
			head->pkt_len += piece;
			len -= piece;
		}
		n -= burst;
	}
	return 0;
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Header (and, for errors, a one-line text body) into `p`; returns the end.
 * At most about 200 bytes: far below an mbuf's data room. The header's
 * length is kept even (a trailing space in the Server value, which RFC
 * 9110 5.5 makes invisible): net_tap's TX checksum offload in DPDK 22.11
 * sums each segment of a chain on its own, which is wrong after an
 * odd-length segment, and the stack sends the header and the body's first
 * bytes as two segments of one frame. */
static char *
write_head(char *p, const struct httpd_resp *r, uint64_t body_len, int is_error)
{
	char *start = p;

	p = put_str(p, "HTTP/1.1 ");
	p = put_u64(p, r->status);
	*p++ = ' ';
	p = put_str(p, http_reason(r->status));
	p = put_str(p, "\r\nContent-Type: ");
	p = put_str(p, is_error ? "text/plain" : "application/octet-stream");
	p = put_str(p, "\r\nContent-Length: ");
	p = put_u64(p, body_len);
	if (r->status == 405)
		p = put_str(p, "\r\nAllow: GET, HEAD");
	if (r->close)
		p = put_str(p, "\r\nConnection: close");
	else if (r->keep_alive_10)
		p = put_str(p, "\r\nConnection: keep-alive");
	p = put_str(p, "\r\nServer: tern-httpd");
	if ((p - start) % 2 != 0)
		*p++ = ' ';
	return put_str(p, "\r\n\r\n");
}

struct rte_mbuf *
httpd_resp_build(struct httpd_body *b, const struct httpd_resp *r)
{
	int is_error = r->status >= 300;
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	char *start, *p;
	uint64_t body_len = r->body_len;
	char err_body[64];
	int err_len = 0;

	if (m == NULL)
		return NULL;
	if (is_error) {
		err_len = snprintf(err_body, sizeof(err_body), "%u %s\n", r->status,
				   http_reason(r->status));
		body_len = (uint64_t)err_len;
	}
	start = rte_pktmbuf_mtod(m, char *);
	p = write_head(start, r, body_len, is_error);
	if (is_error && !r->head_only) {
		memcpy(p, err_body, (size_t)err_len);
		p += err_len;
	}
	m->data_len = (uint16_t)(p - start);
	m->pkt_len = m->data_len;
	if (!is_error && !r->head_only && body_len > 0 && body_chain(b, m, body_len) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}
