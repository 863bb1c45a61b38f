/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The TCP control block (RFC 9293 3.3.1): one struct per connection with
 * RFC field names grouped in snd/rcv, the fields every segment touches in
 * its first cache line (checked below), sub-structs embedded (no pointer
 * chases on the fast path). TCBs live in a per-stack array with a free
 * list (tcp_conn.c); a slot index plus a generation makes the handle apps
 * see. Owned by exactly one lcore.
 */
#ifndef TERN_TCB_H
#define TERN_TCB_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "tcp/cc/cc.h"
#include "core/stack_private.h"

struct rte_mbuf;
struct tern_chan;
struct tcp_listener;

/* RFC 9293 states, ordered so the synchronized states compare >= ESTABLISHED. */
enum tcp_state {
	TCP_ST_CLOSED = 0,
	TCP_ST_LISTEN,
	TCP_ST_SYN_SENT,
	TCP_ST_SYN_RECEIVED,
	TCP_ST_ESTABLISHED,
	TCP_ST_FIN_WAIT_1,
	TCP_ST_FIN_WAIT_2,
	TCP_ST_CLOSE_WAIT,
	TCP_ST_CLOSING,
	TCP_ST_LAST_ACK,
	TCP_ST_TIME_WAIT,
	TCP_ST_COUNT
};

/* Per-connection timers: absolute deadlines, 0 = not armed. The TCB sits
 * once in the stack's wheel at the earliest of them (tcp_timer.c). */
enum tcp_timer_id {
	TCP_T_TLP = 0,		/* probe timeout, PTO (RFC 8985 7.2): before the
				 * RTO, so that when both are due the probe goes
				 * and pushes the RTO back */
	TCP_T_RTO,		/* retransmission, incl. SYN and SYN-ACK */
	TCP_T_PERSIST,		/* zero-window probe */
	TCP_T_DELACK,		/* delayed ACK */
	TCP_T_KEEPALIVE,	/* idle probe (only when configured) */
	TCP_T_FIN_WAIT_2,	/* orphaned FIN-WAIT-2 */
	TCP_T_TIME_WAIT,	/* 2*MSL */
	TCP_T_RACK,		/* RACK reorder timer (RFC 8985 6.3) */
	TCP_T_COUNT
};

/* tcb->flags, grouped by purpose; each group has its own byte so a mask
 * names the group.
 *
 * Options: negotiated on the handshake (SACK, timestamps, window scale)
 * or set by the app (no-delay). Fixed once ESTABLISHED, except NODELAY. */
#define TCB_F_SACK_OK		0x00000001u	/* both sides offered SACK */
#define TCB_F_TS_OK		0x00000002u	/* timestamps in use */
#define TCB_F_WS_OK		0x00000004u	/* window scaling in use */
#define TCB_F_NODELAY		0x00000008u	/* Nagle off */
#define TCB_F_ECN_OK		0x00000010u	/* ECN in use (RFC 3168 6.1.1); in
						 * SYN-SENT: our SYN asked for it */
#define TCB_F_RACK		0x00000020u	/* RACK loss detection (RFC 8985): SACK
						 * in use and tcp.rack on */
#define TCB_F_TLP_ON		0x00000040u	/* tail loss probes (RFC 8985 7): RACK
						 * and tcp.tlp on */
#define TCB_F_OPT_MASK		0x000000ffu

/* Output requests: input, commands and timers set them and call
 * tcp_output_schedule(); tcp_output_run() serves and clears them. */
#define TCB_F_ACK_NOW		0x00000100u	/* send an ACK in this iteration */
#define TCB_F_WND_UPDATE	0x00000200u	/* window opened: advertise it */
#define TCB_F_PROBE		0x00000400u	/* persist: send a 1-byte probe */
#define TCB_F_KEEPALIVE		0x00000800u	/* send a keepalive probe (timer) */
#define TCB_F_REXMIT_RTO	0x00001000u	/* RTO fired: go back to snd.una and
						 * resend from there */
#define TCB_F_REXMIT_FAST	0x00002000u	/* resend the one segment at snd.una
						 * (fast retransmit), no go-back */
#define TCB_F_SYNACK_AGAIN	0x00004000u	/* SYN-RECEIVED: resend the SYN-ACK now
						 * (ACK_NOW alone is a pure ACK) */
#define TCB_F_TLP		0x00008000u	/* PTO fired: send a tail loss probe
						 * (RFC 8985 7.3) */
#define TCB_F_OUT_MASK		0x0000ff00u

/* Lifecycle: where the connection is beyond its RFC 9293 state, and who
 * knows about it. */
#define TCB_F_PASSIVE		0x00010000u	/* created by a listener */
#define TCB_F_ACCEPTED		0x00020000u	/* app knows this connection */
#define TCB_F_SYN_ISSUED	0x00040000u	/* our SYN (or SYN-ACK) went out once:
						 * any later one is a retransmission */
#define TCB_F_FIN_PENDING	0x00080000u	/* app shut the write side: FIN
						 * goes after the queued data */
#define TCB_F_FIN_ISSUED	0x00100000u	/* our FIN has a sequence number */
#define TCB_F_PEER_FIN		0x00200000u	/* peer's FIN received and consumed */
#define TCB_F_ORPHAN		0x00400000u	/* app closed: only CLOSED left */
#define TCB_F_SEND_RST		0x00800000u	/* abort: send RST, then free */
#define TCB_F_LIFE_MASK		0x00ff0000u

/* Recovery, and the TCB's place in the stack's queues and timers. */
#define TCB_F_FAST_RECOVERY	0x01000000u	/* in fast recovery */
#define TCB_F_SACK_RECOVERY	0x02000000u	/* the recovery is RFC 6675's (scoreboard) */
#define TCB_F_RTT_TIMING	0x04000000u	/* rtt.seq is being timed (Karn) */
#define TCB_F_ACK_DELAYED	0x08000000u	/* an ACK is owed; delack armed */
#define TCB_F_TX_QUEUED		0x10000000u	/* on the stack's output list */
#define TCB_F_WANT_WRITABLE	0x20000000u	/* app was refused space */
#define TCB_F_ECN_ECHO		0x40000000u	/* CE received: ECE on every ACK
						 * until the peer's CWR (3168 6.1.3) */
#define TCB_F_ECN_CWR		0x80000000u	/* window reduced for an ECE: CWR
						 * on the next new data (6.1.2) */
#define TCB_F_MISC_MASK		0xff000000u

/* Bytes the app queued and the peer has not acknowledged. The chain's
 * segments are linked through m->next; head_off bytes of the head segment
 * are already acknowledged (the head's pkt_len/nb_segs are not maintained).
 * Sequence number of the first unacknowledged byte is snd.una (+1 while
 * the SYN is unacknowledged). */
struct tcp_sndq {
	struct rte_mbuf *head;
	struct rte_mbuf *tail;
	uint32_t bytes;			/* unacked + unsent bytes queued */
	uint16_t head_off;
	uint16_t nsegs;
};

/* Out-of-order segments held for reassembly (tcp_reass.c). */
#define TCP_REASS_MAX 256u
struct tcp_reass_seg {
	uint32_t seq;
	uint32_t len;
	struct rte_mbuf *m;		/* data offset at `seq` */
};

/* SACK blocks reported most recently (RFC 2018 4), remembered by one
 * sequence number inside each: the block holding it, as the queue is now,
 * is the block (blocks grow and merge as data arrives). */
#define TCP_SACK_RECENT 4u
struct tcp_reass {
	uint16_t n;
	uint8_t n_recent;
	uint32_t bytes;
	uint32_t recent[TCP_SACK_RECENT];	/* most recent first; [0] is the
						 * segment that arrived last */
	struct tcp_reass_seg seg[TCP_REASS_MAX];	/* sorted by seq */
};

/* What the peer's SACK blocks told us (RFC 6675 scoreboard, tcp_sack.c):
 * the SACKed ranges above snd.una, sorted, disjoint and not adjacent.
 * Allocated on the first SACK block, freed when it holds nothing again. */
#define TCP_SACK_MAX 64u
struct tcp_sack_range {
	uint32_t left;
	uint32_t right;			/* one past the last SACKed byte */
};

struct tcp_scoreboard {
	uint16_t n;
	uint32_t bytes;			/* SACKed bytes in r[] */
	uint32_t high_rxt;		/* HighRxt + 1: [snd.una, high_rxt) was
					 * resent in this recovery */
	uint32_t rescue_rxt;		/* RescueRxt: no rescue resend until
					 * snd.una passes it */
	uint32_t head_rxt_seq;		/* snd.una when it was last resent */
	uint32_t head_rxt_max;		/* snd.max at that moment */
	struct tcp_sack_range r[TCP_SACK_MAX];
};

/* RACK (RFC 8985, tcp_rack.c): when each part of the sequence space in
 * flight was last sent, and what the ACKs told of delivery order. The
 * map holds up to TCP_RACK_MAP ranges, sorted by sequence: entry i covers
 * [seq[i], seq[i + 1]), the last one up to snd.max, its bytes last sent
 * between us_lo[i] and us[i] (a 32-bit microsecond clock); one output
 * pass makes one entry. A full map merges two neighbours (widening the
 * interval); a delivery counts with the earliest time, a loss candidate
 * with the latest: a loss is then declared later, never sooner. */
#define TCP_RACK_MAP 8u
struct tcp_rack {
	uint32_t xmit_us;		/* RACK.xmit_ts (valid once end_seq set) */
	uint32_t end_seq;		/* RACK.end_seq */
	uint32_t rtt_us;		/* RACK.rtt */
	uint32_t min_rtt_us;		/* RACK.min_RTT, 0 = no sample yet */
	uint32_t fack;			/* RACK.fack: highest delivered end */
	uint32_t lost_end;		/* unSACKed data below it is lost */
	uint32_t dsack_round;		/* RACK.dsack_round: snd.max at the last
					 * reo_wnd_mult step */
	uint8_t valid;			/* xmit_us, end_seq, rtt_us are set */
	uint8_t reord;			/* RACK.reord: reordering seen */
	uint8_t reo_mult;		/* RACK.reo_wnd_mult (0 = 1) */
	uint8_t reo_persist;		/* recoveries before reo_mult resets */
	uint8_t n;			/* map entries */
	uint8_t rxt;			/* bit i: entry i was a retransmission */
	uint8_t tlp_on;			/* a probe is out (TLP episode, 7.4) */
	uint8_t tlp_rexmit;		/* it was a resend */
	uint32_t tlp_end;		/* TLP.end_seq: snd.max after the probe */
	uint32_t tlp_tsval;		/* the probe's TSval */
	uint32_t seq[TCP_RACK_MAP];
	uint32_t us[TCP_RACK_MAP];	/* latest send in the range */
	uint32_t us_lo[TCP_RACK_MAP];	/* earliest */
};

struct tcb {
	/* --- first cache line: read by every segment --- */
	uint8_t state;			/* enum tcp_state */
	uint8_t iface;
	uint16_t mss;			/* effective send MSS (payload bytes) */
	uint32_t flags;			/* TCB_F_* */
	uint32_t laddr;			/* host order */
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	struct {
		uint32_t una;		/* oldest unacknowledged */
		uint32_t nxt;		/* next to send */
		uint32_t wnd;		/* peer's window, scaled, bytes */
		uint32_t wl1;		/* seq of last window update */
		uint32_t wl2;		/* ack of last window update */
		uint32_t max;		/* highest seq sent + 1 */
		uint8_t wscale;		/* peer's shift (applied to its windows) */
	} snd;
	struct {
		uint32_t nxt;		/* next expected */
		uint32_t wnd;		/* window we offer, bytes */
		uint32_t adv;		/* right edge last advertised (nxt + wnd) */
		uint8_t wscale;		/* our shift (applied to what we send) */
	} rcv;

	/* --- second line: output list, congestion, RTT, timers --- */
	struct tcb *tx_next;		/* stack output list */
	uint32_t gen;			/* generation of this slot (handles) */
	uint32_t cwnd;			/* bytes; moved only by cc ops (tcp_cc_view.c) */
	uint32_t ssthresh;
	uint32_t recover;		/* NewReno recovery point (RFC 6582) */
	uint16_t dupacks;
	uint16_t backoff;		/* RTO doublings since last new ACK */
	uint16_t retries;		/* consecutive retransmissions / probes */
	uint16_t peer_mss;		/* MSS option the peer sent (0 = none) */
	struct {
		uint32_t srtt_us;	/* 0 = no sample yet */
		uint32_t rttvar_us;
		uint32_t seq;		/* segment being timed (Karn) */
		uint64_t ts_ns;		/* when it was sent */
	} rtt;
	uint64_t rto_ns;
	uint64_t timer_ns[TCP_T_COUNT];	/* absolute deadlines, 0 = off */
	struct stack_timer timer;	/* wheel entry at min(timer_ns) */

	/* --- cold --- */
	uint32_t iss;
	uint32_t irs;
	struct {
		uint32_t recent;	/* TS.Recent (RFC 7323 4.3) */
		uint64_t recent_ns;	/* when it was updated (PAWS 24 days) */
		uint32_t offset;	/* our TSval = now_ms + offset */
		uint32_t last_ack_sent;	/* Last.ACK.sent (RFC 7323 4.3) */
	} ts;
	uint32_t rcvbuf;		/* receive buffer size */
	uint32_t unread;		/* delivered to the app, not yet credited */
	uint32_t sndbuf;		/* send queue limit */
	uint64_t idle_since_ns;		/* last segment received (keepalive) */
	uint64_t ka_since_ns;		/* idle period ka_probes counts for */
	uint8_t ka_probes;		/* keepalive probes sent in that period */
	uint8_t persist_unanswered;	/* zero-window probes in a row with no answer */
	uint64_t persist_sent_ns;	/* the last zero-window probe (0: none yet) */
	struct tcp_sndq sndq;
	struct tcp_reass *reass;	/* NULL until something arrives out of order */
	struct tcp_scoreboard *sb;	/* NULL until the peer SACKs something */
	uint32_t dsack_left;		/* RFC 2883: duplicate to report in the */
	uint32_t dsack_right;		/* next ACK; left == right: none */
	struct {			/* undo a needless congestion response
					 * (tcp_undo.c): RFC 3708, RFC 3522/4015 */
		uint32_t cwnd;		/* before the congestion response */
		uint32_t ssthresh;	/* (an RTO's: RFC 4015 pipe_prev) */
		uint32_t una;		/* the episode's sequence space [una, high) */
		uint32_t high;
		uint32_t rxt_tsval;	/* RFC 3522 RetransmitTS: TSval of the
					 * RTO's first resend */
		uint16_t retrans;	/* its resends not reported as D-SACK yet */
		uint8_t armed;
		uint8_t rto;		/* the episode is a timeout's */
		uint8_t eifel;		/* RTO: first acceptable ACK still due */
	} undo;
	struct tern_chan *chan;		/* where events go */
	uint64_t cookie;		/* app tag (listener's for passive opens) */
	struct tcp_listener *listener;	/* passive, until accepted */
	uint32_t next_free;		/* free list link (slot index) */
	int32_t close_status;		/* status for TERN_EV_TCP_CLOSED */
	uint8_t cc_algo;		/* enum tcp_cc_algo */
	/* options the app set (enum tern_tcp_opt), tcp_uopts_apply() */
	uint8_t tos;			/* IPv4 TOS of our segments */
	uint8_t ttl;			/* IPv4 TTL, 0 = default */
	uint8_t ka_on;			/* keep-alive probes on */
	uint8_t ka_cnt;			/* unanswered probes before giving up */
	uint16_t mss_clamp;		/* MSS we offer and send at most; 0 = none */
	uint32_t ka_idle_ms;		/* idle time before the first probe */
	uint32_t ka_intvl_ms;		/* between probes */
	uint32_t uto_ms;		/* user timeout (RFC 5482), 0 = off */
	/* ECN (tcp_input_ecn.c), in what was padding */
	uint32_t ecn_high;		/* snd.max at the last ECE reduction: none
					 * again until SEG.ACK reaches it */
	uint64_t uto_start_ns;		/* outstanding data unacknowledged since */
	uint64_t last_tx_ns;		/* last data segment sent (idle restart) */
	union tcp_cc_priv cc;		/* the algorithm's own state (cc/) */
	struct tcp_rack rack;		/* RFC 8985 (tcp_rack.c) */
};

/* The fields every segment reads must share the first cache line. */
_Static_assert(offsetof(struct tcb, rcv) + sizeof(((struct tcb *)0)->rcv) <=
	       RTE_CACHE_LINE_SIZE,
	       "hot TCB fields must fit in the first cache line");

/* Every TCB carries the largest algorithm's state: keep it small. */
_Static_assert(sizeof(union tcp_cc_priv) == 40,
	       "congestion control private area grew: every TCB pays for it");

/* Synchronized states (RFC 9293 3.10.7.4 "otherwise"). */
static inline bool
tcp_state_is_synced(uint8_t st)
{
	return st >= TCP_ST_ESTABLISHED;
}

/* States in which the app may still queue data. */
static inline bool
tcp_state_may_send(uint8_t st)
{
	return st == TCP_ST_ESTABLISHED || st == TCP_ST_CLOSE_WAIT ||
	       st == TCP_ST_SYN_SENT || st == TCP_ST_SYN_RECEIVED;
}

#endif
