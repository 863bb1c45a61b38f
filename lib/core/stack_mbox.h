/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The stack's mailbox: how a thread that is not the stack's lcore (DPDK's
 * telemetry thread, for tern-stat) gets a listing of the stack's sockets
 * without a lock on the data path. The requester (stack/stack_stat.c)
 * writes a request and bumps `req_seq` with a release store; the loop
 * (stack_poll.c) compares `req_seq` with `done_seq` once per iteration
 * (one relaxed load of a line nobody writes while idle), and when they
 * differ fills one page of entries between iterations (walkers in
 * tcp/tcp_list.c and udp/udp_list.c) and publishes it with a release
 * store of `done_seq`. The requester waits a bounded time, then gives up.
 * An entry is a fixed array of numbers indexed by enum stat_field, so
 * pages are plain data and their encoding (names, order) lives in one
 * table of the roof.
 */
#ifndef TERN_STACK_MBOX_H
#define TERN_STACK_MBOX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

/* One number per field; the first STAT_F_BRIEF_COUNT make the brief form
 * (what netstat shows), the rest the internals (tern_tcp_info's). */
enum stat_field {
	STAT_F_PROTO = 0,	/* IPPROTO_TCP, IPPROTO_UDP */
	STAT_F_STATE,		/* enum tcp_state; 0 for UDP */
	STAT_F_LADDR,		/* host order; 0 = any */
	STAT_F_LPORT,
	STAT_F_RADDR,
	STAT_F_RPORT,
	STAT_F_SENDQ,		/* TCP: queued by the app, unacknowledged;
				 * listener: backlog */
	STAT_F_RECVQ,		/* TCP: delivered and not credited + held out
				 * of order; listener: SYN-RECEIVED count */
	STAT_F_BRIEF_COUNT,
	STAT_F_MSS = STAT_F_BRIEF_COUNT,
	STAT_F_PEER_MSS,
	STAT_F_CWND,
	STAT_F_SSTHRESH,	/* UINT32_MAX until the first congestion event */
	STAT_F_SND_WND,
	STAT_F_RCV_WND,
	STAT_F_SND_WSCALE,
	STAT_F_RCV_WSCALE,
	STAT_F_OPTIONS,		/* TERN_TCP_INFO_OPT_* */
	STAT_F_SRTT_US,
	STAT_F_RTTVAR_US,
	STAT_F_RTO_US,
	STAT_F_INFLIGHT,
	STAT_F_UNSENT,
	STAT_F_SACKED,
	STAT_F_PIPE,
	STAT_F_RETRIES,
	STAT_F_BACKOFF,
	STAT_F_DUPACKS,
	STAT_F_RECOVERY,	/* 0 none, 1 NewReno (RFC 6582), 2 SACK (RFC 6675) */
	STAT_F_CC,		/* enum tern_tcp_cc */
	STAT_F_BYTES_ACKED,	/* snd.una - iss - 1, modulo 2^32 */
	STAT_F_BYTES_RECEIVED,	/* rcv.nxt - irs - 1, modulo 2^32 */
	STAT_F_LAST_RX_MS,	/* since the last segment received */
	STAT_F_LAST_TX_MS,	/* since the last data segment sent (0: none) */
	STAT_F_RCVBUF,
	STAT_F_SNDBUF,
	STAT_F_COUNT
};

struct stat_entry {
	uint64_t v[STAT_F_COUNT];
};

/* Entries per page: every page must fit DPDK telemetry's 16 KiB answer
 * (stack_stat.c checks the worst case at build time). */
#define STAT_PAGE_BRIEF 96u
#define STAT_PAGE_INFO 24u
#define STAT_PAGE_MAX STAT_PAGE_BRIEF

/* Slots (TCBs, listeners, sockets) one page may look at: with a million
 * TCBs a page of matches could otherwise take a million cache misses out
 * of one loop iteration. A page can come back short (or empty) with a
 * cursor that is not the end. */
#define STAT_SCAN_BUDGET 4096u

/* Cursor: walk kind in the high 32 bits, slot in the low ones. */
enum stat_walk {
	STAT_WALK_LISTEN = 0,
	STAT_WALK_TCB,
	STAT_WALK_UDP,
	STAT_WALK_COUNT		/* the end */
};
#define STAT_CURSOR_END ((uint64_t)STAT_WALK_COUNT << 32)

#define STAT_PROTO_TCP 0x1u
#define STAT_PROTO_UDP 0x2u

struct stat_req {
	uint64_t cursor;
	uint32_t max;		/* entries wanted, <= STAT_PAGE_MAX */
	uint32_t states;	/* bit per enum tcp_state (bit 0: UDP); 0 = all */
	uint16_t port;		/* local or remote; 0 = any */
	uint8_t protos;		/* STAT_PROTO_*; 0 = both */
	uint8_t info;		/* fill the internals too */
};

struct stat_page {
	uint64_t next;		/* cursor of the next page; STAT_CURSOR_END */
	uint64_t now_ns;	/* the stack's clock when the page was made */
	uint32_t n;
	struct stat_entry e[STAT_PAGE_MAX];
};

struct stack_mbox {
	/* written by requesters only */
	uint32_t req_seq;
	uint32_t busy;		/* one requester at a time (not the stack's) */
	struct stat_req req;
	/* written by the stack only */
	uint32_t done_seq __rte_cache_aligned;
	struct stat_page page;
};

/* Whether an entry passes the request's filters. */
static inline bool
stat_req_match(const struct stat_req *r, uint8_t proto, uint8_t state, uint16_t lport,
	       uint16_t rport)
{
	if (r->protos != 0 &&
	    !(r->protos & (proto == 6 ? STAT_PROTO_TCP : STAT_PROTO_UDP)))
		return false;
	if (r->states != 0 && !(r->states & (1u << state)))
		return false;
	return r->port == 0 || r->port == lport || r->port == rport;
}

/* Room left in the page for this request. */
static inline bool
stat_page_full(const struct stat_req *r, const struct stat_page *p)
{
	return p->n >= r->max;
}

#endif
