/* SPDX-License-Identifier: BSD-3-Clause
 *
 * SYN cookies (RFC 4987 3.6): a listener whose SYN backlog is full (or
 * every listener, with tcp.syncookies = always) answers a SYN without
 * keeping anything; what it would have kept travels in the SYN-ACK and
 * comes back in the peer's ACK. tcp_input.c's LISTEN path calls
 * tcp_cookie_reply() for such a SYN and tcp_cookie_check() for an ACK that
 * finds no connection; the timer asks tcp_cookie_pressure() before it
 * retransmits a SYN-ACK. The encoding (lib/README.md, "SYN cookies"):
 *   ISS    bits 31..4  28 bits of SipHash-2-4 (the per-boot cookie key,
 *                      tcp_secret.c) over the 4-tuple, the peer's ISN, the
 *                      time slot (64 s) and the MSS index;
 *          bit 3       the slot's parity, so the check knows which of the
 *                      two accepted slots (current, previous) to try;
 *          bits 2..0   index of the MSS in cookie_mss[] (largest entry not
 *                      above the peer's MSS).
 *   TSval  (only when the SYN carried timestamps and we use them) our
 *          timestamp clock rounded down to a multiple of 32 (never ahead of
 *          it, so later TSvals stay monotonic), low 5 bits: bit 4 the
 *          peer's SACK-permitted, bits 3..0 its window shift or 15 for
 *          none. The ACK echoes it in TSecr; a TSecr from the future or
 *          older than two slots fails the check. Without timestamps there
 *          is nowhere to keep window scale and SACK, so the SYN-ACK offers
 *          neither (the connection runs without them).
 * A cookie is accepted in its slot and the next: 64 to 128 s. An ACK is
 * only taken as a cookie while the listener sent cookies in the last two
 * slots (or always in `always` mode), so no one can brute-force them
 * against a listener that is not under pressure.
 */
#include <string.h>

#include <sodium.h>

#include "tcp/tcp_private.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"

#define COOKIE_MSS_BITS 3u
#define COOKIE_PARITY_BIT 3u
#define COOKIE_MAC_SHIFT 4u
#define COOKIE_TS_BITS 5u		/* low TSval bits carrying options */
#define COOKIE_TS_SACK 0x10u
#define COOKIE_TS_NO_WS 0x0fu
#define TCP_MSS_NONE 536u		/* RFC 9293 3.7.1 default */

/* Common MSS values (Ethernet with and without tunnels and options, the
 * RFC default, a jumbo frame); the first is TCP_MIN_MSS's floor. */
static const uint16_t cookie_mss[1u << COOKIE_MSS_BITS] = {
	64, 536, 1220, 1360, 1400, 1440, 1460, 8960,
};

static uint8_t
mss_index(const struct tcp_opts *o)
{
	uint32_t mss = (o->present & TCP_OPTF_MSS) ? o->mss : TCP_MSS_NONE;
	uint8_t i = RTE_DIM(cookie_mss) - 1;

	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

/* The 28-bit MAC of a cookie (RFC 4987 3.6: a keyed function of the
 * connection and a coarse clock; SipHash as for the ISN). */
/* What the MAC covers: the connection, the peer's ISN, the time slot and
 * the MSS index (so that none of them can be changed). */
struct cookie_in {
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint32_t irs;
	uint64_t slot;
	uint8_t mss_idx;
	uint8_t zero[7];
};

/* The 28-bit MAC of a cookie (RFC 4987 3.6: a keyed function of the
 * connection and a coarse clock; SipHash as for the ISN). */
static uint32_t
cookie_mac(const struct tern_stack *s, const struct ip4_hdr_v *ip,
	   const struct tcp_seg *seg, uint32_t irs, uint64_t slot, uint8_t mss_idx)
{
	uint8_t h[crypto_shorthash_siphash24_BYTES];
	struct cookie_in in;
	uint32_t mac;

	memset(&in, 0, sizeof(in));
	in.laddr = ip->dst;
	in.raddr = ip->src;
	in.lport = seg->dst_port;
	in.rport = seg->src_port;
	in.irs = irs;
	in.slot = slot;
	in.mss_idx = mss_idx;
	crypto_shorthash_siphash24(h, (const unsigned char *)&in, sizeof(in),
				   s->tcp->cookie_key);
	memcpy(&mac, h, sizeof(mac));
	return mac >> COOKIE_MAC_SHIFT;
}

static uint32_t
ts_now_of(const struct tern_stack *s, const struct ip4_hdr_v *ip, const struct tcp_seg *seg,
	  uint64_t now)
{
	return (uint32_t)(now / NS_PER_MS) +
	       tcp_ts_offset(s, ip->dst, seg->dst_port, ip->src, seg->src_port);
}

bool
tcp_cookie_wanted(const struct tern_stack *s, const struct tcp_listener *l)
{
	return s->cfg.tcp_syncookies == TERN_TCP_SYNCOOKIES_ALWAYS ||
	       (s->cfg.tcp_syncookies == TERN_TCP_SYNCOOKIES_OVERFLOW &&
		l->n_syn >= l->backlog);
}

bool
tcp_cookie_may_check(const struct tern_stack *s, const struct tcp_listener *l,
		     uint64_t now)
{
	if (s->cfg.tcp_syncookies == TERN_TCP_SYNCOOKIES_ALWAYS)
		return true;
	return s->cfg.tcp_syncookies != TERN_TCP_SYNCOOKIES_OFF && l->cookie_sent_ns != 0 &&
	       now - l->cookie_sent_ns < 2 * TCP_COOKIE_SLOT_NS;
}

bool
tcp_cookie_pressure(const struct tern_stack *s, const struct tcp_listener *l,
		    uint64_t now)
{
	return s->cfg.tcp_syncookies != TERN_TCP_SYNCOOKIES_OFF && l->cookie_sent_ns != 0 &&
	       now - l->cookie_sent_ns < TCP_COOKIE_PRESSURE_NS;
}

/* What the SYN-ACK offers: MSS always; timestamps when the SYN has them
 * (and we use them); window scale and SACK only along with timestamps,
 * whose TSval is the only place to remember them. */
static void
reply_opts(const struct tern_stack *s, uint16_t iface, const struct ip4_hdr_v *ip,
	   const struct tcp_seg *syn, uint64_t now, struct tcp_opts *o)
{
	const struct tern_config *cfg = &s->cfg;
	const struct tcp_opts *p = &syn->opts;
	uint32_t bits = COOKIE_TS_NO_WS, ts;

	memset(o, 0, sizeof(*o));
	o->present = TCP_OPTF_MSS;
	o->mss = (uint16_t)RTE_MIN(s->iface[iface].mtu - 40u, (uint32_t)UINT16_MAX);
	if (!cfg->tcp_timestamps || !(p->present & TCP_OPTF_TS))
		return;
	if (cfg->tcp_wscale && (p->present & TCP_OPTF_WSCALE)) {
		o->present |= TCP_OPTF_WSCALE;
		o->wscale = tcp_wscale_for(cfg->tcp_rcvbuf);
		bits = RTE_MIN(p->wscale, TCP_WSCALE_MAX);
	}
	if (cfg->tcp_sack && (p->present & TCP_OPTF_SACK_PERM)) {
		o->present |= TCP_OPTF_SACK_PERM;
		bits |= COOKIE_TS_SACK;
	}
	ts = ts_now_of(s, ip, syn, now);
	o->present |= TCP_OPTF_TS;
	o->ts_val = (ts & ~((1u << COOKIE_TS_BITS) - 1)) | bits;
	if (seq_gt(o->ts_val, ts))
		o->ts_val -= 1u << COOKIE_TS_BITS;
	o->ts_ecr = p->ts_val;
}

void
tcp_cookie_reply(struct tern_stack *s, struct tcp_listener *l, uint16_t iface,
		 const struct ip4_hdr_v *ip, const struct tcp_seg *syn, uint64_t now)
{
	uint64_t slot = now / TCP_COOKIE_SLOT_NS;
	uint8_t idx = mss_index(&syn->opts);
	struct tcp_opts o;
	uint32_t iss;

	iss = cookie_mac(s, ip, syn, syn->seq, slot, idx) << COOKIE_MAC_SHIFT |
	      (uint32_t)(slot & 1) << COOKIE_PARITY_BIT | idx;
	reply_opts(s, iface, ip, syn, now, &o);
	l->cookie_sent_ns = now != 0 ? now : 1;
	stack_ctr_inc(s, CTR_TCP_COOKIE_SENT);
	/* RFC 7323 2.2: the window of a SYN-ACK is never scaled */
	tcp_output_cookie_synack(s, ip, syn, iss, &o,
				 (uint16_t)RTE_MIN(l->opts.rcvbuf, 65535u));
}

/* The options our cookie TSval kept, if the ACK echoes one young enough. */
static bool
ts_recover(const struct tern_stack *s, const struct ip4_hdr_v *ip,
	   const struct tcp_seg *ack, uint64_t now, struct tcp_opts *o)
{
	const struct tcp_opts *a = &ack->opts;
	uint32_t age, bits;

	if (!s->cfg.tcp_timestamps || !(a->present & TCP_OPTF_TS))
		return true;		/* no timestamps: MSS only */
	age = ts_now_of(s, ip, ack, now) - a->ts_ecr;
	if ((int32_t)age < 0 || age > 2 * TCP_COOKIE_SLOT_NS / NS_PER_MS)
		return false;
	bits = a->ts_ecr & ((1u << COOKIE_TS_BITS) - 1);
	o->present |= TCP_OPTF_TS;
	o->ts_val = a->ts_val;
	o->ts_ecr = a->ts_ecr;
	if ((bits & COOKIE_TS_NO_WS) != COOKIE_TS_NO_WS) {
		o->present |= TCP_OPTF_WSCALE;
		o->wscale = (uint8_t)(bits & COOKIE_TS_NO_WS);
	}
	if (bits & COOKIE_TS_SACK)
		o->present |= TCP_OPTF_SACK_PERM;
	return true;
}

bool
tcp_cookie_check(struct tern_stack *s, const struct ip4_hdr_v *ip,
		 const struct tcp_seg *ack, uint64_t now, struct tcp_opts *o)
{
	uint32_t iss = ack->ack - 1, irs = ack->seq - 1;
	uint64_t slot = now / TCP_COOKIE_SLOT_NS;
	uint8_t idx = iss & ((1u << COOKIE_MSS_BITS) - 1);

	/* the one slot of the two accepted ones with the cookie's parity */
	if ((slot & 1) != ((iss >> COOKIE_PARITY_BIT) & 1)) {
		if (slot == 0)
			return false;
		slot--;
	}
	if (cookie_mac(s, ip, ack, irs, slot, idx) != iss >> COOKIE_MAC_SHIFT)
		return false;
	memset(o, 0, sizeof(*o));
	o->present = TCP_OPTF_MSS;
	o->mss = cookie_mss[idx];
	return ts_recover(s, ip, ack, now, o);
}
