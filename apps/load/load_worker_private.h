/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to tern-load's worker, shared by its two halves: the worker's
 * bookkeeping (struct worker_priv), the few helpers both use, and the
 * entry points of the connection half (load_conn.c: commands, pacing,
 * events) that the loop (load_worker.c: phases, timeouts, close) calls.
 */
#ifndef TERN_LOAD_WORKER_PRIVATE_H
#define TERN_LOAD_WORKER_PRIVATE_H

#include <stdint.h>

#include "load.h"
#include "load_conn.h"

#define EV_BURST 64
#define CONNECT_BUDGET 128		/* connects per loop iteration */
#define GEN_MASK 0x3fffffffu
#define CK_CMD (1ull << 62)		/* cookie of a command other than connect */

struct worker_priv {
	struct load_due due;		/* idle connections by due time */
	uint32_t *connq;		/* connections waiting to connect (FIFO) */
	uint32_t q_head, q_n;
	uint32_t *readyq;		/* --in-flight: idle connections, in turn (FIFO) */
	uint32_t r_head, r_n;
	uint32_t cap;			/* --in-flight share of this lcore; 0 = none */
	uint32_t live;			/* connects not yet answered by CLOSED */
	uint32_t busy;			/* requests in flight */
	uint32_t connecting;		/* connections in C_CONNECTING */
	uint32_t ever_up;		/* connections that were up at least once */
	uint32_t scan_pos;		/* timeout scan cursor */
	int ending;			/* past the end: no new requests */
	int ramping;			/* keep-alive: not every connection up yet */
	int kicking;			/* ramp-up over: starting the connections */
	uint32_t kick_pos;
	uint16_t *lport_next;		/* per server port: next local port to try (lcores > 1) */
	enum load_phase phase;
	uint64_t next_scan_ns, next_pub_ns, next_sec_ns, next_p99_ns, sec_requests;
};

/* Every state change of a connection: keeps the connect window count. */
static inline void
conn_set(struct worker_priv *p, struct load_conn *k, uint8_t st)
{
	if (k->state == C_CONNECTING)
		p->connecting--;
	if (st == C_CONNECTING)
		p->connecting++;
	k->state = st;
}

static inline struct load_count *
counts(struct load_worker *w)
{
	return &w->count[((struct worker_priv *)w->priv)->phase];
}

static inline void
conn_cmd(struct load_worker *w, uint16_t type, uint64_t handle, uint32_t len)
{
	/* a full command ring only loses credit or a close: the stack
	 * tears the connection down at the end anyway */
	(void)tern_tcp_cmd(w->chan, type, handle, NULL, len, CK_CMD);
}

/* ---- load_conn.c: one connection's commands, pacing and events ---- */
void conn_drop(struct load_worker *w, struct load_conn *k, int abort);
void conn_next(struct load_worker *w, struct worker_priv *p, struct load_conn *k, uint64_t now);
void do_connects(struct load_worker *w, struct worker_priv *p, uint64_t now);
void readyq_next(struct load_worker *w, struct worker_priv *p, uint64_t now);
void on_event(struct load_worker *w, struct worker_priv *p, const struct tern_event *ev,
	      uint64_t now);

#endif
