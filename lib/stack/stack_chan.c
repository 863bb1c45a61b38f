/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern_chan_free: the teardown half of an app channel. The roof owns it
 * because it reaches into every layer that holds a channel pointer: UDP
 * sockets and TCP listeners are released, connections lose their app and
 * are scheduled for a RST (sent by the next loop iteration's output:
 * closing a channel never transmits), staged events for the channel are
 * forgotten, then chan_destroy() frees the rings and the memzone.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "chan/chan_private.h"
#include "tcp/tcp_private.h"
#include "udp/udp_private.h"

static void
chan_detach(struct tern_stack *s, struct tern_chan *c)
{
	uint32_t k, kept = 0;
	uint16_t i;

	udp_chan_closed(s, c);
	tcp_chan_closed(s, c);
	for (k = 0; k < s->evq_len; k++) {
		if (s->evq[k].chan == c)
			rte_pktmbuf_free(s->evq[k].ev.m);
		else
			s->evq[kept++] = s->evq[k];
	}
	s->evq_len = kept;
	for (i = 0; i < s->n_chans; i++) {
		if (s->chans[i] != c)
			continue;
		s->chans[i] = s->chans[--s->n_chans];
		s->chans[s->n_chans] = NULL;
		break;
	}
}

void
tern_chan_free(struct tern_chan *c)
{
	struct tern_stack *s;

	if (c == NULL)
		return;
	s = chan_stack(c);
	if (s != NULL)
		chan_detach(s, c);
	chan_destroy(c);
}
