/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP test helpers on top of frames.h: the app binds APP_PORT on a stack
 * at OUR_IP through a channel, a peer at PEER_IP:PEER_PORT sends to it with
 * tstack_rx(), and what the stack sends is parsed back and checked field
 * by field. Used by tests/udp and by the routing tests in tests/ip, which
 * drive IPv4 output with UDP sends. Not for use beside tcp_frames.h (whose
 * peer port differs).
 */
#ifndef TERN_UDP_FRAMES_H
#define TERN_UDP_FRAMES_H

#ifdef TERN_TCP_FRAMES_H
#error "udp_frames.h and tcp_frames.h name different peers"
#endif

#include <stdint.h>

#include "frames.h"

#define APP_PORT 7
#define PEER_PORT 5000
#define FRAME_HDRS (ETH_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN)

/* Bind `port` (0: ephemeral) on `c` and expect success at `now`; returns
 * the handle, and the port bound in *bound_port when not NULL. */
uint64_t udp_bind_ok(struct tern_stack *s, struct tern_chan *c, uint16_t port,
		     uint64_t cookie, uint64_t now, uint16_t *bound_port);

/* Send `m` from `h` to addr:port and run the stack once at `now`. */
void udp_send_and_process(struct tern_stack *s, struct tern_chan *c, uint64_t h,
			  struct rte_mbuf *m, uint32_t addr, uint16_t port, uint64_t now);

/* Check a parsed UDP datagram from us to PEER_IP at peer_mac, sport ->
 * dport, carrying `payload`: every header field and both checksums. */
void assert_udp_to_peer(const struct parsed *p, uint16_t sport, uint16_t dport,
			const uint8_t *payload, uint32_t len);

/* UDP header + payload at `l4` with an explicit length field and a checksum
 * over `udp_len` bytes (which may differ from 8 + plen). Returns the bytes
 * written (8 + plen). */
uint16_t udp_l4_bytes(uint8_t *l4, const struct frame_ip *f, uint16_t sport,
		      uint16_t dport, uint16_t udp_len, const uint8_t *payload,
		      uint16_t plen);

/* Make the last two bytes of `payload` (n even, >= 2) such that the UDP
 * checksum of the datagram computes to 0 (and is sent as 0xffff). */
void udp_craft_zero_cksum(uint8_t *payload, uint16_t n, uint32_t src, uint32_t dst,
			  uint16_t sport, uint16_t dport);

#endif
