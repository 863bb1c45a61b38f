/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP internals shared between the files of lib/tcp/. Who does what:
 *   tcp_conn.c       TCB slots, 4-tuple table, listeners, handles, ISN
 *                    (RFC 6528), the RX-burst bulk lookup
 *   tcp_secret.c     the per-boot secret shared by tern processes, its keys
 *   tcp_syncookie.c  SYN cookies (RFC 4987 3.6) for full listeners
 *   tcp_timewait.c   TIME-WAIT as compact records (no TCB), their FIFO
 *                    expiry, recycling, and the segments they answer
 *   tcp_state.c      state names, tcp_set_state(), per-state data
 *   tcp_input.c      RFC 9293 3.10.7, segment arrives: the steps up to and
 *                    after the ACK field, each returning a verdict
 *   tcp_input_ack.c  the ACK field: SND.UNA, duplicate ACKs, recovery entry
 *                    and exit (RFC 5681, 6582, 6675)
 *   tcp_input_ecn.c  ECN on input (RFC 3168): negotiation on the SYN and
 *                    SYN-ACK, CE and CWR received, the reaction to ECE
 *   tcp_reass.c      out-of-order queue
 *   tcp_sack.c       SACK scoreboard (RFC 6675), blocks we send, D-SACK
 *                    notes (RFC 2018, 2883)
 *   tcp_rack.c       RACK loss detection (RFC 8985): send times, reorder
 *                    window and timer
 *   tcp_tlp.c        tail loss probes (RFC 8985 7): PTO, probe, its ACK
 *   tcp_undo.c       undoing needless congestion responses: D-SACK (RFC
 *                    3708), Eifel for timeouts (RFC 3522, 4015)
 *   tcp_output.c     what a TCB sends: SYN, SYN-ACK, data, ACK, FIN, RST,
 *                    probes; the per-iteration output list
 *   tcp_output_seg.c building one segment (headers, options, checksum
 *                    offload); TCB-less replies (RST, cookie SYN-ACK)
 *   tcp_sndq.c       the send queue (app mbufs until acknowledged)
 *   tcp_timer.c      per-TCB deadlines, one wheel entry per TCB, handlers
 *   tcp_rtt.c        RFC 6298 estimator
 *   tcp_cc_view.c    congestion control, TCB side: builds the view cc/
 *                    algorithms (cc/cc_common.c, newreno.c, cubic.c) work on
 *   tcp_user.c       app commands and the events TCP raises
 *   tcp_list.c       the connection list for tern-stat and telemetry
 *   tcp_info.c       per-connection internals (tern_tcp_info)
 * Order in one loop iteration: tcp_input() per segment (dispatched by
 * stack/stack_input.c), then commands (tcp_cmd_*), timers
 * (tcp_timer_expired), and finally tcp_output_run() builds every segment
 * the iteration made necessary. Input, commands and timers do not build
 * segments for a TCB: they set an output request (TCB_F_OUT_MASK) and call
 * tcp_output_schedule(). Two replies have no TCB to hang a request on and
 * are staged at once by input: the RST answering a segment that must be
 * refused (verdict_apply -> tcp_output_rst_reply) and a listener's SYN
 * cookie SYN-ACK. Staging never transmits; the loop flushes (see
 * core/stack_stage.c).
 */
#ifndef TERN_TCP_INTERNAL_H
#define TERN_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "core/stack_private.h"
#include "core/token_bucket.h"
#include "tcp/tcb.h"
#include "tcp/tcp_seq.h"
#include "wire/tcp_hdr.h"

struct rte_hash;
struct rte_mbuf;
struct rte_mempool;
struct tern_cmd;
struct tern_chan;
struct ip4_hdr_v;
struct tcp_seg;
struct tcp_opts;
struct frame_tuple;

#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull
#define TCP_DEFAULT_MSS 536u		/* RFC 9293 3.7.1 when no MSS option */
#define TCP_PAWS_IDLE_NS (24ull * 24 * 3600 * 1000000000ull) /* RFC 7323 5.5 */
#define TCP_CHALLENGE_ACK_PER_S 100u	/* RFC 5961 7 */
#define TCP_SECRET_LEN 32		/* the per-boot secret (tcp_secret.c) */
/* SYN cookies: MAC time slot (a cookie is good in its slot and the next),
 * and how long after its last cookie a listener counts as under pressure
 * (half-open entries get no SYN-ACK retransmission). */
#define TCP_COOKIE_SLOT_NS (64ull * 1000000000ull)
#define TCP_COOKIE_PRESSURE_NS (3ull * 1000000000ull)

/* Per-connection options an app sets (TERN_CMD_TCP_SETOPT, tcp_user.c):
 * a channel's defaults for its next connects and listens, a listener's
 * for what it accepts. A TCB keeps its own copy in its fields. */
struct tcp_uopts {
	uint32_t rcvbuf;
	uint32_t sndbuf;
	uint32_t ka_idle_ms;
	uint32_t ka_intvl_ms;
	uint32_t uto_ms;		/* user timeout, 0 = off */
	uint16_t mss_clamp;		/* 0 = none */
	uint8_t ka_on;
	uint8_t ka_cnt;
	uint8_t tos;
	uint8_t ttl;			/* 0 = IP default */
	uint8_t nodelay;
	uint8_t cc;			/* enum tcp_cc_algo */
};

/* A channel's defaults (chan == NULL: a free entry). */
struct tcp_chan_uopts {
	struct tern_chan *chan;
	struct tcp_uopts o;
};

struct tcp_listener {
	uint16_t port;			/* 0 = free slot */
	uint16_t backlog;		/* max connections in SYN-RECEIVED */
	uint16_t n_syn;			/* current SYN-RECEIVED count */
	uint32_t gen;
	uint64_t cookie_sent_ns;	/* last SYN cookie sent (0 = never) */
	struct tern_chan *chan;
	uint64_t cookie;
	struct tcp_uopts opts;		/* what accepted connections start with */
};

/* A connection in TIME-WAIT after its TCB was freed (tcp_timewait.c):
 * what RFC 9293 3.10.7.4 and RFC 6191 need to answer the peer and to
 * judge a new SYN, and nothing else. */
struct tcp_tw {
	uint32_t laddr;			/* host order */
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint32_t snd_nxt;		/* SEQ of our ACKs */
	uint32_t rcv_nxt;		/* past the peer's FIN */
	uint32_t ts_recent;		/* TS.Recent (PAWS, TSecr, RFC 6191) */
	uint32_t ts_offset;		/* our TSval = now_ms + offset */
	uint64_t expire_ns;		/* end of 2*MSL; 0 = dead slot */
	uint16_t wnd;			/* window field of our ACKs (scaled) */
	uint8_t ts_ok;			/* timestamps were in use */
	uint8_t iface;
};

/* The records, in a ring in insertion order: 2*MSL is one constant, so
 * the oldest record is always the first to expire (a retransmitted FIN
 * moves its record to the tail) and one wheel entry at the head's
 * deadline serves them all. Records removed early leave a dead slot that
 * the head skips. */
struct tcp_tw_table {
	uint32_t cap;			/* tcp.time_wait_max */
	uint32_t head;			/* oldest slot */
	uint32_t n;			/* slots in use, dead ones included */
	uint32_t n_live;
	struct tcp_tw *rec;		/* found through the TCB table's hash */
	struct stack_timer timer;	/* at the head's expire_ns */
	struct token_bucket ack_budget;	/* ACKs answering segments */
};

/* The 4-tuple key of the TCB and TIME-WAIT tables: 16 bytes, 8-byte
 * aligned (rte_hash_crc reads keys 8 bytes at a time, so arrays of keys
 * must keep every key aligned). */
struct tcp_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint32_t zero;			/* always 0 */
} __rte_aligned(8);
_Static_assert(sizeof(struct tcp_key) == 16, "4-tuple key is two 64-bit words");

/* Written as two 64-bit stores: rte_hash reads the key in 8-byte words,
 * and four narrow stores read back that way defeat store forwarding (each
 * lookup then waits for the previous one's cache miss: 2-3x slower at 1M
 * entries in bench/micro). Same bytes as the fields on a little-endian
 * CPU; big-endian ones store the fields. */
static inline struct tcp_key
tcp_key_of(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_key k;

#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t w[2] = { (uint64_t)raddr | (uint64_t)laddr << 32,
			  (uint64_t)rport | (uint64_t)lport << 16 };

	memcpy(&k, w, sizeof(k));
#else
	k = (struct tcp_key){ .raddr = raddr, .laddr = laddr, .rport = rport,
			      .lport = lport, .zero = 0 };
#endif
	return k;
}

/* Bulk lookup results for the RX burst being processed (tcp_conn.c). */
#define TCP_HINT_MAX 64u			/* RTE_HASH_LOOKUP_BULK_MAX */
struct tcp_hint {
	const struct rte_mbuf *m;
	void *entry;			/* TCB or tagged record; NULL: none */
};

/* The 4-tuple table holds both live connections and TIME-WAIT records:
 * one lookup per segment finds either. A record's pointer carries this
 * tag (records are 8-byte aligned), a TCB's does not. Entering TIME-WAIT
 * repoints the TCB's entry at its record in place. */
#define TCP_ENTRY_TW ((uintptr_t)1)

static inline bool
tcp_entry_is_tw(const void *e)
{
	return ((uintptr_t)e & TCP_ENTRY_TW) != 0;
}

static inline struct tcp_tw *
tcp_entry_tw(void *e)
{
	return (struct tcp_tw *)((uintptr_t)e & ~TCP_ENTRY_TW);
}

/* Records a table holds for `cfg` (tcp.time_wait_max, 0: max_conns). */
static inline uint32_t
tcp_tw_cap(const struct tern_config *cfg, uint32_t n_tcbs)
{
	return cfg->tcp_time_wait_max != 0 ? cfg->tcp_time_wait_max : n_tcbs;
}

struct tcp_table {
	uint32_t n_tcbs;
	uint32_t n_used;
	uint32_t free_head;		/* slot index, UINT32_MAX = none */
	struct tcb *tcbs;
	struct rte_hash *hash;		/* 4-tuple -> TCB or record (TCP_ENTRY_TW) */
	uint32_t hash_adds;		/* entries added or repointed, ever */
	uint32_t hint_adds;		/* hash_adds at the burst's bulk lookup */
	uint16_t n_listeners;
	struct tcp_listener *listeners;
	uint16_t *listen_by_port;	/* port -> listener index + 1 */
	struct tcb *tx_head;		/* output list (TCB_F_TX_QUEUED) */
	struct tcb **tx_tail;
	uint16_t ephemeral_next;
	uint8_t tuple_key[16];		/* a 4-tuple's ISN part (RFC 6528, low
					 * 32 bits) and timestamp offset (RFC
					 * 7323 7.1, high 32) from one SipHash */
	uint8_t cookie_key[16];		/* SYN cookies (RFC 4987 3.6) */
	uint64_t boot_ns;		/* CLOCK_MONOTONIC at the stack clock's 0:
					 * ISN and timestamp clocks run per boot */
	struct token_bucket synack_budget; /* SYN-ACK retransmissions */
	uint16_t hint_n;
	uint16_t hint_pos;
	struct tcp_hint hint[TCP_HINT_MAX];
	struct token_bucket challenge;	/* RFC 5961 7 rate limit */
	struct rte_mempool *reass_pool;	/* out-of-order queues (tcp_reass.c) */
	struct rte_mempool *sack_pool;	/* SACK scoreboards (tcp_sack.c) */
	struct tcp_chan_uopts chan_uopts[STACK_MAX_CHANS]; /* TERN_CMD_TCP_SETOPT, handle 0 */
	struct tcp_tw_table tw;		/* TIME-WAIT records (tcp_timewait.c) */
};

/* ---- tcp_conn.c ---- */
struct tcp_table *tcp_table_create(const struct tern_config *cfg,
				   unsigned int lcore_id, int socket);
void tcp_table_free(struct tern_stack *s, struct tcp_table *t);
/* The live connection of a 4-tuple (NULL: none, or TIME-WAIT). */
struct tcb *tcp_conn_lookup(struct tern_stack *s, uint32_t laddr, uint16_t lport,
			    uint32_t raddr, uint16_t rport);
/* The table's entry of a 4-tuple: a TCB, a tagged record (tcp_entry_is_tw)
 * or NULL. */
void *tcp_conn_entry(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport);
/* Point the entry of a record's 4-tuple at it (added, or a TCB's entry
 * repointed); `del` removes the entry. 0 or a negative rte_hash error. */
int tcp_conn_entry_set_tw(struct tern_stack *s, struct tcp_tw *tw);
void tcp_conn_entry_del(struct tern_stack *s, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport);
/* Look up, in one rte_hash bulk call, the connections of every TCP frame
 * of an RX burst (up to TCP_HINT_MAX frames), before they are processed:
 * `tuples[k]` is frame k's 4-tuple as frame_peek() found it, with the
 * flow hash (the table's signature) the RX path computed. */
void tcp_conn_lookup_burst(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
			   const struct frame_tuple *tuples, uint16_t n);
/* The burst is done: its results go (a later segment in a recycled mbuf
 * must not find them). */
static inline void
tcp_conn_burst_done(struct tern_stack *s)
{
	s->tcp->hint_n = 0;
}
/* Connection for segment `m` (in burst order): the bulk result when it
 * still matches the 4-tuple, else a fresh lookup (a segment earlier in
 * the burst may have created or freed a TCB, or moved one to TIME-WAIT).
 * A miss is final when nothing was added since the bulk lookup. When
 * the 4-tuple is in TIME-WAIT: NULL, and `*tw` is its record (else NULL). */
struct tcb *tcp_conn_lookup_seg(struct tern_stack *s, const struct rte_mbuf *m,
				uint32_t laddr, uint16_t lport, uint32_t raddr,
				uint16_t rport, struct tcp_tw **tw);
/* New TCB in CLOSED state, inserted in the table, defaults from the stack's
 * config; NULL when the table is full. */
struct tcb *tcp_conn_alloc(struct tern_stack *s, uint16_t iface, uint32_t laddr,
			   uint16_t lport, uint32_t raddr, uint16_t rport);
/* Every TCB slot is taken (tcp.max_conns): a SYN cannot get one. */
static inline bool
tcp_conn_table_full(const struct tcp_table *t)
{
	return t->n_used >= t->n_tcbs;
}
/* Remove from the table, cancel timers, free queued mbufs, bump the
 * generation. Raises no event (see tcp_conn_close). */
void tcp_conn_free(struct tern_stack *s, struct tcb *tcb);
/* The same without counting the connection closed, for a TCB whose
 * TIME-WAIT goes on in a record (tcp_tw_enter): `unhash` false when the
 * table's entry already points at the record. */
void tcp_conn_release(struct tern_stack *s, struct tcb *tcb, bool unhash);
/* The connection is over: move to CLOSED, tell the app (TERN_EV_TCP_CLOSED
 * with `status`) if it knows the connection, free the TCB. */
void tcp_conn_close(struct tern_stack *s, struct tcb *tcb, int status);
/* Tell the app the connection is over for it (TERN_EV_TCP_CLOSED with
 * `status`) and forget the app; the TCB may live on (TIME-WAIT). */
void tcp_conn_detach(struct tern_stack *s, struct tcb *tcb, int status);
struct tcp_listener *tcp_listener_lookup(struct tern_stack *s, uint16_t port);
uint64_t tcp_conn_handle(const struct tern_stack *s, const struct tcb *tcb);
struct tcb *tcp_conn_from_handle(struct tern_stack *s, uint64_t handle);
/* RFC 7323 7.1: the 4-tuple's timestamp offset (keyed hash), plus the
 * boot clock's reading at the stack's time 0 (table boot_ns). */
uint32_t tcp_ts_offset(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport);
/* Our window shift for a receive buffer (RFC 7323 2.3). */
uint8_t tcp_wscale_for(uint32_t rcvbuf);
/* RFC 6528: ISN = 4 us clock (since boot) + SipHash(4-tuple, secret). */
uint32_t tcp_isn(struct tern_stack *s, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport, uint64_t now_ns);
/* The same for a TCB from tcp_conn_alloc, which left the keyed part of
 * the ISN in tcb->iss (one hash gave it and the timestamp offset): adds
 * the clock. The opener calls it once, when it picks the ISN. */
uint32_t tcp_isn_clocked(const struct tern_stack *s, const struct tcb *tcb, uint64_t now_ns);
/* Free local port for an active open to raddr:rport whose replies this
 * stack owns (flow_port_pick over the port's flow map); 0 if none is free
 * or none maps home (a NIC hashing addresses only sends every reply from
 * raddr to one lcore). */
uint16_t tcp_ephemeral_port(struct tern_stack *s, uint32_t laddr, uint32_t raddr,
			    uint16_t rport);
/* Whether replies on this 4-tuple reach this stack without steering. */
bool tcp_conn_is_home(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport);

/* ---- tcp_secret.c ---- */
/* Read the secret (TCP_SECRET_LEN bytes) from `path`, creating the file
 * (mode 0600, random bytes, published atomically: a racing process reads
 * the winner's) when it does not exist. 0 or -errno: -EACCES when others
 * may read it, -EPERM when not a regular file of ours, -EINVAL for a wrong
 * size. */
int tcp_secret_load(const char *path, uint8_t *secret);
/* Fill the table's ISN, timestamp and cookie keys from the secret that
 * cfg->tcp_secret_file names; never fails (per-process secret, logged). */
void tcp_secret_keys(const struct tern_config *cfg, struct tcp_table *t);

/* ---- tcp_syncookie.c ---- */
/* A SYN to `l` is answered with a cookie (tcp.syncookies, backlog). */
bool tcp_cookie_wanted(const struct tern_stack *s, const struct tcp_listener *l);
/* SYN-ACK whose ISS is a cookie for `syn`; nothing is kept. Counted. */
void tcp_cookie_reply(struct tern_stack *s, struct tcp_listener *l, uint16_t iface,
		      const struct ip4_hdr_v *ip, const struct tcp_seg *syn, uint64_t now);
/* An ACK to `l` may carry one of our cookies: cookies went out in the
 * last two slots (or the mode is always). */
bool tcp_cookie_may_check(const struct tern_stack *s, const struct tcp_listener *l,
			  uint64_t now);
/* Whether `ack` returns a valid cookie (current or previous slot); if so,
 * `o` gets the peer's SYN options as the cookie kept them (MSS; window
 * scale, SACK-permitted and timestamps when timestamps are in use, with
 * ts_val the ACK's). */
bool tcp_cookie_check(struct tern_stack *s, const struct ip4_hdr_v *ip,
		      const struct tcp_seg *ack, uint64_t now, struct tcp_opts *o);
/* `l` sent cookies within TCP_COOKIE_PRESSURE_NS: its half-open entries
 * are not retransmitted (one SYN-ACK per SYN). */
bool tcp_cookie_pressure(const struct tern_stack *s, const struct tcp_listener *l,
			 uint64_t now);

/* ---- tcp_timewait.c ---- */
/* The TIME-WAIT ring of `t` for `cfg` (tcp_tw_cap records; the table's
 * hash has room for them). 0 or -ENOMEM. */
int tcp_tw_create(const struct tern_config *cfg, struct tcp_table *t, int socket);
/* Every record goes (no counter), then the table. `s` may be NULL. */
void tcp_tw_free(struct tern_stack *s, struct tcp_table *t);
/* `tcb` entered TIME-WAIT: keep a record of it and free the TCB (its slot
 * is free at return). An ACK the TCB owed (the peer's FIN) goes out from
 * the record at once. When the ring is full its oldest record is recycled
 * (counted). */
void tcp_tw_enter(struct tern_stack *s, struct tcb *tcb);
/* The record of a 4-tuple, NULL when none. */
struct tcp_tw *tcp_tw_lookup(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
			     uint32_t raddr, uint16_t rport);
/* End a record before its time (its 4-tuple is taken over); counted as a
 * connection closed. */
void tcp_tw_remove(struct tern_stack *s, struct tcp_tw *tw);
/* Wheel callback (stack timer kind STACK_TIMER_TCP_TW): records whose
 * 2*MSL ran out go, oldest first. */
void tcp_tw_expired(struct tern_stack *s, struct stack_timer *t, uint64_t now_ns);

/* ---- tcp_state.c ---- */
/* The only way a TCB changes state (counts, arms/cancels state timers). */
void tcp_set_state(struct tern_stack *s, struct tcb *tcb, enum tcp_state st);
const char *tcp_state_name(unsigned int st);

/* ---- tcp_input.c ---- */
/* `m` starts at the TCP header and holds exactly the IP payload; `ip` is
 * the parsed IPv4 header (addresses for the pseudo-header). Consumes m. */
void tcp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	       const struct ip4_hdr_v *ip);

/* ---- tcp_reass.c ---- */
/* The stack's pool of out-of-order queues, sized from `n_conns`; NULL when
 * it cannot be made. Called by tcp_table_create; freed by tcp_table_free
 * once every TCB is gone. */
struct rte_mempool *tcp_reass_pool_create(uint32_t n_conns, unsigned int lcore_id,
					  int socket);
void tcp_reass_pool_free(struct rte_mempool *mp);
/* Queue out-of-order `m` (data offset at `seq`, `len` bytes, seq > rcv.nxt).
 * Trims overlaps. Returns 0, or -ENOSPC when full (m freed, counted). */
int tcp_reass_insert(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m,
		     uint32_t seq, uint32_t len);
/* Take the queued data that now starts at rcv.nxt (after an in-order
 * arrival), as one chain; *len = bytes (0 and NULL when none). */
struct rte_mbuf *tcp_reass_pull(struct tern_stack *s, struct tcb *tcb, uint32_t *len);
/* Hold `m` (`len` bytes at `seq`, the text of a SYN, already below
 * rcv.nxt) in the empty queue until the connection is established. 0, or
 * -ENOMEM (m freed: the peer sends it again). */
int tcp_reass_hold(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m,
		   uint32_t seq, uint32_t len);
/* Take what tcp_reass_hold() kept, as one chain from `seq`. */
struct rte_mbuf *tcp_reass_take_held(struct tern_stack *s, struct tcb *tcb, uint32_t seq,
				     uint32_t *len);
/* The contiguous block of queued data holding `seq`: [*left, *right). */
bool tcp_reass_block(const struct tcp_reass *r, uint32_t seq, uint32_t *left,
		     uint32_t *right);
void tcp_reass_free(struct tern_stack *s, struct tcb *tcb);
/* Drop the first `n` bytes of packet `m` (n <= pkt_len), freeing segments
 * that end up empty: rte_pktmbuf_adj works within the first segment only.
 * Returns the new head. */
struct rte_mbuf *tcp_mbuf_cut_front(struct rte_mbuf *m, uint32_t n);
static inline uint32_t
tcp_reass_bytes(const struct tcb *tcb)
{
	return tcb->reass != NULL ? tcb->reass->bytes : 0;
}

/* ---- tcp_sack.c ---- */
/* The stack's pool of scoreboards, as tcp_reass_pool_create. */
struct rte_mempool *tcp_sack_pool_create(uint32_t n_conns, unsigned int lcore_id,
					 int socket);
void tcp_sack_pool_free(struct rte_mempool *mp);
/* Record the SACK blocks of an acceptable ACK and forget what `ack`
 * covers; a first block reporting a duplicate (RFC 2883) is counted and
 * not recorded. Returns the bytes newly SACKed (RFC 6675 "duplicate
 * acknowledgment" when > 0 and the ACK does not advance snd.una). */
uint32_t tcp_sack_update(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
			 uint32_t ack);
void tcp_sack_free(struct tcb *tcb);
/* Forget every SACKed range (after repeated RTOs: the peer may renege). */
void tcp_sack_clear(struct tcb *tcb);
/* A loss recovery starts (tcb->sb exists): nothing resent yet. */
void tcp_sack_recovery_start(struct tcb *tcb);
/* A segment starting at `seq` was resent (tracks the head's resend). */
void tcp_sack_resent(struct tcb *tcb, uint32_t seq);
/* The resend of the segment at snd.una is deemed lost too: more than
 * (DupThresh - 1) * SMSS bytes sent after it were SACKed. */
bool tcp_sack_head_rxt_lost(struct tcb *tcb);
/* RFC 6675 IsLost(snd.una): the first hole is deemed lost. */
bool tcp_sack_is_lost_una(const struct tcb *tcb);
/* RFC 6675 SetPipe(): bytes deemed in the network (tcb->sb exists). */
uint32_t tcp_sack_pipe(const struct tcb *tcb);
/* NextSeg rule 1: the next lost hole piece at or above HighRxt, at most
 * `max` bytes. Rule 3: the same for any unSACKed hole. Rule 4: the rescue
 * resend (once per recovery). false when there is none. */
bool tcp_sack_next_lost(const struct tcb *tcb, uint32_t max, uint32_t *seq, uint32_t *len);
bool tcp_sack_next_unsacked(const struct tcb *tcb, uint32_t max, uint32_t *seq,
			    uint32_t *len);
bool tcp_sack_rescue(const struct tcb *tcb, uint32_t max, uint32_t *seq, uint32_t *len);
/* SACKed bytes inside [from, to). */
uint32_t tcp_sack_sacked_in(const struct tcb *tcb, uint32_t from, uint32_t to);
/* Go-back-N resend at `seq`: past any SACKed range it falls in; *room =
 * bytes until the next SACKed range (UINT32_MAX: none). */
uint32_t tcp_sack_skip(const struct tcb *tcb, uint32_t seq, uint32_t *room);
/* Receiver: report [left, right) as a duplicate in the next ACK. */
void tcp_dsack_note(struct tcb *tcb, uint32_t left, uint32_t right);
/* Receiver: the SACK blocks of our next segment (RFC 2018 4, RFC 2883 4)
 * appended to `o` (after a D-SACK block already there): the block holding
 * the segment that arrived last, then the blocks reported most recently,
 * most recent first, then any other island, lowest first. Blocks below
 * rcv.nxt are never reported. */
void tcp_sack_blocks(const struct tcb *tcb, struct tcp_opts *o);

/* ---- tcp_undo.c ---- */
/* RFC 3708: a resend went out while an episode (fast retransmit or RTO)
 * may still be undone; the fast recovery ended: undo now if every resend
 * of it was reported as a duplicate (counted); a D-SACK block [left,
 * right) arrived. */
void tcp_undo_resent(struct tcb *tcb);
void tcp_undo_on_exit(struct tern_stack *s, struct tcb *tcb);
void tcp_undo_dsack(struct tern_stack *s, struct tcb *tcb, uint32_t left, uint32_t right);
/* RFC 3522/4015: an ACK advanced snd.una by `acked` bytes (snd.una moved
 * already), options `o`, ECN-Echo `ece`. When it is the first since an
 * RTO and its TSecr predates the timeout's resend, the response is done
 * (snd.nxt, cwnd, ssthresh; counted) and true returned: the caller does
 * not grow cwnd for this ACK. */
bool tcp_undo_eifel(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
		    uint32_t acked, bool ece);

/* ---- tcp_rack.c ---- */
/* Data [seq, end) is being sent at `now` (a resend when `rexmit`), before
 * snd.nxt/snd.max move. */
void tcp_rack_sent(struct tcb *tcb, uint32_t seq, uint32_t end, uint64_t now, bool rexmit);
/* An acceptable ACK (cumulative `ack`, options `o`), before the
 * scoreboard and snd.una take it: what it delivered (RFC 8985 6.2). */
void tcp_rack_update(struct tcb *tcb, const struct tcp_opts *o, uint32_t ack, uint64_t now);
/* After the ACK was taken (or from the reorder timer): mark losses
 * (tcb->rack.lost_end, TCB_F_REXMIT_FAST for a lost resend of snd.una)
 * and arm or cancel the reorder timer. */
void tcp_rack_detect(struct tern_stack *s, struct tcb *tcb, uint64_t now);
/* The reorder timer fired: detect again; true when more is lost. */
bool tcp_rack_timeout(struct tern_stack *s, struct tcb *tcb, uint64_t now);
/* A D-SACK arrived (reo_wnd grows); a recovery ended. */
void tcp_rack_dsack(struct tcb *tcb);
void tcp_rack_recovery_done(struct tcb *tcb);
/* ---- tcp_tlp.c ---- */
/* End of an output pass: (re)arm the PTO while data is outstanding and
 * no recovery, probe or RTO backoff is on (RFC 8985 7.2), else cancel it. */
void tcp_tlp_arm(struct tern_stack *s, struct tcb *tcb, uint64_t now);
/* The PTO fired: ask output for a probe (TCB_F_TLP); false when none is due. */
bool tcp_tlp_timeout(struct tern_stack *s, struct tcb *tcb, uint64_t now);
/* The probe went out (a resend when `rexmit`); snd.max covers it. */
void tcp_tlp_sent(struct tern_stack *s, struct tcb *tcb, bool rexmit, uint64_t now);
/* An acceptable ACK, after SND.UNA moved: did the probe repair a loss
 * (7.4)? Then the window is reduced once (counted). */
void tcp_tlp_ack(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
		 uint32_t ack, uint64_t now);

/* RACK deems lost unSACKed data below this (valid with TCB_F_RACK). */
static inline uint32_t
tcp_rack_lost_below(const struct tcb *tcb)
{
	return tcb->rack.lost_end;
}

/* ---- tcp_sndq.c ---- */
/* Append the app's chain (all of its bytes). */
void tcp_sndq_append(struct tcb *tcb, struct rte_mbuf *m);
/* Drop `n` acknowledged bytes from the front. */
void tcp_sndq_ack(struct tcb *tcb, uint32_t n);
/* Free everything queued. */
void tcp_sndq_free(struct tcb *tcb);
/* Append to `dst` mbufs referencing queued bytes [off, off + len) (off from
 * the first unacknowledged byte), by reference (indirect mbufs) or by copy
 * for small pieces. Returns 0 or -ENOMEM (dst unchanged on failure). */
int tcp_sndq_ref(struct tern_stack *s, const struct tcb *tcb, uint32_t off,
		 uint32_t len, struct rte_mbuf *dst);
/* Copy queued bytes [off, off + len) to `dst` (ports without multi-segment
 * TX). Precondition: off + len <= sndq.bytes. */
void tcp_sndq_copy(const struct tcb *tcb, uint32_t off, uint32_t len, void *dst);

/* ---- tcp_output.c ---- */
/* Put the TCB on the output list (idempotent). */
void tcp_output_schedule(struct tern_stack *s, struct tcb *tcb);
/* Build every segment for the TCBs on the output list. Returns true when
 * it stopped early ("held": a port's staging area is short of room) with
 * TCBs left on the list; the loop transmits and calls it again. */
bool tcp_output_run(struct tern_stack *s);
/* ACK as soon as possible (this iteration). */
void tcp_output_ack_now(struct tern_stack *s, struct tcb *tcb);
/* RFC 5961 challenge ACK, subject to the per-stack rate limit. */
void tcp_output_challenge_ack(struct tern_stack *s, struct tcb *tcb);
/* RST in answer to a segment that has no connection (RFC 9293 3.10.7.1):
 * never in answer to a RST. `seg_len` counts SYN and FIN. */
void tcp_output_rst_reply(struct tern_stack *s, uint16_t iface,
			  const struct ip4_hdr_v *ip, const struct tcp_seg *seg,
			  uint32_t seg_len);
/* SYN-ACK for `syn` with ISS `iss`, options `o` and window `wnd` from no
 * connection (a SYN cookie): counted as a segment sent. */
void tcp_output_cookie_synack(struct tern_stack *s, const struct ip4_hdr_v *ip,
			      const struct tcp_seg *syn, uint32_t iss,
			      const struct tcp_opts *o, uint16_t wnd);
/* Header-only segment `h` (ports, seq, ack, flags, window, options set)
 * from no connection, laddr -> raddr: a TIME-WAIT record's ACK. */
void tcp_output_bare(struct tern_stack *s, uint32_t laddr, uint32_t raddr,
		     struct tcp_seg *h);
/* RCV.WND as the peer may use it: the right edge we last advertised,
 * as a window from rcv.nxt (0 when nothing sane was advertised yet).
 * The acceptability test (RFC 9293 3.10.7.4) checks segments against it. */
static inline uint32_t
tcp_rcv_offered(const struct tcb *tcb)
{
	uint32_t d = tcb->rcv.adv - tcb->rcv.nxt;

	if (!seq_gt(tcb->rcv.adv, tcb->rcv.nxt) ||
	    d > tcb->rcvbuf + (1u << TCP_WSCALE_MAX))
		return 0;
	return d;
}
/* The window we would advertise now (bytes, before scaling): free buffer
 * space clamped to what the header can carry (65535 << Rcv.Wind.Shift),
 * never less than tcp_rcv_offered(), and moved beyond it only by a
 * worthwhile step (receiver SWS avoidance). */
uint32_t tcp_rcv_window(const struct tcb *tcb);

/* ---- tcp_input_ack.c ---- */
/* A loss was detected outside the ACK path (RACK's reorder timer): enter
 * the loss recovery if the rules allow it (recovery point, scoreboard). */
void tcp_in_loss_detected(struct tern_stack *s, struct tcb *tcb, uint64_t now);

/* ---- tcp_timer.c ---- */
void tcp_timer_arm(struct tern_stack *s, struct tcb *tcb, enum tcp_timer_id id,
		   uint64_t deadline_ns);
void tcp_timer_cancel(struct tern_stack *s, struct tcb *tcb, enum tcp_timer_id id);
void tcp_timer_cancel_all(struct tern_stack *s, struct tcb *tcb);
static inline bool
tcp_timer_is_armed(const struct tcb *tcb, enum tcp_timer_id id)
{
	return tcb->timer_ns[id] != 0;
}
/* Wheel callback (stack timer kind STACK_TIMER_TCP). */
void tcp_timer_expired(struct tern_stack *s, struct stack_timer *t, uint64_t now_ns);

/* ---- tcp_rtt.c ---- */
/* Feed one RTT measurement (RFC 6298 2.2/2.3), recompute rto_ns. */
void tcp_rtt_sample(struct tern_stack *s, struct tcb *tcb, uint64_t rtt_ns);
/* Current RTO with backoff applied and clamped to [min, max]. */
uint64_t tcp_rto_ns(const struct tern_stack *s, const struct tcb *tcb);

/* ---- tcp_cc_view.c ---- */
/* The TCB side of congestion control: each call builds the algorithm's
 * view from the TCB (FlightSize = snd.max - snd.una at the call), runs
 * one op of tcb->cc_algo and stores cwnd/ssthresh back. Callers decide
 * when (cc/cc.h describes each event). */
/* (Re)start the algorithm: initial window for the current MSS, or one
 * segment when our SYN or SYN,ACK had to be resent (RFC 6928 2). */
void tcp_cc_init(struct tcb *tcb, uint64_t now, bool syn_lost);
/* Switch algorithm; cwnd/ssthresh stay, the new one's state starts fresh.
 * Returns 0 or -EINVAL. */
int tcp_cc_select(struct tcb *tcb, unsigned int algo);
/* New data acked outside recovery; rtt_ns = this ACK's sample, 0 = none. */
void tcp_cc_ack(struct tcb *tcb, uint64_t now, uint32_t acked, uint64_t rtt_ns);
/* `sack`: RFC 6675 recovery (cwnd = ssthresh, no inflation).
 * `reduced`: the lost data was sent before an ECN reduction that already
 * answered for its window (RFC 3168 6.1.2): recovery without a second
 * reduction. */
void tcp_cc_recovery_enter(struct tcb *tcb, uint64_t now, bool sack, bool reduced);
void tcp_cc_dupack(struct tcb *tcb, uint64_t now);
void tcp_cc_partial_ack(struct tcb *tcb, uint64_t now, uint32_t acked);
void tcp_cc_recovery_exit(struct tcb *tcb, uint64_t now);
/* Retransmission timeout; `first` of its loss episode (the algorithm's
 * congestion event) or a later one (cwnd stays the loss window). */
void tcp_cc_rto(struct tcb *tcb, uint64_t now, bool first);
void tcp_cc_after_idle(struct tcb *tcb, uint64_t now);
/* ECN-Echo reduction (RFC 3168 6.1.2); the caller keeps it to once per
 * window. */
void tcp_cc_ecn(struct tcb *tcb, uint64_t now);
/* RFC 3708 response: cwnd and ssthresh back to at least what they were
 * before the fast retransmit (saved by tcp_cc_recovery_enter). The
 * algorithm's own state starts from there. */
void tcp_cc_undo(struct tcb *tcb);
/* RFC 4015 3.2 (5), a spurious timeout: cwnd = FlightSize + min(acked,
 * IW) (never below what the loss window grew to), ssthresh = pipe_prev. */
void tcp_cc_undo_rto(struct tcb *tcb, uint32_t acked);
/* RFC 8985 7.4.2: a tail loss probe repaired a loss: the reduction a
 * recovery makes (from min(FlightSize, cwnd)), cwnd = ssthresh at once. */
void tcp_cc_loss_repaired(struct tcb *tcb, uint64_t now);
const char *tcp_cc_name(const struct tcb *tcb);

/* ---- tcp_info.c ---- */
struct tern_tcp_info;
/* Snapshot of `tcb` (tern_tcp_info_get's), read only; on the stack's lcore. */
void tcp_info_fill(const struct tern_stack *s, const struct tcb *tcb,
		   struct tern_tcp_info *out);

/* ---- tcp_list.c ---- */
/* Read-only walks for listings (core/stack_mbox.h), on the stack's lcore
 * between iterations: append to `pg` the listeners / connections from
 * slot `*pos` on that `req` selects, until the page is full or `*budget`
 * slots were looked at; `*pos` moves on. Return true when the walk
 * reached its end. */
bool tcp_list_listeners(const struct tern_stack *s, const struct stat_req *req,
			struct stat_page *pg, uint32_t *pos, uint32_t *budget);
bool tcp_list_conns(const struct tern_stack *s, const struct stat_req *req,
		    struct stat_page *pg, uint32_t *pos, uint32_t *budget);

/* ---- tcp_user.c ---- */
void tcp_cmd_run(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd);
void tcp_chan_closed(struct tern_stack *s, struct tern_chan *c);
/* The options a connection starts with when nobody set any (tern_config). */
void tcp_uopts_default(const struct tern_config *cfg, struct tcp_uopts *o);
/* Give a TCB that has sent nothing yet the options `o`. */
void tcp_uopts_apply(const struct tern_stack *s, struct tcb *tcb, const struct tcp_uopts *o);
/* RFC 5482 / RFC 9293 3.8.3 R2: true when the user timeout has passed for
 * the data outstanding at the RTO that fires at `now` (tcp_timer.c). */
bool tcp_uto_expired(const struct tern_stack *s, struct tcb *tcb, uint64_t now);
/* Events raised by input and timers. */
void tcp_ev_accepted(struct tern_stack *s, struct tcb *tcb);
void tcp_ev_connected(struct tern_stack *s, struct tcb *tcb);
/* Deliver in-order data (m = chain, data offset at the first byte). */
void tcp_ev_data(struct tern_stack *s, struct tcb *tcb, struct rte_mbuf *m, uint32_t len);
void tcp_ev_peer_closed(struct tern_stack *s, struct tcb *tcb);
/* Send space opened after a refused send. */
void tcp_ev_writable(struct tern_stack *s, struct tcb *tcb);

/* Our RFC 7323 timestamp clock (TSval, and what TSecr is measured
 * against): 1 ms ticks (5.4 allows 1 ms .. 1 s) plus the connection's
 * offset (7.1, tcp_conn.c). */
static inline uint32_t
tcp_ts_now(const struct tcb *tcb, uint64_t now_ns)
{
	return (uint32_t)(now_ns / NS_PER_MS) + tcb->ts.offset;
}

/* Send space left for the app. */
static inline uint32_t
tcp_snd_space(const struct tcb *tcb)
{
	return tcb->sndq.bytes >= tcb->sndbuf ? 0 : tcb->sndbuf - tcb->sndq.bytes;
}

#endif
