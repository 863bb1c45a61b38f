/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 input and output, Ethernet framing and the route table (connected
 * subnets + default gateway). eth_input.c is the first protocol code a frame
 * meets; eth_output.c and ip4_output.c the last.
 */
#ifndef TERN_IP4_H
#define TERN_IP4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct rte_mbuf;
struct tern_stack;
struct ip4_hdr_v;

/* Input: `m` is a whole Ethernet frame received on interface `iface`.
 * Returns the EtherType (IPv4 or ARP) with `m` advanced past the Ethernet
 * header, or 0 when the frame was dropped (counted, freed). */
uint16_t eth_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m);

/* Prepend an Ethernet header and stage the frame; `dst` NULL = broadcast. */
void eth_output(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ethertype);

/* Input: `m` starts at the IPv4 header. Returns the protocol (ICMP, UDP
 * or TCP) with `ip` filled and `m` trimmed to the datagram and advanced to
 * its payload, or 0 when the packet was dropped (counted, freed; ICMP
 * protocol unreachable sent where due). */
uint8_t ip4_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
		  struct ip4_hdr_v *ip);

struct route {
	uint16_t iface;
	uint32_t nexthop;		/* host order */
	uint32_t src;			/* our address on that interface */
	bool broadcast;			/* dst is a broadcast address */
};

/* Route to `dst`; returns false when there is none. */
bool route_lookup(const struct tern_stack *s, uint32_t dst, struct route *r);

/* True when `ip` is one of our interface addresses. */
bool route_is_local(const struct tern_stack *s, uint32_t ip);

/* True when `ip` is the limited broadcast or a connected subnet's broadcast. */
bool route_is_broadcast(const struct tern_stack *s, uint32_t ip);

struct ip4_tx {
	uint32_t src;
	uint32_t dst;
	uint8_t proto;
	uint8_t tos;
	uint8_t ttl;			/* 0 = default */
};

/* Output: `m` starts at the L4 header, whose checksum is final or, when
 * the caller set an L4 TX checksum offload flag, holds the pseudo-header
 * sum. Prepends the IPv4 header (checksum in software or offloaded),
 * resolves the next hop, sends. Consumes `m`. */
void ip4_output(struct tern_stack *s, const struct route *r,
		const struct ip4_tx *t, struct rte_mbuf *m);

/* Bytes an output path must reserve in front of the L4 header. */
#define IP4_OUT_HEADROOM (14u + 20u)

/* ICMP (icmp_input.c / icmp_output.c). `m` starts at the ICMP header. */
struct icmp_unreach {
	uint8_t code;
	const uint8_t *quote;		/* the quoted IPv4 header and more */
	uint32_t len;
};

/* Returns true when `m` is a destination unreachable whose quote the
 * caller hands to the transport (`u` filled; `m` still owned by the caller,
 * who frees it); false when ICMP consumed `m` (answered, counted, freed). */
bool icmp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
		const struct ip4_hdr_v *ip, struct icmp_unreach *u);

/* ICMP state of one stack (s->icmp): the error rate limit, from the
 * config's icmp_rate_per_s / icmp_burst, full at `now_ns`. */
struct tern_config;
struct icmp_table;
struct icmp_table *icmp_table_create(const struct tern_config *cfg, int socket,
				     uint64_t now_ns);
void icmp_table_free(struct icmp_table *t);

/* Send destination unreachable `code` about the datagram `orig` (starting
 * at its IPv4 header, header parsed in `ip`), rate limited. Does not
 * consume `orig`. */
void icmp_output_unreach(struct tern_stack *s, uint16_t iface,
			 const struct rte_mbuf *orig, const struct ip4_hdr_v *ip,
			 uint8_t code);

#endif
