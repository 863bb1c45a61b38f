/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The neighbour cache: a fixed array of entries chained in hash buckets by
 * index (no allocation after creation), each with its state (incomplete,
 * reachable, or probing: aged but still used while a request re-confirms
 * it), a bounded queue of frames waiting for resolution, and one timer
 * that drives retries while incomplete or probing and aging once
 * reachable. Decision: an aged entry is not dropped at once (RFC 1122
 * 2.3.2.1 lets a cache be revalidated): traffic keeps flowing to the known
 * MAC while up to arp_retries requests ask again; only an unanswered
 * neighbour is forgotten. Dropping it made every busy peer's frames queue
 * (8 at most) and drop once per reachable period, each drop costing TCP a
 * retransmission timeout.
 * arp_send_via() is the output side's entry point, arp_learn() the input
 * side's; arp_timer_expired() is called from the stack's timer dispatch.
 */
#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "wire/eth_hdr.h"

#define ARP_NIL UINT16_MAX
#define ARP_MAX_ENTRIES 32768u
#define NS_PER_MS 1000000ull

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE,
	ARP_REACHABLE,
	ARP_PROBE,			/* aged, still used, being re-confirmed */
};

struct arp_entry {
	struct stack_timer timer;
	uint32_t ip;
	uint16_t next;			/* bucket chain or free list */
	uint16_t iface;
	uint8_t state;
	uint8_t retries;
	uint16_t n_pending;
	struct rte_ether_addr mac;
};

struct arp_table {
	uint32_t n;			/* entries; also the bucket count */
	uint16_t pending_max;
	uint16_t max_retries;
	uint64_t retry_ns;
	uint64_t reachable_ns;
	uint16_t free_head;
	uint16_t *bucket;
	struct arp_entry *e;
	struct rte_mbuf **pending;	/* n * pending_max */
};

struct arp_table *
arp_table_create(const struct tern_config *cfg, int socket)
{
	uint32_t want = cfg->arp_entries < 16u ? 16u : cfg->arp_entries;
	uint32_t n = RTE_MIN(rte_align32pow2(want), ARP_MAX_ENTRIES);
	uint16_t pmax = cfg->arp_pending_max ? cfg->arp_pending_max : 1;
	size_t sz = sizeof(struct arp_table) + n * sizeof(uint16_t) +
		    n * sizeof(struct arp_entry) + (size_t)n * pmax * sizeof(void *) + 64;
	struct arp_table *t = rte_zmalloc_socket("tern_arp", sz, RTE_CACHE_LINE_SIZE, socket);
	uint32_t i;

	if (t == NULL)
		return NULL;
	t->n = n;
	t->pending_max = pmax;
	t->max_retries = cfg->arp_retries ? cfg->arp_retries : 1;
	t->retry_ns = (uint64_t)(cfg->arp_retry_ms ? cfg->arp_retry_ms : 1) * NS_PER_MS;
	t->reachable_ns = (uint64_t)(cfg->arp_reachable_ms ? cfg->arp_reachable_ms : 1) * NS_PER_MS;
	t->e = RTE_PTR_ALIGN_CEIL(RTE_PTR_ADD(t, sizeof(*t)), 8);
	t->bucket = (uint16_t *)(t->e + n);
	t->pending = RTE_PTR_ALIGN_CEIL(RTE_PTR_ADD(t->bucket, n * sizeof(uint16_t)), 8);
	for (i = 0; i < n; i++) {
		t->bucket[i] = ARP_NIL;
		tw_entry_init(&t->e[i].timer.tw);
		t->e[i].timer.kind = STACK_TIMER_ARP;
		t->e[i].next = i + 1 < n ? (uint16_t)(i + 1) : ARP_NIL;
	}
	t->free_head = 0;
	return t;
}

void
arp_table_free(struct arp_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		rte_pktmbuf_free_bulk(&t->pending[i * t->pending_max], t->e[i].n_pending);
	rte_free(t);
}

static uint32_t
bucket_of(const struct arp_table *t, uint32_t ip)
{
	return rte_jhash_1word(ip, 0x7e57) & (t->n - 1);
}

static struct arp_entry *
entry_find(const struct arp_table *t, uint32_t ip)
{
	uint16_t k;

	for (k = t->bucket[bucket_of(t, ip)]; k != ARP_NIL; k = t->e[k].next)
		if (t->e[k].ip == ip)
			return &t->e[k];
	return NULL;
}

static struct arp_entry *
entry_alloc(struct arp_table *t, uint32_t ip, uint16_t iface)
{
	uint32_t b = bucket_of(t, ip);
	struct arp_entry *e;
	uint16_t k = t->free_head;

	if (k == ARP_NIL)
		return NULL;
	e = &t->e[k];
	t->free_head = e->next;
	e->ip = ip;
	e->iface = iface;
	e->retries = 0;
	e->n_pending = 0;
	e->next = t->bucket[b];
	t->bucket[b] = k;
	return e;
}

static void
entry_free(struct tern_stack *s, struct arp_table *t, struct arp_entry *e,
	   unsigned int drop_ctr)
{
	uint16_t k = (uint16_t)(e - t->e);
	uint16_t *pp = &t->bucket[bucket_of(t, e->ip)];

	while (*pp != k)
		pp = &t->e[*pp].next;
	*pp = e->next;
	stack_ctr_add(s, drop_ctr, e->n_pending);
	rte_pktmbuf_free_bulk(&t->pending[k * t->pending_max], e->n_pending);
	e->n_pending = 0;
	stack_timer_cancel(s, &e->timer);
	e->state = ARP_FREE;
	e->next = t->free_head;
	t->free_head = k;
}

/* Fill the Ethernet header reserved in front of an IPv4 packet. */
static void
frame_send(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	   const struct rte_ether_addr *dst)
{
	struct eth_hdr_v eth = { .dst = *dst, .src = s->iface[iface].mac,
				 .type = ETHERTYPE_IPV4 };

	eth_hdr_emit(rte_pktmbuf_mtod(m, uint8_t *), &eth);
	stack_tx(s, iface, m);
}

void
arp_send_via(struct tern_stack *s, uint16_t iface, uint32_t nexthop,
	     struct rte_mbuf *m, uint64_t now_ns)
{
	struct arp_table *t = s->arp;
	struct arp_entry *e = entry_find(t, nexthop);

	if (e != NULL && (e->state == ARP_REACHABLE || e->state == ARP_PROBE)) {
		frame_send(s, e->iface, m, &e->mac);
		return;
	}
	if (e == NULL) {
		e = entry_alloc(t, nexthop, iface);
		if (e == NULL) {
			stack_drop(s, m, CTR_ARP_TABLE_FULL);
			return;
		}
		e->state = ARP_INCOMPLETE;
		e->retries = 1;
		arp_output_request(s, iface, nexthop);
		stack_timer_arm(s, &e->timer, now_ns + t->retry_ns);
	}
	if (e->n_pending == t->pending_max) {
		stack_drop(s, m, CTR_ARP_PENDING_FULL);
		return;
	}
	t->pending[(e - t->e) * t->pending_max + e->n_pending++] = m;
}

void
arp_learn(struct tern_stack *s, uint16_t iface, uint32_t ip,
	  const struct rte_ether_addr *mac, int create, uint64_t now_ns)
{
	struct arp_table *t = s->arp;
	struct arp_entry *e = entry_find(t, ip);
	struct rte_mbuf **q;
	uint16_t k;

	if (e == NULL) {
		if (!create)
			return;
		e = entry_alloc(t, ip, iface);
		if (e == NULL) {
			stack_ctr_inc(s, CTR_ARP_TABLE_FULL);
			return;
		}
	}
	e->mac = *mac;
	e->iface = iface;
	e->state = ARP_REACHABLE;
	e->retries = 0;
	stack_timer_arm(s, &e->timer, now_ns + t->reachable_ns);
	q = &t->pending[(e - t->e) * t->pending_max];
	for (k = 0; k < e->n_pending; k++)
		frame_send(s, iface, q[k], mac);
	e->n_pending = 0;
}

const struct rte_ether_addr *
arp_lookup(struct tern_stack *s, uint32_t ip)
{
	const struct arp_entry *e = entry_find(s->arp, ip);

	return e != NULL && (e->state == ARP_REACHABLE || e->state == ARP_PROBE) ?
	       &e->mac : NULL;
}

void
arp_timer_expired(struct tern_stack *s, struct stack_timer *tm, uint64_t now_ns)
{
	struct arp_entry *e = container_of(tm, struct arp_entry, timer);
	struct arp_table *t = s->arp;

	if (e->state == ARP_REACHABLE) {
		stack_ctr_inc(s, CTR_ARP_REFRESH);
		e->state = ARP_PROBE;
		e->retries = 1;
		arp_output_request(s, e->iface, e->ip);
		stack_timer_arm(s, &e->timer, now_ns + t->retry_ns);
		return;
	}
	if (e->state != ARP_INCOMPLETE && e->state != ARP_PROBE)
		return;
	if (e->retries >= t->max_retries) {
		if (e->state == ARP_PROBE)
			stack_ctr_inc(s, CTR_ARP_AGED);
		entry_free(s, t, e, CTR_ARP_RESOLVE_FAIL);
		return;
	}
	e->retries++;
	arp_output_request(s, e->iface, e->ip);
	stack_timer_arm(s, &e->timer, now_ns + t->retry_ns);
}
