/* SPDX-License-Identifier: BSD-3-Clause
 *
 * App channels: how payloads reach applications. Per lcore and app, a pair
 * of single-producer/single-consumer rings of fixed-size elements in a
 * memzone: events flow stack -> app, commands app -> stack. Payload is never
 * copied: mbufs travel by pointer, so an app in the same process, on another
 * lcore, or in a DPDK secondary process (same hugepage mapping) reads them
 * in place.
 *
 * Threading: exactly one thread calls tern_chan_recv/tern_chan_send on a
 * channel (the app side); the owning stack's lcore is the only other party.
 * Events are enqueued after input processing, never from inside it.
 */
#ifndef TERN_CHAN_H
#define TERN_CHAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct tern_stack;
struct tern_chan;

/** Event types (stack -> app). The fields each one sets are listed; the
 *  others are 0. `peer_port`/`local_port` and `len`/`snd_space` are names
 *  for the same storage (see struct tern_event): use the one the event's
 *  line names. */
enum tern_ev_type {
	TERN_EV_NONE = 0,
	TERN_EV_UDP_BOUND,	/**< bind done: handle and local_port set, or
				 *   status = -errno */
	TERN_EV_UDP_DATAGRAM,	/**< m = payload (data offset at the first payload
				 *   byte), addr/peer_port = sender, len = bytes */
	TERN_EV_UDP_CLOSED,	/**< socket closed (after TERN_CMD_UDP_CLOSE) */
	TERN_EV_UDP_ERROR,	/**< ICMP destination unreachable for a sent
				 *   datagram: status = -ECONNREFUSED (port),
				 *   -EHOSTUNREACH, -ENETUNREACH, -ENOPROTOOPT
				 *   or -EMSGSIZE; addr/peer_port = destination */
	TERN_EV_CMD_ERROR,	/**< a command was rejected: status = -errno,
				 *   cookie, handle, addr and peer_port echoed
				 *   from it; its mbuf was freed, except for a
				 *   TCP send refused with -ENOBUFS, whose chain
				 *   comes back in m (len = its bytes) */
	TERN_EV_TCP_LISTENING,	/**< listen done: handle = listener, local_port,
				 *   or status = -errno (EADDRINUSE ...) */
	TERN_EV_TCP_ACCEPTED,	/**< new connection on a listener: handle = the
				 *   connection, cookie = the listener's cookie,
				 *   addr/peer_port = peer, snd_space */
	TERN_EV_TCP_CONNECTED,	/**< active open done (status 0, snd_space); on
				 *   failure a TERN_EV_TCP_CLOSED with
				 *   -ECONNREFUSED / -ETIMEDOUT comes instead */
	TERN_EV_TCP_DATA,	/**< in-order bytes: m = mbuf chain (data offset
				 *   at the first byte), len = bytes. Credit them
				 *   back with TERN_CMD_TCP_RECVD when consumed */
	TERN_EV_TCP_WRITABLE,	/**< send space freed: snd_space = bytes the app
				 *   may now queue (sent after TERN_EV_TCP_FULL) */
	TERN_EV_TCP_PEER_CLOSED, /**< the peer sent FIN: no more data will come */
	TERN_EV_TCP_CLOSED,	/**< the connection is over for the app (handle
				 *   stale): status 0 after an orderly close (sent
				 *   on entering TIME-WAIT, which the stack then
				 *   holds for 2*MSL on its own), -ECONNRESET,
				 *   -ECONNREFUSED, -ETIMEDOUT or -ECONNABORTED */
	TERN_EV_TCP_FULL,	/**< the send queue reached its send buffer
				 *   (TERN_TCP_OPT_SNDBUF): hold further sends
				 *   until TERN_EV_TCP_WRITABLE (sends still
				 *   accepted up to twice the limit) */
	TERN_EV_TCP_CONNECTING,	/**< the SYN of a TERN_CMD_TCP_CONNECT is on its
				 *   way: handle = the connection (usable for
				 *   close, abort and send before the handshake
				 *   completes), addr/peer_port = peer,
				 *   local_port is not set (see tern_tcp_info).
				 *   Always before that connection's CONNECTED
				 *   or CLOSED */
	TERN_EV_COUNT
};

/** Send-side flow control: every TERN_CMD_TCP_SEND is queued whole and in
 *  order while the queue holds less than twice the send buffer
 *  (TERN_TCP_OPT_SNDBUF, default tcp.sndbuf). The send that makes it reach
 *  the buffer raises TERN_EV_TCP_FULL; the app should hold further data
 *  until TERN_EV_TCP_WRITABLE (queue below half the limit). Sends issued
 *  before the app saw TERN_EV_TCP_FULL still fit in the slack, so byte
 *  order is never at risk. An app that ignores it and reaches twice the
 *  limit gets TERN_EV_CMD_ERROR -ENOBUFS with its chain back in `m`.
 *  Every other rejected command frees its mbuf.
 *
 *  Two different "full" conditions, two codes: the command helpers
 *  (tern_tcp_*, tern_udp_*) return -EAGAIN when the command ring itself is
 *  full (nothing was queued, the caller still owns `m`; poll events and
 *  retry), while -ENOBUFS only ever arrives as the status of a
 *  TERN_EV_CMD_ERROR (a send queue over twice its limit, or no free TCB). */

/** Command types (app -> stack). */
enum tern_cmd_type {
	TERN_CMD_NONE = 0,
	TERN_CMD_UDP_BIND,	/**< port = local port (0 = ephemeral) */
	TERN_CMD_UDP_SENDTO,	/**< handle, m = payload, addr/port = destination */
	TERN_CMD_UDP_CLOSE,	/**< handle */
	TERN_CMD_TCP_LISTEN,	/**< port = local port, backlog (0 = default) */
	TERN_CMD_TCP_UNLISTEN,	/**< handle = listener */
	TERN_CMD_TCP_CONNECT,	/**< addr/port = peer, local_port (0 =
				 *   ephemeral) */
	TERN_CMD_TCP_SEND,	/**< handle, m = bytes to send (any chain) */
	TERN_CMD_TCP_RECVD,	/**< handle, len = bytes consumed (window credit) */
	TERN_CMD_TCP_SHUTDOWN,	/**< handle: close the write side (FIN) */
	TERN_CMD_TCP_CLOSE,	/**< handle: close both sides; the handle stays
				 *   valid until TERN_EV_TCP_CLOSED */
	TERN_CMD_TCP_ABORT,	/**< handle: send RST, drop everything */
	TERN_CMD_TCP_NODELAY,	/**< handle, len = 1 disables Nagle, 0 enables */
	TERN_CMD_TCP_CC,	/**< handle, len = congestion control algorithm
				 *   (enum tern_tcp_cc, tern/config.h) */
	TERN_CMD_TCP_SETOPT,	/**< handle (connection, listener, or 0 for the
				 *   channel's defaults), opt = enum
				 *   tern_tcp_opt, value (tern/tcp.h) */
	TERN_CMD_COUNT
};

/** One event. `m` belongs to the app once received: it must be freed or
 *  handed back with a command. The unions give one piece of storage the
 *  name that fits the event (enum tern_ev_type says which); `port` and
 *  `len` remain as the generic names of older code. */
struct tern_event {
	uint16_t type;		/**< enum tern_ev_type */
	union {
		uint16_t port;		/**< generic name of either below */
		uint16_t peer_port;	/**< the remote port: DATAGRAM, UDP_ERROR,
					 *   ACCEPTED, CONNECTING, CONNECTED,
					 *   and every other TCP connection event */
		uint16_t local_port;	/**< our port: UDP_BOUND, TCP_LISTENING */
	};
	int32_t status;		/**< 0 or -errno */
	uint64_t handle;	/**< socket handle (lcore, slot, type, generation) */
	uint64_t cookie;	/**< the app's tag from the command */
	uint32_t addr;		/**< peer IPv4, host order */
	union {
		uint32_t len;		/**< payload bytes in m (DATAGRAM, TCP_DATA,
					 *   a CMD_ERROR that returns m) */
		uint32_t snd_space;	/**< bytes the app may queue now without
					 *   reaching TERN_EV_TCP_FULL (ACCEPTED,
					 *   CONNECTED, WRITABLE) */
	};
	struct rte_mbuf *m;	/**< payload, or NULL */
};

/** One command. Ownership of `m` passes to the stack on a successful
 *  tern_chan_send, whatever the command's outcome. */
struct tern_cmd {
	uint16_t type;		/**< enum tern_cmd_type */
	uint16_t port;		/**< local port (UDP_BIND, TCP_LISTEN) or peer
				 *   port (UDP_SENDTO, TCP_CONNECT) */
	uint16_t local_port;	/**< TCP_CONNECT: local port, 0 = ephemeral */
	uint16_t opt;		/**< TCP_SETOPT: enum tern_tcp_opt */
	uint64_t handle;	/**< the socket the command acts on */
	uint64_t cookie;	/**< echoed in the events it causes */
	uint32_t addr;		/**< peer IPv4, host order */
	union {
		uint32_t len;		/**< generic name of either below; RECVD:
					 *   bytes consumed; NODELAY, CC: value */
		uint32_t backlog;	/**< TCP_LISTEN: SYN-RECEIVED limit, 0 =
					 *   tcp.backlog */
		uint32_t value;		/**< TCP_SETOPT: the option's value */
	};
	struct rte_mbuf *m;	/**< payload (SEND, SENDTO), else NULL */
};

/** Create an app channel on a stack.
 *
 *  Call from the stack's lcore or before the stack runs.
 *  @param stack  the stack whose lcore serves the channel
 *  @param app    channel name, at most 15 characters, unique per lcore
 *  @param size   elements per ring (power of two); 0 = tern_config.chan_size
 *  @return the channel, or NULL with rte_errno set: EEXIST (name taken),
 *  ENOSPC (too many channels on the stack), ENOMEM, EINVAL. */
struct tern_chan *tern_chan_create(struct tern_stack *stack, const char *app,
				   unsigned int size);

/** Find an existing channel, e.g. from a secondary process.
 *  @param lcore_id  the lcore of the stack it was created on
 *  @param app       the name given to tern_chan_create()
 *  @return the channel, or NULL with rte_errno = ENOENT. */
struct tern_chan *tern_chan_lookup(unsigned int lcore_id, const char *app);

/** Dequeue events. App side only.
 *  @param c   the channel
 *  @param ev  array of at least `n` events to fill
 *  @param n   most events to take
 *  @return the number dequeued (0 when none is waiting). */
unsigned int tern_chan_recv(struct tern_chan *c, struct tern_event *ev,
			    unsigned int n);

/** Enqueue commands, in order. App side only.
 *  @param c    the channel
 *  @param cmd  array of `n` commands
 *  @param n    commands to send
 *  @return the number enqueued (fewer than `n` when the ring is full); the
 *  rest, and their mbufs, still belong to the caller. */
unsigned int tern_chan_send(struct tern_chan *c, const struct tern_cmd *cmd,
			    unsigned int n);

/** Events waiting to be received.
 *  @param c  the channel
 *  @return the count (approximate when read from another thread). */
unsigned int tern_chan_pending(const struct tern_chan *c);

/** Detach the channel from its stack and free it: its listeners and UDP
 *  sockets are released and its connections reset. Call when the stack is
 *  no longer polling (or from its lcore). Undelivered mbufs are freed.
 *  @param c  the channel (NULL: nothing happens) */
void tern_chan_free(struct tern_chan *c);

#ifdef __cplusplus
}
#endif

#endif
