/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to tern-load's worker: one connection's state, shared by the
 * connection logic (load_conn.c), the response reader (load_resp.c) and
 * the due-time heap (load_time.c).
 */
#ifndef TERN_LOAD_CONN_H
#define TERN_LOAD_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/http.h"

#define HEAD_LIMIT 8192u		/* largest response head accepted */

enum conn_state { C_IDLE, C_CONNECTING, C_READY, C_BUSY };
enum body_mode { B_HEAD, B_LEN, B_CHUNKED, B_EOF };

struct load_conn {
	uint64_t handle;
	uint64_t old_handle;		/* retired: closed once the peer's FIN comes */
	uint64_t due_ns;		/* heap key */
	uint64_t k;			/* next request index (open loop) */
	uint64_t t0_ns;			/* latency origin of the request in flight */
	uint64_t deadline_ns;		/* timeout of the request or connect */
	uint64_t left;			/* body bytes left (B_LEN) */
	struct http_chunked ch;
	char *hbuf;			/* head gathered across segments */
	uint32_t gen, old_gen;
	uint16_t hlen;
	uint16_t status;
	uint8_t state;
	uint8_t body;
	uint8_t has_old;
	uint8_t peer_closed;
	uint8_t keep_alive;
	uint8_t in_heap;
	uint8_t in_connq;
	uint8_t eph;			/* its own local port was taken: use an ephemeral one */
	uint8_t was_up;			/* connected at least once (ramp-up) */
	uint8_t in_readyq;		/* --in-flight: waiting for a request slot */
	uint16_t lport;			/* its own local port, once chosen (lcores > 1) */
	uint64_t retry_ns;		/* refused: no connect before this (0: at once) */
	uint64_t backoff_ns;		/* the wait after the next refusal; 0: none yet */
};

/* Consume `n` response bytes at `d` for a busy connection. Returns 0, 1
 * when the response completed, -1 on a protocol error (bytes after a
 * complete response included: the server answered more than asked). */
int load_resp_feed(struct load_conn *k, const char *d, size_t n);

/* ---- load_time.c: connections waiting for their due time ---- */
/* A binary min-heap of connection indices keyed by conns[i].due_ns;
 * idx holds room for every connection. */
struct load_due {
	uint32_t *idx;
	uint32_t n;
};
/* Set conns[i].due_ns = due and queue connection i (in_heap = 1). */
void load_due_push(struct load_due *h, struct load_conn *conns, uint32_t i, uint64_t due);
/* Take the connection due first (h->n > 0; in_heap = 0). */
uint32_t load_due_pop(struct load_due *h, struct load_conn *conns);

#endif
