/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP test harness: a scripted peer at PEER_IP that talks to a tern stack
 * at OUR_IP through real segments. Three layers:
 *   frame_tcp()/frame_parse_tcp()  build a segment peer -> tern with a
 *                                  correct checksum; parse what tern sent
 *                                  (checksums verified, options decoded);
 *   struct tconn + TSEG()          a connection seen from the peer: its own
 *                                  sequence numbers, what it acknowledged,
 *                                  the timestamps it echoes; a segment is
 *                                  described relative to that state
 *                                  (tc_in(tc, TSEG(.flags = ACK, .dseq = 5)));
 *   fixtures                       a stack, a channel, a listener on port
 *                                  80, and a connection driven into a given
 *                                  RFC 9293 state by exchanging segments.
 * Time is simulated: tc->now only moves when a test advances it
 * (tc_advance), and every deadline is checked against it.
 * Tests read the TCB through lib/tcp internals (tcp_conn_lookup) only to
 * assert its state, never to change it.
 */
#ifndef TERN_TCP_FRAMES_H
#define TERN_TCP_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "frames.h"
#include "wire/tcp_hdr.h"

#include "tcp/tcp_private.h"	/* lib/tcp internals: enum tcp_state, struct tcb */

#define LISTEN_PORT 80
#define PEER_PORT 40000		/* the peer's port for passive opens */
#define PEER_LISTEN_PORT 5000	/* the peer's port for active opens */
#define OUR_ACTIVE_PORT 33000	/* tern's local port for active opens */
#define PEER_ISS 1000000u
#define PEER_MSS 1460
#define PEER_WSCALE 2		/* the shift the peer offers */
#define MS 1000000ull
#define SEC 1000000000ull

#define F_FIN TCP_FLAG_FIN
#define F_SYN TCP_FLAG_SYN
#define F_RST TCP_FLAG_RST
#define F_PSH TCP_FLAG_PSH
#define F_ACK TCP_FLAG_ACK

/* ---- raw segments ------------------------------------------------------ */

/* Ethernet + IPv4 + TCP peer -> us with a correct TCP checksum. `opts` may
 * be NULL (no options). */
struct rte_mbuf *frame_tcp(const struct frame_ip *f, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
			   const struct tcp_opts *opts, const void *payload, uint16_t len);

/* A TCP segment tern sent, parsed back. */
struct parsed_tcp {
	struct eth_hdr_v eth;
	struct ip4_hdr_v ip;
	bool ip_cksum_ok;
	struct tcp_seg tcp;		/* incl. options */
	bool cksum_ok;			/* TCP checksum over pseudo-header */
	uint32_t len;			/* payload bytes */
	uint8_t payload[2048];
};

/* 0 when `m` is Ethernet/IPv4/TCP and parses (checksums recorded, not
 * required). */
int frame_parse_tcp(const struct rte_mbuf *m, struct parsed_tcp *p);

/* ---- the peer's view of a connection ------------------------------------- */

struct tconn {
	struct tern_stack *s;
	struct tern_chan *c;
	struct tern_config cfg;
	uint64_t now;
	uint64_t listener;		/* listener handle (passive fixtures) */
	uint64_t h;			/* connection handle the app got */
	uint16_t lport;			/* tern's port */
	uint16_t pport;			/* the peer's port */
	/* the peer's send side */
	uint32_t iss;			/* the peer's ISS */
	uint32_t snd_nxt;		/* the peer's next sequence number */
	uint32_t wnd;			/* window the peer advertises (unscaled field) */
	uint8_t ws_shift;		/* shift the peer offered (applies to .wnd) */
	/* what the peer learned from tern */
	uint32_t irs;			/* tern's ISS */
	uint32_t rcv_nxt;		/* next byte expected from tern (auto-advanced) */
	uint32_t tern_wnd;		/* last window tern advertised (scaled) */
	uint8_t tern_ws;		/* shift tern offered (0 when none) */
	uint16_t tern_mss;
	bool ws_ok, sack_ok, ts_ok;	/* negotiated */
	uint32_t ts_val;		/* the peer's clock (TSval it sends) */
	uint32_t ts_recent;		/* tern's last TSval (echoed as TSecr) */
	uint64_t rtt;			/* passive opens: the clock moves by this
					 * between SYN-ACK and ACK (tern's first
					 * RTT sample); 0 = none */
};

/* A segment relative to the peer's state; zero fields mean "default". */
struct tseg {
	uint8_t flags;			/* F_* */
	int32_t dseq;			/* seq = snd_nxt + dseq */
	int32_t dack;			/* ack = rcv_nxt + dack */
	bool abs;			/* use .seq/.ack as given */
	uint32_t seq;
	uint32_t ack;
	uint32_t wnd;			/* field value; 0 = tc->wnd; TSEG_WND_ZERO = 0 */
	const void *data;
	uint16_t len;
	bool no_opts;			/* no options at all */
	bool raw_opts;			/* exactly .opts */
	struct tcp_opts opts;
	uint32_t tsval;			/* non-zero: this TSval */
	uint16_t sport;			/* non-zero: this source port */
};
#define TSEG_WND_ZERO UINT32_MAX
/* A segment template: TSEG(.flags = F_ACK, .data = buf, .len = 100). */
#define TSEG(...) ((struct tseg){ __VA_ARGS__ })

/* Stack + channel + ARP entry for the peer; tc->now set. `cfg` NULL means
 * tcfg_default(). */
void tc_init(struct tconn *tc, const struct tern_config *cfg);
/* The test configuration: tstack_config() defaults, tail loss probes off
 * (tcp_tlp = 0: the RTO tests expect the RTO itself). */
void tcfg_default(struct tern_config *cfg);
/* Drain events (freeing mbufs) and frames, free the stack. */
void tc_fini(struct tconn *tc);
/* cmocka teardown: frees a stack a failed test left behind, then checks
 * the mbuf pool. */
int tc_teardown(void **state);

/* Advance the simulated clock by `ns` and run the stack. */
void tc_advance(struct tconn *tc, uint64_t ns);
/* Run the stack at the current time (after commands). */
void tc_run(struct tconn *tc);

/* The connection's TCB (NULL once it is gone). */
struct tcb *tc_tcb(const struct tconn *tc);
/* An ACK from the peer of base + ack_seg segments of `seg` bytes with `n`
 * SACK blocks (pairs of segment numbers counted from base, [a, b) in
 * segments) and its timestamps (TSval, TSecr = tern's last TSval). */
void tc_sack_in(struct tconn *tc, uint32_t seg, uint32_t base, uint32_t ack_seg,
		unsigned int n, const uint32_t *ab);

/* Build `seg` for the connection and feed it at tc->now. */
void tc_in(struct tconn *tc, struct tseg seg);
/* Same, but only build it (for tests that feed it later / twice). */
struct rte_mbuf *tc_build(struct tconn *tc, struct tseg seg);
/* In-order data from the peer (seq = snd_nxt, ACK rcv_nxt), advancing
 * snd_nxt; `flags` added to ACK (e.g. F_PSH, F_FIN). */
void tc_data(struct tconn *tc, const void *data, uint16_t len, uint8_t flags);
/* A pure ACK of everything tern sent. */
void tc_ack(struct tconn *tc);

/* Frames tern sent; each is parsed, checked (addresses, ports, checksums)
 * and fed to the peer's view (rcv_nxt, ts_recent, tern_wnd). Returns the
 * count (<= max). */
unsigned int tc_out(struct tconn *tc, struct parsed_tcp *p, unsigned int max);
/* Exactly one segment; returns it in *p. */
void tc_out1(struct tconn *tc, struct parsed_tcp *p);
/* Nothing sent. */
void tc_out_none(struct tconn *tc);
/* Assert a parsed segment's flags, seq, ack and payload length. */
void tc_expect(const struct parsed_tcp *p, uint8_t flags, uint32_t seq, uint32_t ack,
	       uint32_t len);
/* Exactly one pure ACK (no data, flags == ACK) acknowledging `ack`. */
void tc_expect_ack(struct tconn *tc, uint32_t ack);

/* The next event (there must be one); the app owns ev.m. */
struct tern_event tc_ev(struct tconn *tc);
/* Exactly one event of `type` (and free its mbuf); returns it. */
struct tern_event tc_ev_type(struct tconn *tc, uint16_t type);
void tc_no_ev(struct tconn *tc);
/* The TERN_EV_TCP_CONNECTING of a connect with `cookie` to PEER_IP:
 * tc->pport; sets and returns tc->h. */
uint64_t tc_connecting(struct tconn *tc, uint64_t cookie);

/* The state of the TCB for the connection, TCP_ST_TIME_WAIT when a
 * TIME-WAIT record holds it, TCP_ST_CLOSED when neither does. */
enum tcp_state tc_state(const struct tconn *tc);
/* Counter value. */
uint64_t tc_ctr(const struct tconn *tc, unsigned int id);

/* ---- fixtures --------------------------------------------------------------- */

/* Listen on LISTEN_PORT (backlog 0 = default); tc->listener set. */
void tc_listen(struct tconn *tc, uint32_t backlog);
/* The peer's SYN options: MSS PEER_MSS, WS PEER_WSCALE, SACK-perm, TS. */
struct tcp_opts tc_syn_opts_full(const struct tconn *tc);

/* Passive open up to ESTABLISHED with the full set of peer options (or
 * none when `plain`): SYN, SYN-ACK checked, ACK, TERN_EV_TCP_ACCEPTED. */
void tc_passive_open(struct tconn *tc, bool plain);
/* Passive open up to ESTABLISHED with the peer's SYN options `syn`: the
 * SYN-ACK must offer MSS and exactly the window scale, SACK-permitted and
 * timestamps the SYN offered; tc's ws_ok/sack_ok/ts_ok follow. */
void tc_passive_open_opts(struct tconn *tc, const struct tcp_opts *syn);
/* SYN options: MSS PEER_MSS plus any of TCP_OPTF_WSCALE (PEER_WSCALE),
 * TCP_OPTF_SACK_PERM and TCP_OPTF_TS (the peer's clock) in `which`. */
struct tcp_opts tc_syn_opts(const struct tconn *tc, uint8_t which);
/* Active open up to ESTABLISHED: tern_tcp_connect, SYN checked, SYN-ACK,
 * ACK checked, TERN_EV_TCP_CONNECTED. */
void tc_active_open(struct tconn *tc, bool plain);

/* Drive a passively opened connection into `st`:
 * ESTABLISHED, FIN_WAIT_1 (app closed, FIN unacked), FIN_WAIT_2 (FIN
 * acked), CLOSE_WAIT (peer FIN), CLOSING (both FINs crossing), LAST_ACK
 * (CLOSE_WAIT + app close), TIME_WAIT (FIN_WAIT_2 + peer FIN). With
 * `shutdown`, the app uses tern_tcp_shutdown instead of tern_tcp_close.
 * Every segment and event on the way is asserted. */
void tc_to_state(struct tconn *tc, enum tcp_state st, bool shutdown);

/* Payload helpers. */
void tc_fill(uint8_t *b, uint32_t n, uint32_t seed);
struct rte_mbuf *tc_mbuf(const void *data, uint32_t len);
/* App: send `len` bytes of `data` on tc->h and run the stack. */
void tc_send(struct tconn *tc, const void *data, uint32_t len);

#endif
