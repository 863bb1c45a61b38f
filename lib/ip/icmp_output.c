/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ICMP errors we originate: destination unreachable (port, protocol),
 * quoting the offending datagram's IP header and as much of its payload as
 * fits in ICMP_QUOTE_MAX (RFC 1812 4.3.2.3), rate limited by a per-stack
 * token bucket (RFC 1812 4.3.2.8). Never sent about ICMP errors, broadcast
 * or multicast datagrams, or non-initial fragments (RFC 1122 3.2.2).
 * Called by ip4_input() and udp_input(); the stack creates and frees its
 * ICMP table (the bucket's state) with icmp_table_create/free.
 */
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "core/token_bucket.h"
#include "wire/cksum.h"
#include "wire/icmp_hdr.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"

/* ICMP state of one stack (s->icmp): the error rate limit. */
struct icmp_table {
	struct token_bucket errors;	/* RFC 1812 4.3.2.8 */
};

struct icmp_table *
icmp_table_create(const struct tern_config *cfg, int socket, uint64_t now_ns)
{
	struct icmp_table *t = rte_zmalloc_socket("tern_icmp", sizeof(*t),
						  RTE_CACHE_LINE_SIZE, socket);

	if (t == NULL)
		return NULL;
	/* starts full: errors may go out at once */
	token_bucket_init(&t->errors, cfg->icmp_rate_per_s, cfg->icmp_burst,
			  cfg->icmp_burst, now_ns);
	return t;
}

void
icmp_table_free(struct icmp_table *t)
{
	rte_free(t);
}

static bool
may_answer(const struct tern_stack *s, const struct rte_mbuf *orig,
	   const struct ip4_hdr_v *ip)
{
	if (route_is_broadcast(s, ip->dst) || (ip->dst >> 28) == 0xe)
		return false;
	if ((ip->frag & IP4_FRAG_OFF_MASK) != 0)
		return false;
	if (ip->proto == IP4_PROTO_ICMP) {
		/* an ICMP error about an ICMP error could loop: only queries */
		const uint8_t *t = rte_pktmbuf_mtod_offset(orig, const uint8_t *,
							   ip->hdr_len);

		if (rte_pktmbuf_data_len(orig) <= ip->hdr_len ||
		    (*t != ICMP_ECHO_REQUEST && *t != ICMP_ECHO_REPLY))
			return false;
	}
	return true;
}

void
icmp_output_unreach(struct tern_stack *s, uint16_t iface,
		    const struct rte_mbuf *orig, const struct ip4_hdr_v *ip,
		    uint8_t code)
{
	struct icmp_hdr_v h = { .type = ICMP_DEST_UNREACH, .code = code };
	struct ip4_tx t = { .src = ip->dst, .dst = ip->src, .proto = IP4_PROTO_ICMP };
	uint32_t quote = RTE_MIN(rte_pktmbuf_pkt_len(orig), ICMP_QUOTE_MAX);
	struct rte_mbuf *m;
	struct route r;
	const void *q;
	uint8_t *p;

	(void)iface;
	if (!may_answer(s, orig, ip))
		return;
	if (!token_bucket_take(&s->icmp->errors, s->now_ns)) {
		stack_ctr_inc(s, CTR_ICMP_TX_RATELIMIT);
		return;
	}
	if (!route_lookup(s, ip->src, &r)) {
		stack_ctr_inc(s, CTR_IP_TX_NO_ROUTE);
		return;
	}
	r.src = ip->dst;
	m = rte_pktmbuf_alloc(s->pool);
	if (m == NULL) {
		stack_ctr_inc(s, CTR_TX_DROP_NOMBUF);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, ICMP_HDR_LEN + quote);
	if (p == NULL) {
		stack_drop(s, m, CTR_TX_DROP_NOMBUF);
		return;
	}
	icmp_hdr_emit(p, &h);
	q = rte_pktmbuf_read(orig, 0, quote, p + ICMP_HDR_LEN);
	if (q != p + ICMP_HDR_LEN)
		memcpy(p + ICMP_HDR_LEN, q, quote);
	icmp_hdr_set_cksum(p, (uint16_t)~cksum_fold(cksum_raw(p, ICMP_HDR_LEN + quote, 0)));
	stack_ctr_inc(s, CTR_ICMP_TX_UNREACH);
	ip4_output(s, &r, &t, m);
}
