/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP (RFC 826) and the neighbour cache: answering requests for our
 * addresses, learning senders, resolving next hops with a bounded queue of
 * packets per unresolved neighbour, retries, aging, gratuitous ARP.
 * arp_table.c owns the cache, arp_input.c the receive side, arp_output.c
 * the frames we send.
 */
#ifndef TERN_ARP_H
#define TERN_ARP_H

#include <stdint.h>

#include <rte_ether.h>

struct rte_mbuf;
struct tern_stack;
struct stack_timer;
struct arp_pkt;

struct arp_table *arp_table_create(const struct tern_config *cfg, int socket);
void arp_table_free(struct arp_table *t);

/* Input: `m` starts at the ARP header; consumed. `shared`: a copy another
 * lcore received and answered; only learn the sender from it. */
void arp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m, bool shared);

/* Send the Ethernet frame `m` (Ethernet header already prepended, its
 * destination to be filled) to IPv4 next hop `nexthop` on `iface`:
 * immediately when the neighbour is known, else queued while ARP resolves
 * (bounded; drops are counted). Consumes `m`. */
void arp_send_via(struct tern_stack *s, uint16_t iface, uint32_t nexthop,
		  struct rte_mbuf *m, uint64_t now_ns);

/* Learn or refresh `ip` -> `mac` on `iface`; `create` adds a new entry when
 * none exists (RFC 826 merge: only when the packet was meant for us).
 * Flushes queued packets. */
void arp_learn(struct tern_stack *s, uint16_t iface, uint32_t ip,
	       const struct rte_ether_addr *mac, int create, uint64_t now_ns);

/* Known MAC of `ip`, or NULL. */
const struct rte_ether_addr *arp_lookup(struct tern_stack *s, uint32_t ip);

/* Timer handler for a neighbour entry (retry or aging). */
void arp_timer_expired(struct tern_stack *s, struct stack_timer *t, uint64_t now_ns);

/* Output (arp_output.c). */
void arp_output_request(struct tern_stack *s, uint16_t iface, uint32_t target_ip);
void arp_output_reply(struct tern_stack *s, uint16_t iface, const struct arp_pkt *req);
void arp_output_gratuitous(struct tern_stack *s, uint16_t iface);

#endif
