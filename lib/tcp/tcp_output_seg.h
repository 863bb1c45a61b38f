/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private interface between the two halves of TCP output: tcp_output.c
 * decides which segments a TCB needs (state, flags, windows, Nagle,
 * timers) and describes each as a struct tcp_tx; tcp_output_seg.c turns a
 * description into a frame (header mbuf, options, advertised window,
 * payload by reference, checksum) and hands it to ip4_output(). Nothing
 * outside these two files includes it.
 */
#ifndef TERN_TCP_OUTPUT_SEG_H
#define TERN_TCP_OUTPUT_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_private.h"
#include "wire/tcp_hdr.h"

/* One segment to send on a connection. */
struct tcp_tx {
	uint32_t seq;
	uint32_t off;		/* send-queue offset of the first payload byte */
	uint32_t len;		/* payload bytes (0 = none) */
	uint8_t flags;		/* TCP_FLAG_* */
	bool rexmit;		/* counts as a retransmission */
};

/* Options of a SYN or SYN-ACK (RFC 9293 3.7.1, RFC 7323, RFC 2018). */
void tcp_output_syn_opts(const struct tern_stack *s, const struct tcb *tcb,
			 struct tcp_opts *o);

/* Options of every other segment: timestamps when in use, SACK blocks
 * describing the reassembly queue when SACK is in use. */
void tcp_output_opts(const struct tern_stack *s, const struct tcb *tcb,
		     struct tcp_opts *o);

/* Most payload bytes one segment can carry on the TCB's interface apart
 * from the MSS (a port without multi-segment TX needs header and payload
 * in one mbuf). */
uint32_t tcp_output_room(const struct tern_stack *s, const struct tcb *tcb);

/* Build and send `tx` with options `o`. The advertised window is computed
 * and recorded (rcv.wnd, rcv.adv); a segment with ACK settles every owed
 * ACK (ACK_NOW, ACK_DELAYED, TCP_T_DELACK). Sequence variables are the
 * caller's. Returns 0, -ENOMEM (no mbuf, counted) or -EHOSTUNREACH. */
int tcp_output_xmit(struct tern_stack *s, struct tcb *tcb, const struct tcp_tx *tx,
		    const struct tcp_opts *o);

#endif
