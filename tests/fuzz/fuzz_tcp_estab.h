/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to the fuzz_tcp_estab target, shared by its three files: the
 * harness (fuzz_tcp_estab.c: the stack, the app, the loop, set-up and
 * teardown), the peer (fuzz_tcp_estab_peer.c: segments in and out) and
 * the input's operations (fuzz_tcp_estab_ops.c). The harness state is
 * process-wide: test code only.
 */
#ifndef TERN_FUZZ_TCP_ESTAB_H
#define TERN_FUZZ_TCP_ESTAB_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include <tern/tern.h>

#include "wire/tcp_hdr.h"

#define OUR_IP 0xc6120002u		/* 198.18.0.2 */
#define PEER_IP 0xc6120001u		/* 198.18.0.1 */
#define LISTEN_PORT 80
#define PEER_LISTEN_PORT 5000
#define N_CONNS 5
#define MAX_SEG_DATA 1460u
#define MS 1000000ull
#define PEER_WS 7

/* The peer's view of one connection, and the app's. */
struct peer_conn {
	uint64_t h;			/* the app's handle, 0 = none */
	uint16_t lport;			/* tern's port */
	uint16_t pport;			/* the peer's port */
	uint32_t iss;			/* the peer's ISS */
	uint32_t snd_nxt;		/* the peer's next sequence number */
	uint32_t peer_max;		/* end of the highest segment the peer sent */
	uint32_t peer_una;		/* the last ACK the peer sent */
	uint16_t peer_wnd;		/* and its window field */
	uint32_t irs;			/* tern's ISS */
	uint32_t rcv_nxt;		/* highest end of what tern sent */
	uint32_t ts_recent;		/* tern's last TSval */
	uint32_t app_rcv;		/* sequence number of the app's next byte in */
	uint32_t app_snd;		/* sequence number of the app's next byte out */
	uint8_t full_opts;		/* the peer offers MSS, WS, SACK, TS */
	uint8_t ts_ok;			/* timestamps negotiated */
	uint8_t synced;			/* tern's SYN seen */
	uint8_t rcv_check;		/* app_rcv is known */
	uint8_t snd_check;		/* app_snd is exact (no send was refused) */
	uint8_t hold;			/* the app withholds receive credit */
	uint8_t nodelay;		/* the app turned Nagle off */
	uint8_t cubic;			/* the app chose CUBIC */
};

/* Fuzz harness state (fuzz_tcp_estab.c). */
extern struct rte_mempool *pool;
extern struct tern_stack *stack;
extern struct tern_chan *chan;
extern uint64_t now_ns;
extern struct peer_conn conns[N_CONNS];
extern int arp_wanted;

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };

/* The input as a stream of bytes; zeros once it runs out. */
struct reader {
	const uint8_t *p;
	size_t left;
};

/* ---- the two byte streams ---- */
/* Every byte the peer sends at sequence number x, and the app's. */
static inline uint8_t
peer_byte(uint32_t seq)
{
	return (uint8_t)(seq ^ (seq >> 8) ^ 0x5a);
}

static inline uint8_t
app_byte(uint32_t seq)
{
	return (uint8_t)(seq * 7u + (seq >> 11));
}

/* A stream broken: report and abort. */
void stream_fail(const char *what, const struct peer_conn *c, uint32_t seq);

/* ---- fuzz_tcp_estab.c: one loop iteration ---- */
void run(void);

/* ---- fuzz_tcp_estab_peer.c: the peer's segments ---- */
uint32_t peer_tsval(void);
void peer_send(struct peer_conn *c, const struct tcp_seg *seg, uint16_t len);
void peer_arp(void);
void seg_default_opts(const struct peer_conn *c, struct tcp_seg *s);
void syn_opts(struct tcp_seg *s);
void drain_tx(void);

/* ---- fuzz_tcp_estab_ops.c: one operation of the input ---- */
void op_run(struct reader *r);

#endif
