/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Creation and teardown of the per-lcore stack, the registry that maps
 * lcores to stacks (a memzone, so telemetry and secondary processes can
 * find them without a C global), and the two staging areas every layer
 * writes into: frames to transmit per interface, events for app channels.
 * Called by apps (create/free) and by every protocol layer (stack_tx,
 * stack_event); stack_poll.c drives the iteration.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include <tern/udp.h>

#include "core/stack_private.h"
#include "stack/stack_loop.h"
#include "ip/arp.h"
#include "ip/ip4.h"
#include "netif/netif_private.h"
#include "netif/netif_fault.h"
#include "flow/flow_map.h"
#include "stack/stack_steer.h"
#include "udp/udp_private.h"
#include "tcp/tcp_private.h"
#include "wire/ip4_hdr.h"
#include "wire/udp_hdr.h"

#define REGISTRY_MZ "tern_registry"

struct stack_registry {
	struct tern_stack *stack[RTE_MAX_LCORE];
};

static struct stack_registry *
registry(int create)
{
	const struct rte_memzone *mz = rte_memzone_lookup(REGISTRY_MZ);

	if (mz == NULL && create)
		mz = rte_memzone_reserve(REGISTRY_MZ, sizeof(struct stack_registry),
					 SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return NULL;
	return mz->addr;
}

struct tern_stack *
stack_registry_get(unsigned int lcore_id)
{
	struct stack_registry *r = registry(0);

	if (r == NULL || lcore_id >= RTE_MAX_LCORE)
		return NULL;
	return r->stack[lcore_id];
}

int
stack_registry_set(unsigned int lcore_id, struct tern_stack *s)
{
	struct stack_registry *r = registry(s != NULL);

	if (lcore_id >= RTE_MAX_LCORE)
		return -EINVAL;
	if (r == NULL)
		return s == NULL ? 0 : -ENOMEM;
	if (s != NULL && r->stack[lcore_id] != NULL)
		return -EEXIST;
	r->stack[lcore_id] = s;
	return 0;
}

/* What a virtual interface (or a port with one queue) is: one owner. */
static const struct flow_map one_queue = {
	.mode = FLOW_MODE_SINGLE, .n_queues = 1, .reta_size = 1,
	.eph_lo = FLOW_EPH_LO, .eph_hi = FLOW_EPH_HI,
};

static int
iface_init(struct tern_stack *s, uint16_t i, const struct tern_iface_conf *ic,
	   uint16_t queue_id)
{
	struct stack_iface *f = &s->iface[i];
	struct netif_port_info info;

	f->port_id = ic->port_id;
	f->queue_id = queue_id;
	f->ip = ic->ip;
	f->mask = ic->prefix_len == 0 ? 0 : ~0u << (32 - ic->prefix_len);
	f->gw = ic->gw;
	f->mtu = ic->mtu != 0 ? ic->mtu : RTE_ETHER_MTU;
	f->is_port = netif_port_info(ic->port_id, &info) == 0;
	f->flow = f->is_port ? netif_flow_map(ic->port_id) : NULL;
	if (f->flow == NULL)
		f->flow = &one_queue;	/* virtual, or a port tern did not set up */
	if (f->is_port) {
		f->mac = info.mac;
		f->caps = info.caps;
	} else {
		f->mac = ic->mac;
		f->caps = IFACE_CAP_TX_MULTISEG;	/* the embedder decides */
	}
	return 0;
}

/* Ports with more than one queue share frames between their stacks: join
 * the steering domain. Every port must have the same number of queues
 * (tern_netif_setup gives each one queue per stack). */
static int
steer_join(struct tern_stack *s)
{
	uint16_t i, n = 1;

	for (i = 0; i < s->n_ifaces; i++) {
		uint16_t q = s->iface[i].flow->n_queues;

		if (q > 1 && n > 1 && q != n)
			return -EINVAL;
		if (q > n)
			n = q;
	}
	if (n <= 1) {
		if (s->queue_id != 0 && s->iface[0].is_port)
			return -EINVAL;	/* a queue the port does not have */
		return 0;
	}
	return steer_attach(s, n);
}

struct tern_stack *
tern_stack_create(const struct tern_config *cfg, unsigned int lcore_id,
		  uint16_t queue_id, struct rte_mempool *pool)
{
	int socket = rte_lcore_to_socket_id(lcore_id);
	struct tern_stack *s;
	uint16_t i;
	int rc;

	if (cfg == NULL || pool == NULL || cfg->n_ifaces == 0 ||
	    cfg->n_ifaces > TERN_MAX_IFACES || lcore_id >= RTE_MAX_LCORE) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	s = rte_zmalloc_socket("tern_stack", sizeof(*s), RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->cfg = *cfg;
	s->lcore_id = lcore_id;
	s->queue_id = queue_id;
	s->pool = pool;
	s->burst = cfg->burst != 0 && cfg->burst <= STACK_TXB_SIZE ? cfg->burst : 32;
	s->n_ifaces = cfg->n_ifaces;
	tern_clock_init(&s->clock);
	s->now_ns = tern_clock_ns(&s->clock);
	for (i = 0; i < cfg->n_ifaces; i++)
		iface_init(s, i, &cfg->iface[i], queue_id);

	s->wheel = rte_zmalloc_socket("tern_wheel", sizeof(*s->wheel),
				      RTE_CACHE_LINE_SIZE, socket);
	if (s->wheel != NULL)
		tw_init(s->wheel, cfg->timer_tick_ns ? cfg->timer_tick_ns : 100000, s->now_ns);
	s->arp = arp_table_create(cfg, socket);
	s->icmp = icmp_table_create(cfg, socket, s->now_ns);
	s->udp = udp_table_create(cfg, socket);
	s->tcp = tcp_table_create(cfg, lcore_id, socket);
	if (s->wheel == NULL || s->arp == NULL || s->icmp == NULL || s->udp == NULL ||
	    s->tcp == NULL || netif_fault_attach(s) != 0) {
		tern_stack_free(s);
		rte_errno = ENOMEM;
		return NULL;
	}
	rc = stack_registry_set(lcore_id, s);
	if (rc != 0) {
		s->lcore_id = RTE_MAX_LCORE;	/* not registered: do not unregister */
		tern_stack_free(s);
		rte_errno = -rc;
		return NULL;
	}
	rc = steer_join(s);
	if (rc != 0) {
		RTE_LOG(ERR, USER1, "tern: stack on lcore %u: queue %u cannot join the ports' "
			"queues (%s)\n", lcore_id, queue_id, strerror(-rc));
		tern_stack_free(s);
		rte_errno = -rc;
		return NULL;
	}
	tern_stack_announce(s, s->now_ns);
	return s;
}

/* A telemetry request that found the stack before it was unregistered
 * may still be waiting on its mailbox: let it time out (bounded: the
 * requester gives up after 200 ms) before the memory goes. */
static void
mbox_quiesce(struct tern_stack *s)
{
	unsigned int i;

	for (i = 0; i < 300 && !stack_mbox_idle(s); i++)
		rte_delay_us_sleep(1000);
}

void
tern_stack_free(struct tern_stack *s)
{
	uint16_t i;

	if (s == NULL)
		return;
	while (s->n_chans > 0)
		tern_chan_free(s->chans[s->n_chans - 1]);
	for (i = 0; i < s->evq_len; i++)
		rte_pktmbuf_free(s->evq[i].ev.m);
	s->evq_len = 0;
	steer_detach(s);
	netif_fault_detach(s);
	for (i = 0; i < s->n_ifaces; i++) {
		rte_pktmbuf_free_bulk(s->iface[i].txb, s->iface[i].txb_len);
		s->iface[i].txb_len = 0;
	}
	if (s->tcp != NULL)
		tcp_table_free(s, s->tcp);
	s->tcp = NULL;
	if (s->udp != NULL)
		udp_table_free(s, s->udp);
	icmp_table_free(s->icmp);
	arp_table_free(s->arp);
	rte_free(s->wheel);
	if (s->lcore_id < RTE_MAX_LCORE && stack_registry_get(s->lcore_id) == s)
		stack_registry_set(s->lcore_id, NULL);
	mbox_quiesce(s);
	rte_free(s);
}

void
tern_stack_announce(struct tern_stack *s, uint64_t now_ns)
{
	uint16_t i;

	s->now_ns = now_ns;
	for (i = 0; i < s->n_ifaces; i++)
		arp_output_gratuitous(s, i);
}

uint64_t
tern_stack_now(const struct tern_stack *s)
{
	return tern_clock_ns(&s->clock);
}

unsigned int
tern_stack_lcore(const struct tern_stack *s)
{
	return s->lcore_id;
}

void
tern_stack_set_tap(struct tern_stack *s, tern_tap_fn fn, void *arg)
{
	s->tap_arg = arg;
	s->tap = fn;
}

uint16_t
tern_stack_tx_drain(struct tern_stack *s, uint16_t iface,
		    struct rte_mbuf **out, uint16_t max)
{
	struct stack_iface *f;
	uint16_t n;

	if (iface >= s->n_ifaces)
		return 0;
	f = &s->iface[iface];
	n = RTE_MIN(max, f->txb_len);
	memcpy(out, f->txb, n * sizeof(*out));
	memmove(f->txb, f->txb + n, (f->txb_len - n) * sizeof(*out));
	f->txb_len -= n;
	return n;
}

/* The UDP output check (udp_output.c) refuses exactly what this says does
 * not fit: the routed interface's MTU less the two headers. */
int
tern_udp_max_payload(const struct tern_stack *s, uint32_t addr)
{
	struct route r;

	if (s == NULL)
		return -EINVAL;
	if (!route_lookup(s, addr, &r))
		return -ENETUNREACH;
	return (int)s->iface[r.iface].mtu - (int)(IP4_HDR_LEN + UDP_HDR_LEN);
}
