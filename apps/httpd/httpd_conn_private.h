/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to tern-httpd's server, shared by its two halves: one
 * connection's state (struct httpd_conn), and the functions the
 * connection half (httpd_conn.c: slots, deadline and ready lists,
 * lifetime, events) and the request half (httpd_req.c: input consumed,
 * heads parsed, answers sent) call in each other.
 */
#ifndef TERN_HTTPD_CONN_PRIVATE_H
#define TERN_HTTPD_CONN_PRIVATE_H

#include <stdint.h>

#include "httpd_conn.h"

enum body_kind {
	BODY_NONE = 0,
	BODY_LENGTH,
	BODY_CHUNKED,
};

struct httpd_conn {
	uint64_t handle;		/* 0 = free */
	struct rte_mbuf *inq;		/* received, not consumed (segments by next) */
	struct rte_mbuf *inq_tail;
	uint32_t inq_off;		/* consumed bytes of inq's first segment */
	uint32_t hlen;			/* bytes in hbuf */
	char *hbuf;			/* a partial request head, or NULL */
	uint64_t body_left;		/* BODY_LENGTH: bytes still to discard */
	struct http_chunked chunk;	/* BODY_CHUNKED decoder */
	struct httpd_resp pend;		/* the answer, sent once the body is gone */
	uint8_t body;			/* enum body_kind */
	uint8_t full;			/* TERN_EV_TCP_FULL seen, no WRITABLE yet */
	uint8_t closing;		/* close or abort sent: consume nothing more */
	uint8_t aborted;
	uint8_t peer_closed;
	uint32_t served;		/* requests answered */
	uint32_t uncredited;		/* consumed bytes not yet credited back */
	uint64_t pass_iter;		/* loop iteration of pass_bytes */
	uint64_t pass_bytes;		/* bytes answered in that iteration */
	struct httpd_rate rate;		/* incomplete request's meter */
	struct {
		uint64_t deadline_ns;
		uint32_t prev, next;
	} dl[HTTPD_DL_COUNT];
	uint32_t addr;			/* peer IPv4 (host order) */
	uint8_t in_dl;			/* bit per enum httpd_dl */
	uint8_t addr_counted;		/* in h->addrs: release at reset */
	uint8_t rate_on;		/* a request is incomplete: rate is metered */
	/* ready list membership outlives the connection (see conn_reset) */
	uint8_t queued;
	uint32_t ready_next;
};

/* ---- httpd_conn.c: lists and lifetime ---- */
void dl_arm(struct httpd_srv *h, struct httpd_conn *c, enum httpd_dl l, uint64_t timeout_ns);
void ready_add(struct httpd_srv *h, struct httpd_conn *c);
void inq_pop(struct httpd_conn *c);
void hbuf_release(struct httpd_srv *h, struct httpd_conn *c);
void conn_drop_input(struct httpd_srv *h, struct httpd_conn *c);
void conn_abort(struct httpd_srv *h, struct httpd_conn *c);
void credit_flush(struct httpd_srv *h, struct httpd_conn *c);
void conn_close(struct httpd_srv *h, struct httpd_conn *c);

/* ---- httpd_req.c: requests ---- */
void conn_timeout(struct httpd_srv *h, struct httpd_conn *c);
void conn_process(struct httpd_srv *h, struct httpd_conn *c);

#endif
