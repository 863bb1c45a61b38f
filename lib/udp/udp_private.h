/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP: the socket table (udp_sock.c: bind, close, handles with lcore, slot
 * and generation), input (udp_input.c: checksum, demultiplex, datagram
 * events) and output (udp_output.c: sendto commands, header + checksum).
 */
#ifndef TERN_UDP_INTERNAL_H
#define TERN_UDP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct tern_stack;
struct tern_chan;
struct tern_cmd;
struct tern_config;
struct ip4_hdr_v;
struct stat_req;
struct stat_page;

struct udp_sock {
	uint16_t port;			/* 0 = free */
	uint32_t gen;
	struct tern_chan *chan;
	uint64_t cookie;
};

struct udp_table {
	uint16_t n_socks;
	uint16_t n_free;
	uint16_t *free_list;
	struct udp_sock *socks;
	uint16_t by_port[65536];	/* slot + 1, 0 = none */
};

struct udp_table *udp_table_create(const struct tern_config *cfg, int socket);
void udp_table_free(struct tern_stack *s, struct udp_table *t);

/* Socket for a handle, or NULL if stale/invalid. */
struct udp_sock *udp_sock_get(struct tern_stack *s, uint64_t handle);
/* Socket bound to local `port`, or NULL. */
struct udp_sock *udp_sock_by_port(struct tern_stack *s, uint16_t port);
uint64_t udp_sock_handle(const struct tern_stack *s, const struct udp_sock *u);

/* Commands. */
void udp_cmd_bind(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd);
void udp_cmd_close(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd);
void udp_cmd_sendto(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd);
/* Close every socket owned by channel `c` (channel going away). */
void udp_chan_closed(struct tern_stack *s, struct tern_chan *c);

/* Input: `m` starts at the UDP header; `ip` is the parsed IPv4 header and
 * `m` is trimmed to the IP payload. The IP header bytes precede m's data
 * (needed to quote them in ICMP port unreachable). */
void udp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	       const struct ip4_hdr_v *ip);

/* ICMP destination unreachable (`code`) quoting a UDP datagram we sent:
 * `quote` points at the quoted IPv4 header, `len` bytes available. */
void udp_icmp_unreach(struct tern_stack *s, uint8_t code, const uint8_t *quote,
		      uint32_t len);

/* Listing walk (udp_list.c), as tcp_list_conns: bound sockets from slot
 * `*pos` on, until the page is full or `*budget` slots were looked at.
 * Returns true at the end of the table. */
bool udp_list_socks(const struct tern_stack *s, const struct stat_req *req,
		    struct stat_page *pg, uint32_t *pos, uint32_t *budget);

#endif
