/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connections of one stack: the TCB slots (a fixed array with a free list,
 * allocated once: no allocation per connection), the 4-tuple table
 * (rte_hash, per lcore, no locks), listeners indexed by port, the handles
 * apps hold (lcore, slot, generation: a stale handle is detected), ISNs
 * (RFC 6528) and timestamp offsets (RFC 7323 7.1) from the keys
 * tcp_secret.c derives, and ephemeral ports. Called by input (lookup, alloc on SYN),
 * the user side (connect, listen, handles) and whoever ends a connection
 * (tcp_conn_close / tcp_conn_free).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <sodium.h>

#include "core/handle.h"
#include "tcp/tcp_private.h"
#include "ip/ip4.h"
#include "wire/tcp_hdr.h"
#include "wire/frame_peek.h"
#include "flow/flow_map.h"

#define SLOT_NONE UINT32_MAX

struct ephemeral_ask {			/* what port_in_use() checks against */
	struct tern_stack *s;
	uint32_t laddr;
	uint32_t raddr;
	uint16_t rport;
};

/* The interface that owns local address `laddr` (0 when none does). */
static uint16_t
iface_of_addr(const struct tern_stack *s, uint32_t laddr)
{
	uint16_t i;

	for (i = 0; i < s->n_ifaces; i++)
		if (s->iface[i].ip == laddr)
			return i;
	return 0;
}

/* The table's signature of a 4-tuple: the flow hash of the port that owns
 * the local address, the same hash the RX path computes (or the NIC
 * delivers) for the bulk lookup and the steering decision. */
static uint32_t
sig_of(const struct tern_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
       uint16_t rport)
{
	const struct flow_tuple t = { .raddr = raddr, .laddr = laddr, .rport = rport,
				      .lport = lport, .proto = IPPROTO_TCP };

	return flow_hash(s->iface[iface_of_addr(s, laddr)].flow, &t);
}

/* rte_hash's own function, for any lookup made without a signature: the
 * software flow hash of the key's 4-tuple, which is the signature on every
 * port without hardware RSS (tern itself always passes the signature). */
static uint32_t
key_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	const struct tcp_key *k = key;
	const struct flow_tuple t = { .raddr = k->raddr, .laddr = k->laddr,
				      .rport = k->rport, .lport = k->lport,
				      .proto = IPPROTO_TCP };

	(void)key_len;
	(void)init_val;
	return flow_hash_sw(&t);
}

/* The machine's clock since boot, read once when the stack is made: the
 * stack's own clock starts at 0 in every process, and ISNs (RFC 6528 M)
 * and timestamps (RFC 7323 5.4) of a 4-tuple must keep moving forward
 * from one tern process to the next, as the per-boot secret's keys do,
 * or the peer's TIME-WAIT and PAWS refuse the new incarnation (issue 11).
 * Read just after the stack's clock started: at most a few ms ahead of
 * it, never behind. 0 when unreadable. */
static uint64_t
boot_clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct rte_hash *
hash_create(unsigned int lcore_id, uint32_t entries, int socket)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries < 8 ? 8 : entries,
		.key_len = sizeof(struct tcp_key),
		.hash_func = key_hash,
		.hash_func_init_val = 0,
		.socket_id = socket,
	};

	snprintf(name, sizeof(name), "tern_tcp_%u", lcore_id);
	return rte_hash_create(&p);
}

struct tcp_table *
tcp_table_create(const struct tern_config *cfg, unsigned int lcore_id, int socket)
{
	uint32_t n = cfg->tcp_max_conns ? cfg->tcp_max_conns : 65536;
	uint16_t nl = cfg->tcp_max_listeners ? cfg->tcp_max_listeners : 64;
	struct tcp_table *t;
	uint32_t i;

	if (n > HANDLE_SLOT_MASK || sodium_init() < 0)
		return NULL;
	t = rte_zmalloc_socket("tern_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		return NULL;
	t->n_tcbs = n;
	t->n_listeners = nl;
	t->tcbs = rte_zmalloc_socket("tern_tcbs", (size_t)n * sizeof(struct tcb),
				     RTE_CACHE_LINE_SIZE, socket);
	t->listeners = rte_zmalloc_socket("tern_listen", nl * sizeof(struct tcp_listener),
					  RTE_CACHE_LINE_SIZE, socket);
	t->listen_by_port = rte_zmalloc_socket("tern_lport", 65536 * sizeof(uint16_t),
					       RTE_CACHE_LINE_SIZE, socket);
	/* room for every TCB and every record: an entry never waits for a
	 * free place, and the cuckoo table stays at most half full at the
	 * default sizes */
	t->hash = hash_create(lcore_id, n + tcp_tw_cap(cfg, n), socket);
	if (t->tcbs == NULL || t->listeners == NULL || t->listen_by_port == NULL ||
	    t->hash == NULL) {
		rte_hash_free(t->hash);
		rte_free(t->listen_by_port);
		rte_free(t->listeners);
		rte_free(t->tcbs);
		rte_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		t->tcbs[i].next_free = i + 1 < n ? i + 1 : SLOT_NONE;
		t->tcbs[i].gen = 1;
	}
	t->free_head = 0;
	t->tx_tail = &t->tx_head;
	tcp_secret_keys(cfg, t);		/* per boot, shared by tern processes */
	t->boot_ns = boot_clock_ns();
	/* full at creation: the budget is for abuse, not for a start-up */
	token_bucket_init(&t->synack_budget, cfg->tcp_synack_rexmit_per_s,
			  cfg->tcp_synack_rexmit_per_s, cfg->tcp_synack_rexmit_per_s, 0);
	/* empty at time 0: the budget builds up from the clock's start */
	token_bucket_init(&t->challenge, TCP_CHALLENGE_ACK_PER_S, TCP_CHALLENGE_ACK_PER_S, 0, 0);
	t->reass_pool = tcp_reass_pool_create(n, lcore_id, socket);
	t->sack_pool = tcp_sack_pool_create(n, lcore_id, socket);
	if (t->reass_pool == NULL || t->sack_pool == NULL ||
	    tcp_tw_create(cfg, t, socket) != 0) {
		tcp_table_free(NULL, t);	/* no connection yet: no stack needed */
		return NULL;
	}
	return t;
}

void
tcp_table_free(struct tern_stack *s, struct tcp_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	/* every TCB goes: empty the output list at once, not one unlink
	 * (a walk of the list) per TCB, which is quadratic with a long list */
	while (t->tx_head != NULL) {
		struct tcb *tcb = t->tx_head;

		t->tx_head = tcb->tx_next;
		tcb->tx_next = NULL;
		tcb->flags &= ~TCB_F_TX_QUEUED;
	}
	t->tx_tail = &t->tx_head;
	for (i = 0; i < t->n_tcbs; i++)
		if (t->tcbs[i].state != TCP_ST_CLOSED || t->tcbs[i].sndq.head != NULL)
			tcp_conn_free(s, &t->tcbs[i]);
	tcp_tw_free(s, t);
	tcp_sack_pool_free(t->sack_pool);
	tcp_reass_pool_free(t->reass_pool);
	rte_hash_free(t->hash);
	rte_free(t->listen_by_port);
	rte_free(t->listeners);
	rte_free(t->tcbs);
	rte_free(t);
}

void *
tcp_conn_entry(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
	       uint32_t raddr, uint16_t rport)
{
	struct tcp_key k = tcp_key_of(laddr, lport, raddr, rport);
	void *data;

	if (rte_hash_lookup_with_hash_data(s->tcp->hash, &k,
					   sig_of(s, laddr, lport, raddr, rport), &data) < 0)
		return NULL;
	return data;
}

struct tcb *
tcp_conn_lookup(struct tern_stack *s, uint32_t laddr, uint16_t lport,
		uint32_t raddr, uint16_t rport)
{
	void *e = tcp_conn_entry(s, laddr, lport, raddr, rport);

	return tcp_entry_is_tw(e) ? NULL : e;
}

int
tcp_conn_entry_set_tw(struct tern_stack *s, struct tcp_tw *tw)
{
	struct tcp_key k = tcp_key_of(tw->laddr, tw->lport, tw->raddr, tw->rport);
	int rc;

	rc = rte_hash_add_key_with_hash_data(s->tcp->hash, &k,
					     sig_of(s, tw->laddr, tw->lport, tw->raddr,
						    tw->rport),
					     (void *)((uintptr_t)tw | TCP_ENTRY_TW));
	s->tcp->hash_adds++;
	return rc < 0 ? rc : 0;
}

void
tcp_conn_entry_del(struct tern_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
		   uint16_t rport)
{
	struct tcp_key k = tcp_key_of(laddr, lport, raddr, rport);

	rte_hash_del_key_with_hash(s->tcp->hash, &k, sig_of(s, laddr, lport, raddr, rport));
}

void
tcp_conn_lookup_burst(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
		      const struct frame_tuple *tuples, uint16_t n)
{
	struct tcp_table *t = s->tcp;
	struct tcp_key keys[TCP_HINT_MAX];
	const void *kp[TCP_HINT_MAX];
	hash_sig_t sigs[TCP_HINT_MAX];
	void *data[TCP_HINT_MAX];
	uint64_t hits = 0;
	uint16_t k, nk = 0;

	(void)iface;			/* the tuples carry the port's hash */
	t->hint_n = 0;
	t->hint_pos = 0;
	t->hint_adds = t->hash_adds;
	for (k = 0; k < n && nk < TCP_HINT_MAX; k++) {
		const struct frame_tuple *f = &tuples[k];

		if (f->kind != FRAME_TCP)
			continue;
		keys[nk] = tcp_key_of(f->laddr, f->lport, f->raddr, f->rport);
		kp[nk] = &keys[nk];
		sigs[nk] = f->hash;
		t->hint[nk].m = pkts[k];
		nk++;
	}
	if (nk == 0)
		return;
	if (nk == 1) {
		/* a burst of one (a lightly loaded port): the single lookup
		 * skips the bulk call's staging, about a third of its cost */
		if (rte_hash_lookup_with_hash_data(t->hash, kp[0], sigs[0], &data[0]) >= 0)
			hits = 1;
	} else if (rte_hash_lookup_with_hash_bulk_data(t->hash, kp, sigs, nk, &hits, data) < 0) {
		return;
	}
	for (k = 0; k < nk; k++)
		t->hint[k].entry = (hits >> k) & 1 ? data[k] : NULL;
	t->hint_n = nk;
}

/* What a bulk result still says about a 4-tuple: the TCB or record it
 * found, unless a segment earlier in the burst freed it (slot reused or
 * CLOSED, record dead or recycled). */
static bool
hint_holds(void *e, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	if (tcp_entry_is_tw(e)) {
		const struct tcp_tw *tw = tcp_entry_tw(e);

		return tw->expire_ns != 0 && tw->lport == lport && tw->rport == rport &&
		       tw->laddr == laddr && tw->raddr == raddr;
	}
	const struct tcb *tcb = e;

	return tcb->state != TCP_ST_CLOSED && tcb->lport == lport && tcb->rport == rport &&
	       tcb->laddr == laddr && tcb->raddr == raddr;
}

struct tcb *
tcp_conn_lookup_seg(struct tern_stack *s, const struct rte_mbuf *m, uint32_t laddr,
		    uint16_t lport, uint32_t raddr, uint16_t rport, struct tcp_tw **tw)
{
	struct tcp_table *t = s->tcp;
	void *e = NULL;

	*tw = NULL;
	while (t->hint_pos < t->hint_n && t->hint[t->hint_pos].m != m)
		t->hint_pos++;
	if (t->hint_pos < t->hint_n) {
		e = t->hint[t->hint_pos++].entry;
		if (e != NULL && hint_holds(e, laddr, lport, raddr, rport))
			stack_ctr_inc(s, CTR_TCP_RX_BULK_HIT);
		else if (e != NULL || t->hint_adds != t->hash_adds)
			e = tcp_conn_entry(s, laddr, lport, raddr, rport);
		/* else a miss at the burst's start, nothing added since */
	} else {
		e = tcp_conn_entry(s, laddr, lport, raddr, rport);
	}
	if (tcp_entry_is_tw(e)) {
		*tw = tcp_entry_tw(e);
		return NULL;
	}
	return e;
}

/* Our window scale: the smallest shift that lets the buffer be advertised
 * (RFC 7323 2.3). */
uint8_t
tcp_wscale_for(uint32_t rcvbuf)
{
	uint8_t shift = 0;

	while (shift < TCP_WSCALE_MAX && (rcvbuf >> shift) > 65535u)
		shift++;
	return shift;
}

/* RFC 7323 7.1: a timestamp offset per 4-tuple from a keyed hash, so it
 * is unpredictable to others yet the same for every incarnation of a
 * 4-tuple: a new connection's timestamps then run ahead of the old one's,
 * which is what lets a SYN take a 4-tuple over from TIME-WAIT (RFC 6191)
 * on either side. RFC 6528's ISN needs a keyed hash of the same 4-tuple:
 * one SipHash gives both, the ISN's part in the low 32 bits and the
 * offset in the high 32 (independent bits of one PRF output, so knowing
 * one tells nothing of the other). */
static uint64_t
tuple_prf(const struct tern_stack *s, const struct tcp_key *k)
{
	uint8_t h[crypto_shorthash_siphash24_BYTES];
	uint64_t f;

	crypto_shorthash_siphash24(h, (const unsigned char *)k, sizeof(*k),
				   s->tcp->tuple_key);
	memcpy(&f, h, sizeof(f));
	return f;
}

static uint32_t
ts_offset_of(const struct tern_stack *s, uint64_t f)
{
	return (uint32_t)(f >> 32) + (uint32_t)(s->tcp->boot_ns / NS_PER_MS);
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4 us timer (since boot), F the keyed part. */
static uint32_t
isn_of(const struct tern_stack *s, uint32_t f, uint64_t now_ns)
{
	return (uint32_t)((now_ns + s->tcp->boot_ns) / 4000u) + f;
}

uint32_t
tcp_ts_offset(const struct tern_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
	      uint16_t rport)
{
	struct tcp_key k = tcp_key_of(laddr, lport, raddr, rport);

	return ts_offset_of(s, tuple_prf(s, &k));
}

static void
tcb_init(struct tern_stack *s, struct tcb *tcb, uint16_t iface)
{
	const struct tern_config *cfg = &s->cfg;
	uint32_t gen = tcb->gen;
	struct tcp_uopts o;

	memset(tcb, 0, sizeof(*tcb));
	tcb->gen = gen;
	tcb->iface = (uint8_t)iface;
	tcb->mss = (uint16_t)(s->iface[iface].mtu - 40);
	tcb->rcvbuf = cfg->tcp_rcvbuf;
	tcb->sndbuf = cfg->tcp_sndbuf;
	tcb->rcv.wscale = cfg->tcp_wscale ? tcp_wscale_for(cfg->tcp_rcvbuf) : 0;
	tcb->rto_ns = (uint64_t)cfg->tcp_rto_init_ms * NS_PER_MS;
	tcb->cc_algo = cfg->tcp_cc < TCP_CC_COUNT ? cfg->tcp_cc : TCP_CC_NEWRENO;
	tcp_cc_init(tcb, s->now_ns, false);	/* again once the MSS is known */
	tcb->timer.kind = STACK_TIMER_TCP;
	tw_entry_init(&tcb->timer.tw);
	tcb->idle_since_ns = s->now_ns;
	if (cfg->tcp_nodelay)
		tcb->flags |= TCB_F_NODELAY;
	tcp_uopts_default(cfg, &o);
	tcp_uopts_apply(s, tcb, &o);
}

struct tcb *
tcp_conn_alloc(struct tern_stack *s, uint16_t iface, uint32_t laddr, uint16_t lport,
	       uint32_t raddr, uint16_t rport)
{
	struct tcp_table *t = s->tcp;
	struct tcp_key k = tcp_key_of(laddr, lport, raddr, rport);
	struct tcb *tcb;
	uint32_t slot = t->free_head;
	uint64_t f;

	if (slot == SLOT_NONE)
		return NULL;
	tcb = &t->tcbs[slot];
	if (rte_hash_add_key_with_hash_data(t->hash, &k,
					    sig_of(s, laddr, lport, raddr, rport), tcb) < 0)
		return NULL;
	t->hash_adds++;
	t->free_head = tcb->next_free;
	t->n_used++;
	tcb_init(s, tcb, iface);
	tcb->laddr = laddr;
	tcb->lport = lport;
	tcb->raddr = raddr;
	tcb->rport = rport;
	f = tuple_prf(s, &k);
	tcb->ts.offset = ts_offset_of(s, f);
	tcb->iss = (uint32_t)f;		/* the ISN's keyed part: tcp_isn_clocked */
	return tcb;
}

static void
tx_list_unlink(struct tcp_table *t, struct tcb *tcb)
{
	struct tcb **pp = &t->tx_head;

	while (*pp != NULL && *pp != tcb)
		pp = &(*pp)->tx_next;
	if (*pp == NULL)
		return;
	*pp = tcb->tx_next;
	if (t->tx_tail == &tcb->tx_next)
		t->tx_tail = pp;
	tcb->tx_next = NULL;
	tcb->flags &= ~TCB_F_TX_QUEUED;
}

void
tcp_conn_release(struct tern_stack *s, struct tcb *tcb, bool unhash)
{
	struct tcp_table *t = s->tcp;
	struct tcp_key k = tcp_key_of(tcb->laddr, tcb->lport, tcb->raddr, tcb->rport);
	uint32_t slot = (uint32_t)(tcb - t->tcbs);

	if (tcb->flags & TCB_F_TX_QUEUED)
		tx_list_unlink(t, tcb);
	tcp_timer_cancel_all(s, tcb);
	stack_timer_cancel(s, &tcb->timer);
	tcp_sndq_free(tcb);
	tcp_reass_free(s, tcb);
	tcp_sack_free(tcb);
	if (tcb->listener != NULL && tcb->listener->n_syn > 0)
		tcb->listener->n_syn--;
	tcb->listener = NULL;
	if (unhash)
		rte_hash_del_key_with_hash(t->hash, &k, sig_of(s, tcb->laddr, tcb->lport,
							       tcb->raddr, tcb->rport));
	tcb->state = TCP_ST_CLOSED;
	tcb->chan = NULL;
	tcb->flags = 0;
	tcb->gen++;
	if (tcb->gen == 0)
		tcb->gen = 1;
	tcb->next_free = t->free_head;
	t->free_head = slot;
	t->n_used--;
}

void
tcp_conn_free(struct tern_stack *s, struct tcb *tcb)
{
	tcp_conn_release(s, tcb, true);
	stack_ctr_inc(s, CTR_TCP_CLOSED);
}

void
tcp_conn_detach(struct tern_stack *s, struct tcb *tcb, int status)
{
	if (tcb->chan != NULL && (tcb->flags & TCB_F_ACCEPTED)) {
		struct tern_event ev = {
			.type = TERN_EV_TCP_CLOSED, .status = status,
			.handle = tcp_conn_handle(s, tcb), .cookie = tcb->cookie,
			.addr = tcb->raddr, .port = tcb->rport,
		};

		stack_event(s, tcb->chan, &ev);
	}
	tcb->chan = NULL;
	tcb->flags |= TCB_F_ORPHAN;
}

void
tcp_conn_close(struct tern_stack *s, struct tcb *tcb, int status)
{
	tcp_set_state(s, tcb, TCP_ST_CLOSED);
	tcp_conn_detach(s, tcb, status);
	tcp_conn_free(s, tcb);
}

struct tcp_listener *
tcp_listener_lookup(struct tern_stack *s, uint16_t port)
{
	uint16_t k = s->tcp->listen_by_port[port];

	return k == 0 ? NULL : &s->tcp->listeners[k - 1];
}

uint64_t
tcp_conn_handle(const struct tern_stack *s, const struct tcb *tcb)
{
	return handle_encode(HANDLE_TCP_CONN, s->lcore_id, (uint32_t)(tcb - s->tcp->tcbs),
			     tcb->gen);
}

struct tcb *
tcp_conn_from_handle(struct tern_stack *s, uint64_t handle)
{
	struct tcb *tcb;
	uint32_t slot;

	if (!handle_decode(handle, HANDLE_TCP_CONN, s->lcore_id, s->tcp->n_tcbs, &slot))
		return NULL;
	tcb = &s->tcp->tcbs[slot];
	if (!handle_gen_is(handle, tcb->gen) || tcb->state == TCP_ST_CLOSED)
		return NULL;
	return tcb;
}

uint32_t
tcp_isn(struct tern_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
	uint16_t rport, uint64_t now_ns)
{
	struct tcp_key k = tcp_key_of(laddr, lport, raddr, rport);

	return isn_of(s, (uint32_t)tuple_prf(s, &k), now_ns);
}

uint32_t
tcp_isn_clocked(const struct tern_stack *s, const struct tcb *tcb, uint64_t now_ns)
{
	return isn_of(s, tcb->iss, now_ns);
}

static bool
port_in_use(void *arg, uint16_t port)
{
	const struct ephemeral_ask *a = arg;

	/* a 4-tuple in TIME-WAIT counts as taken: a fresh one is better */
	return a->s->tcp->listen_by_port[port] != 0 ||
	       tcp_conn_entry(a->s, a->laddr, port, a->raddr, a->rport) != NULL;
}

uint16_t
tcp_ephemeral_port(struct tern_stack *s, uint32_t laddr, uint32_t raddr, uint16_t rport)
{
	struct tcp_table *t = s->tcp;
	const struct flow_map *m = s->iface[iface_of_addr(s, laddr)].flow;
	struct flow_tuple ft = { .raddr = raddr, .laddr = laddr, .rport = rport,
				 .proto = IPPROTO_TCP };
	struct ephemeral_ask a = { .s = s, .laddr = laddr, .raddr = raddr, .rport = rport };

	if (t->ephemeral_next < m->eph_lo || t->ephemeral_next > m->eph_hi)
		t->ephemeral_next = (uint16_t)(m->eph_lo +
					       rte_rand_max((uint64_t)m->eph_hi - m->eph_lo + 1));
	/* a port whose replies this lcore owns (RFC 6056 leaves the choice
	 * open; the scan starts at a random point) */
	return flow_port_pick(m, s->queue_id, &ft, &t->ephemeral_next, port_in_use, &a);
}

bool
tcp_conn_is_home(const struct tern_stack *s, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport)
{
	const struct flow_map *m = s->iface[iface_of_addr(s, laddr)].flow;
	const struct flow_tuple ft = { .raddr = raddr, .laddr = laddr, .rport = rport,
				       .lport = lport, .proto = IPPROTO_TCP };

	return m->n_queues <= 1 || flow_owner(m, &ft, NULL) == s->queue_id;
}
