/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP output: a sendto command's payload mbuf gets the UDP header written
 * into its headroom (zero copy), or into a separate header mbuf chained in
 * front when the payload is shared, indirect or short of headroom. The
 * checksum goes to the NIC when the port offers it (pseudo-header sum in
 * the field + ol_flags), otherwise it is computed in software; both give
 * the same bytes on the wire. Called by stack_commands_run().
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/cksum.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"
#include "udp/udp_private.h"
#include "wire/udp_hdr.h"

#define UDP_MAX_PAYLOAD (65535u - IP4_HDR_LEN - UDP_HDR_LEN)

static void
send_error(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd,
	   int status)
{
	struct tern_event ev = { .type = TERN_EV_CMD_ERROR, .status = status,
				 .handle = cmd->handle, .cookie = cmd->cookie,
				 .addr = cmd->addr, .port = cmd->port };

	stack_ctr_inc(s, CTR_UDP_TX_BAD);
	rte_pktmbuf_free(cmd->m);
	stack_event(s, c, &ev);
}

/* Give `m` room for the UDP, IP and Ethernet headers in front of its
 * payload; returns the (possibly new) head mbuf, or NULL with `m` freed. */
static struct rte_mbuf *
make_headroom(struct tern_stack *s, struct rte_mbuf *m, const struct stack_iface *f)
{
	const uint16_t need = UDP_HDR_LEN + IP4_OUT_HEADROOM;
	struct rte_mbuf *h;

	if (m->nb_segs > 1 && !(f->caps & IFACE_CAP_TX_MULTISEG)) {
		/* the port cannot gather: copy into one segment */
		const void *src;
		char *dst;

		h = rte_pktmbuf_alloc(s->pool);
		if (h == NULL || rte_pktmbuf_tailroom(h) < m->pkt_len) {
			rte_pktmbuf_free(h);
			rte_pktmbuf_free(m);
			return NULL;
		}
		dst = rte_pktmbuf_append(h, (uint16_t)m->pkt_len);
		src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
		if (src != dst)		/* contiguous: read returned a pointer */
			memcpy(dst, src, m->pkt_len);
		rte_pktmbuf_free(m);
		return h;
	}
	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
	    rte_pktmbuf_headroom(m) >= need)
		return m;
	h = rte_pktmbuf_alloc(s->pool);
	if (h == NULL || rte_pktmbuf_chain(h, m) != 0) {
		rte_pktmbuf_free(h);
		rte_pktmbuf_free(m);
		return NULL;
	}
	return h;
}

void
udp_cmd_sendto(struct tern_stack *s, struct tern_chan *c, const struct tern_cmd *cmd)
{
	struct udp_sock *u = udp_sock_get(s, cmd->handle);
	struct rte_mbuf *m = cmd->m;
	struct ip4_tx t = { .dst = cmd->addr, .proto = IP4_PROTO_UDP };
	struct udp_hdr_v h;
	struct stack_iface *f;
	struct route r;
	uint8_t *p;

	if (u == NULL || u->chan != c)
		return send_error(s, c, cmd, -EBADF);
	if (m == NULL || cmd->addr == 0 || cmd->port == 0)
		return send_error(s, c, cmd, -EINVAL);
	if (rte_pktmbuf_pkt_len(m) > UDP_MAX_PAYLOAD)
		return send_error(s, c, cmd, -EMSGSIZE);
	if (!route_lookup(s, cmd->addr, &r))
		return send_error(s, c, cmd, -EHOSTUNREACH);
	f = &s->iface[r.iface];
	if (rte_pktmbuf_pkt_len(m) + UDP_HDR_LEN + IP4_HDR_LEN > f->mtu)
		return send_error(s, c, cmd, -EMSGSIZE);
	m = make_headroom(s, m, f);
	if (m == NULL) {
		stack_ctr_inc(s, CTR_TX_DROP_NOMBUF);
		return;
	}
	stack_mbuf_reset_tx(m);
	t.src = r.src;
	h.src_port = u->port;
	h.dst_port = cmd->port;
	h.len = (uint16_t)(rte_pktmbuf_pkt_len(m) + UDP_HDR_LEN);
	h.cksum = 0;
	p = (uint8_t *)rte_pktmbuf_prepend(m, UDP_HDR_LEN);
	if ((f->caps & IFACE_CAP_TX_UDP_CKSUM) && stack_chain_cksum_offload_ok(m)) {
		h.cksum = cksum_fold(cksum_pseudo_ip4(t.src, t.dst, IP4_PROTO_UDP, h.len));
		udp_hdr_emit(p, &h);
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		m->l4_len = UDP_HDR_LEN;
	} else {
		uint16_t ck;

		udp_hdr_emit(p, &h);
		ck = cksum_l4_ip4(m, 0, h.len, t.src, t.dst, IP4_PROTO_UDP);
		udp_hdr_set_cksum(p, ck == 0 ? 0xffff : ck);	/* RFC 768 */
		stack_ctr_inc(s, CTR_TX_SW_CKSUM);
	}
	stack_ctr_inc(s, CTR_UDP_TX_PKTS);
	ip4_output(s, &r, &t, m);
}
