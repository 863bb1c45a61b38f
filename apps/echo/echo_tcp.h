/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-echo's TCP echo server: per-lcore connection state and the event
 * handler. Echoes every byte back on the same connection without copying
 * (the received mbufs are sent as they are), with end-to-end flow control:
 * received bytes are credited back only once they are queued for sending,
 * so a peer that does not read our echoes is slowed down by its own
 * window, never by dropping. With a discard port (RFC 863) its
 * connections count what they receive, free it and credit it back at once,
 * send nothing, and close when the peer does: a sink with no per-byte work.
 */
#ifndef TERN_ECHO_TCP_H
#define TERN_ECHO_TCP_H

#include <stdint.h>

#include <tern/tern.h>

struct echo_conn;

struct echo_tcp {
	struct tern_chan *chan;
	uint32_t n_slots;
	struct echo_conn *conns;	/* by handle slot */
	uint64_t accepted;
	uint64_t closed;
	uint64_t bytes;			/* echoed */
	uint64_t discarded;		/* received on discard connections */
	uint64_t ring_full;		/* connections aborted: command ring full */
	uint64_t listeners[2];		/* handles of the listeners that are up */
	uint32_t n_listeners;
};

/* Listens on `echo_port` and `discard_port` (0 = not that one). Returns
 * 0, or -1 when memory is short or a listen command was refused. */
int echo_tcp_init(struct echo_tcp *t, struct tern_chan *c, uint32_t max_conns,
		  uint16_t echo_port, uint16_t discard_port);
/* Handle one TCP event; returns 0, -1 on a fatal error (listen failed). */
int echo_tcp_event(struct echo_tcp *t, const struct tern_event *ev);
/* Stop listening and abort every connection: an app leaving a stack that
 * goes on running (an app in its own process) leaves nothing behind. The
 * stack answers with TERN_EV_TCP_CLOSED events. Returns the number of
 * commands that did not fit in the ring. */
unsigned int echo_tcp_leave(struct echo_tcp *t);
void echo_tcp_fini(struct echo_tcp *t);

#endif
