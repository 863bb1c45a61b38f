/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frame builders and a parsed view of frames a stack sent, for the stack
 * tests: a "peer" at 198.18.0.1 talks to a tern stack at 198.18.0.2 on a
 * virtual interface (no ethdev), frames go in with tern_stack_input() and
 * come out with tern_stack_tx_drain(). Built on the wire/ emit functions,
 * which tests/wire checks against scapy's bytes.
 */
#ifndef TERN_FRAMES_H
#define TERN_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

#include "wire/arp_hdr.h"
#include "wire/eth_hdr.h"
#include "wire/icmp_hdr.h"
#include "wire/ip4_hdr.h"
#include "wire/udp_hdr.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define OUR_IP IP(198, 18, 0, 2)
#define PEER_IP IP(198, 18, 0, 1)
#define GW_IP IP(198, 18, 0, 254)
#define VIRT_PORT 200		/* never a real ethdev in tests */

extern const struct rte_ether_addr our_mac;
extern const struct rte_ether_addr peer_mac;
extern const struct rte_ether_addr gw_mac;	/* GW_IP's */
extern const struct rte_ether_addr bcast_mac;	/* ff:ff:ff:ff:ff:ff */

struct parsed;

/* A stack on one virtual interface OUR_IP/24 with gateway GW_IP. `cfg` may
 * be NULL (defaults); the stack's gratuitous ARP is drained and freed. */
struct tern_stack *tstack_create(const struct tern_config *cfg);
void tstack_config(struct tern_config *cfg);

/* Feed one frame at time `now_ns` and run tern_stack_process(). */
void tstack_rx(struct tern_stack *s, struct rte_mbuf *m, uint64_t now_ns);
/* Run timers/commands/events at `now_ns`. */
void tstack_process(struct tern_stack *s, uint64_t now_ns);
/* Frames the stack sent since the last call. */
uint16_t tstack_tx(struct tern_stack *s, struct rte_mbuf **out, uint16_t max);
/* Free every frame the stack sent; returns how many there were. */
uint16_t tstack_tx_discard(struct tern_stack *s);
/* Exactly one frame sent: parse it into `p` and return it (the caller
 * frees it). */
struct rte_mbuf *tstack_tx_one(struct tern_stack *s, struct parsed *p);
/* Exactly one frame sent: parse it into `p` and free it. */
void tstack_tx_parse_one(struct tern_stack *s, struct parsed *p);
/* Teach the stack `mac` for `ip` with an ARP request for our address (the
 * RFC 826 merge adds the sender); our reply is discarded. */
void tstack_learn(struct tern_stack *s, uint32_t ip, const struct rte_ether_addr *mac,
		  uint64_t now_ns);
/* cmocka teardown for tests that create their own stack: a failed test may
 * leave its stack behind (cmocka jumps out of it); free it so the next test
 * can create its own, and fail a passing test that forgot to. Then the
 * mbuf pool check of harness_teardown(). */
int tstack_teardown(void **state);

/* Exactly one event waiting on `c`; returns it (the caller owns ev.m). */
struct tern_event chan_recv_one(struct tern_chan *c);
/* No event waiting on `c`. */
void chan_assert_empty(struct tern_chan *c);

/* `n` bytes of a pattern that differs by `seed` and by position. */
void fill_pattern(uint8_t *b, uint32_t n, uint32_t seed);

struct frame_ip {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint32_t src;
	uint32_t dst;
	uint8_t ttl;
};

/* Peer -> us defaults (peer_mac/PEER_IP -> our_mac/OUR_IP). */
struct frame_ip frame_ip_default(void);

struct rte_mbuf *frame_arp(const struct rte_ether_addr *eth_dst,
			   const struct rte_ether_addr *eth_src, const struct arp_pkt *a);
/* The peer asks, broadcast, who has `target`. */
struct rte_mbuf *frame_arp_request_for(uint32_t target);
/* `ip` at `mac` answers our request. */
struct rte_mbuf *frame_arp_reply_from(uint32_t ip, const struct rte_ether_addr *mac);
/* Ethernet + IPv4 (valid checksum) + `l4` bytes. */
struct rte_mbuf *frame_ip4(const struct frame_ip *f, uint8_t proto,
			   const void *l4, uint16_t l4_len);
/* UDP with a valid checksum (or `cksum_override` when non-zero). */
struct rte_mbuf *frame_udp(const struct frame_ip *f, uint16_t sport, uint16_t dport,
			   const void *payload, uint16_t len, uint16_t cksum_override);
struct rte_mbuf *frame_icmp_echo(const struct frame_ip *f, uint16_t id, uint16_t seq,
				 const void *payload, uint16_t len);

/* What a stack sent, parsed back with the wire parsers; checksums checked. */
struct parsed {
	struct eth_hdr_v eth;
	bool is_arp;
	struct arp_pkt arp;
	struct ip4_hdr_v ip;
	bool ip_cksum_ok;
	struct udp_hdr_v udp;
	struct icmp_hdr_v icmp;
	bool l4_cksum_ok;
	uint32_t l4_off;		/* offset of the L4 header in the frame */
	uint32_t payload_len;		/* UDP payload or ICMP body */
	uint8_t payload[2048];
};

/* Returns 0 when `m` parses as ARP or IPv4 (+UDP/ICMP). */
int frame_parse(const struct rte_mbuf *m, struct parsed *p);

#endif
