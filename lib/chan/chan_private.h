/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The stack side of an app channel (chan.c): take commands, put events,
 * and destroy the rings. The roof (lib/stack/) calls these; it also
 * implements tern_chan_free, which first tears down the channel's sockets
 * and connections and then calls chan_destroy().
 */
#ifndef TERN_CHAN_PRIVATE_H
#define TERN_CHAN_PRIVATE_H

#include <tern/chan.h>

/* Up to `n` commands from the app; returns the count. */
unsigned int chan_cmds_take(struct tern_chan *c, struct tern_cmd *cmd,
			    unsigned int n);

/* One event to the app: 0, or -ENOBUFS when the ring is full. */
int chan_event_put(struct tern_chan *c, const struct tern_event *ev);

/* The stack `c` was created on (NULL for a looked-up channel). */
struct tern_stack *chan_stack(const struct tern_chan *c);

/* Free both rings (and the mbufs still in them) and the memzone. */
void chan_destroy(struct tern_chan *c);

#endif
