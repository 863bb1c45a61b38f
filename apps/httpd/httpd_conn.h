/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-httpd's per-lcore server: connection state indexed by handle slot,
 * the TCP event handler (httpd_conn.c), request processing (httpd_req.c:
 * parse every complete request head, answer in order, discard request
 * bodies), send-side flow control, idle timeouts and the defences of
 * httpd_guard.h (whole-head deadline, minimum receive rate, connections
 * per client address, the Host rule).
 * One instance per lcore, driven by main.c's loop:
 * httpd_srv_event() for every event, then httpd_srv_run() once per
 * iteration with the loop's clock.
 */
#ifndef TERN_HTTPD_CONN_H
#define TERN_HTTPD_CONN_H

#include <stdint.h>

#include <tern/tern.h>

#include "../common/http.h"

#include "httpd_guard.h"
#include "httpd_opts.h"
#include "httpd_resp.h"

struct rte_mempool;
struct httpd_conn;

/* Limit of a request head (request line + headers), as RFC 6585's 431. */
#define HTTPD_HEAD_LIMIT 8192u

/* Statuses counted one by one; anything else lands in HTTPD_ST_OTHER. */
enum httpd_st {
	HTTPD_ST_200,
	HTTPD_ST_400,
	HTTPD_ST_404,
	HTTPD_ST_405,
	HTTPD_ST_408,
	HTTPD_ST_414,
	HTTPD_ST_431,
	HTTPD_ST_501,
	HTTPD_ST_505,
	HTTPD_ST_OTHER,
	HTTPD_ST_COUNT
};

struct httpd_stats {
	uint64_t requests;		/* request heads answered */
	uint64_t status[HTTPD_ST_COUNT];
	uint64_t rx_bytes;		/* request bytes consumed (heads and bodies) */
	uint64_t tx_bytes;		/* response bytes queued (headers and bodies) */
	uint64_t body_bytes;		/* of which body bytes sent by reference */
	uint64_t conns_accepted;
	uint64_t conns_closed;
	uint64_t conns_overflow;	/* accepted beyond the table: aborted */
	uint64_t conns_reused;		/* connections that served > 1 request */
	uint64_t idle_timeouts;		/* closed or aborted by --idle-timeout */
	uint64_t head_buf_short;	/* aborted: no buffer for a partial head */
	uint64_t mbuf_short;		/* aborted: no mbuf for a response */
	uint64_t ring_full;		/* aborted: command ring full */
	uint64_t send_refused;		/* aborted: send queue past twice its limit */
	uint64_t stalls;		/* injected stalls (--stall-ms) */
	uint64_t head_timeouts;		/* 408: head not whole in --header-timeout */
	uint64_t slow_requests;		/* 408: request below --min-rate */
	uint64_t conns_addr_refused;	/* aborted at accept: --max-conns-per-addr */
	uint64_t conns_addr_untracked;	/* accepted, address table full */
	uint64_t bad_host;		/* 400: not exactly one Host (RFC 9112 3.2) */
	uint64_t accepted_by_port[HTTPD_MAX_PORTS];	/* by index in --ports */
};

struct httpd_srv_conf {
	uint32_t max_conns;		/* table size: cfg.tcp_max_conns */
	uint32_t sndbuf;		/* cfg.tcp_sndbuf: bytes sent per pass */
	uint16_t port;			/* first listening port */
	uint16_t n_ports;		/* ports port .. port + n_ports - 1 */
	uint32_t body_size;
	uint32_t max_body;
	uint64_t idle_ns;
	uint64_t head_ns;		/* whole-head deadline; 0 = none */
	uint64_t rate_window_ns;	/* --min-rate-window */
	uint32_t min_rate;		/* bytes/s; 0 = not checked */
	uint32_t max_per_addr;		/* connections per address; 0 = no cap */
};

/* Deadline lists: every deadline in one list is now + the same timeout,
 * so each list is in deadline order by construction (append, unlink). */
enum httpd_dl {
	HTTPD_DL_IDLE,			/* --idle-timeout: touched by any progress */
	HTTPD_DL_HEAD,			/* --header-timeout: from a head's first byte */
	HTTPD_DL_COUNT
};

struct httpd_dl_list {
	uint32_t head, tail;		/* oldest deadline first */
};

struct httpd_srv {
	struct tern_chan *chan;
	struct httpd_srv_conf conf;
	struct httpd_body body;
	struct rte_mempool *hbufs;	/* head buffers of HTTPD_HEAD_LIMIT bytes */
	struct httpd_conn *conns;	/* by handle slot */
	struct httpd_dl_list dl[HTTPD_DL_COUNT];
	struct httpd_addr_table addrs;	/* when conf.max_per_addr != 0 */
	uint32_t ready;			/* connections to process again */
	uint64_t now;			/* the loop's clock */
	uint64_t iter;			/* loop iterations (per-pass budgets) */
	uint32_t listening;		/* listeners the stack confirmed */
	struct http_request req;	/* scratch */
	struct httpd_stats st;
};

/* Returns 0, or -1 when memory is short (message printed). */
int httpd_srv_init(struct httpd_srv *h, struct tern_chan *c, unsigned int lcore,
		   const struct httpd_srv_conf *conf, struct rte_mempool *pool);
/* Start of a loop iteration, after tern_stack_poll: the loop's clock. */
static inline void
httpd_srv_tick(struct httpd_srv *h, uint64_t now)
{
	h->now = now;
	h->iter++;
}

/* Handle one event; returns 0, -1 on a fatal error (listen failed). */
int httpd_srv_event(struct httpd_srv *h, const struct tern_event *ev);
/* Once per loop iteration after the events: resume connections that were
 * held back, expire idle ones. */
void httpd_srv_run(struct httpd_srv *h);
void httpd_srv_fini(struct httpd_srv *h);

#endif
