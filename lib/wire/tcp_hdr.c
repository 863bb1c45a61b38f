/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP header and option parse/emit (RFC 9293 3.1, RFC 7323, RFC 2018).
 * tcp/ input parses every segment here after the checksum was verified:
 * fixed header, data offset, then each option into struct tcp_opts. Every
 * option is parsed on every segment; whether MSS, window scale and
 * SACK-permitted count (SYN only) is the TCP layer's decision. tcp/ output
 * fills a struct tcp_seg and emits it; options go out in one fixed,
 * 4-byte aligned layout (the one Linux uses, so middleboxes and captures
 * see familiar segments):
 *
 *   MSS                      02 04 mm mm
 *   TS with SACK-permitted   04 02 08 0a <tsval> <tsecr>
 *   TS alone                 01 01 08 0a <tsval> <tsecr>
 *   SACK-permitted, no TS    01 01 04 02
 *   window scale             01 03 03 ws
 *   SACK blocks              01 01 05 <2+8n> <left right>*n
 *
 * SACK blocks fill what is left of the 40 bytes: 4 alone, 3 with
 * timestamps (RFC 2018 section 3), fewer if a SYN's options are also set.
 */
#include <string.h>

#include "core/counters.h"
#include "wire/tcp_hdr.h"
#include "wire/wire_io.h"

#define TCP_OPT_SPACE 40u
#define TCP_OLEN_MSS 4u
#define TCP_OLEN_WSCALE 3u
#define TCP_OLEN_SACK_PERM 2u
#define TCP_OLEN_TS 10u
#define TCP_SACK_BLOCK_LEN 8u
/* Aligned sizes of the layout above. */
#define TCP_ALEN_MSS 4u
#define TCP_ALEN_TS 12u
#define TCP_ALEN_SACK_PERM 4u
#define TCP_ALEN_WSCALE 4u
#define TCP_ALEN_SACK_HDR 4u

/* SACK option of `olen` bytes: RFC 2018 allows 2 + 8n; n = 0 carries no
 * information and n > 4 cannot fit, so both are malformed. */
static unsigned int
sack_take(const uint8_t *p, uint8_t olen, struct tcp_opts *o)
{
	unsigned int n, i;

	if (olen < 2 + TCP_SACK_BLOCK_LEN || (olen - 2) % TCP_SACK_BLOCK_LEN != 0)
		return CTR_TCP_RX_BAD_OPT;
	n = (olen - 2u) / TCP_SACK_BLOCK_LEN;
	if (n > TCP_OPT_MAX_SACK)
		return CTR_TCP_RX_BAD_OPT;
	for (i = 0; i < n; i++) {
		o->sack[i].left = wire_rd32(p + 2 + i * TCP_SACK_BLOCK_LEN);
		o->sack[i].right = wire_rd32(p + 6 + i * TCP_SACK_BLOCK_LEN);
	}
	o->n_sack = (uint8_t)n;
	o->present |= TCP_OPTF_SACK;
	return CTR_NONE;
}

/*
 * Store one option of kind p[0] and length `olen` (>= 2, within the
 * header). Decision: a known option with a length other than its RFC's
 * fixed length is malformed and drops the segment (CTR_TCP_RX_BAD_OPT)
 * rather than being skipped; a peer that cannot encode MSS correctly
 * cannot be trusted with the rest of the header either, and skipping
 * would silently change the connection's parameters. Options unknown to
 * us are skipped by their length. A repeated option overwrites the
 * earlier one (last wins), as in Linux.
 */
static unsigned int
opt_take(const uint8_t *p, uint8_t olen, struct tcp_opts *o)
{
	switch (p[0]) {
	case TCP_OPT_MSS:
		if (olen != TCP_OLEN_MSS)
			return CTR_TCP_RX_BAD_OPT;
		o->mss = wire_rd16(p + 2);
		o->present |= TCP_OPTF_MSS;
		return CTR_NONE;
	case TCP_OPT_WSCALE:
		if (olen != TCP_OLEN_WSCALE)
			return CTR_TCP_RX_BAD_OPT;
		/* RFC 7323 2.3: use 14 for a larger shift count. */
		o->wscale = p[2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : p[2];
		o->present |= TCP_OPTF_WSCALE;
		return CTR_NONE;
	case TCP_OPT_SACK_PERM:
		if (olen != TCP_OLEN_SACK_PERM)
			return CTR_TCP_RX_BAD_OPT;
		o->present |= TCP_OPTF_SACK_PERM;
		return CTR_NONE;
	case TCP_OPT_SACK:
		return sack_take(p, olen, o);
	case TCP_OPT_TS:
		if (olen != TCP_OLEN_TS)
			return CTR_TCP_RX_BAD_OPT;
		o->ts_val = wire_rd32(p + 2);
		o->ts_ecr = wire_rd32(p + 6);
		o->present |= TCP_OPTF_TS;
		return CTR_NONE;
	default:
		return CTR_NONE;
	}
}

/* RFC 9293 3.1: EOL ends the list (what follows is padding), NOP is one
 * byte, every other option is kind, length (counting both), data. */
unsigned int
tcp_opts_parse(const uint8_t *p, uint32_t len, struct tcp_opts *out)
{
	uint32_t i = 0;

	/* The layout of RFC 7323 appendix A, NOP NOP TS, is what nearly every
	 * segment of a connection with timestamps carries: taken whole. */
	if (len == TCP_ALEN_TS && p[0] == TCP_OPT_NOP && p[1] == TCP_OPT_NOP &&
	    p[2] == TCP_OPT_TS && p[3] == TCP_OLEN_TS) {
		*out = (struct tcp_opts){ .present = TCP_OPTF_TS, .ts_val = wire_rd32(p + 4),
					  .ts_ecr = wire_rd32(p + 8) };
		return CTR_NONE;
	}
	memset(out, 0, sizeof(*out));
	while (i < len) {
		uint8_t olen;
		unsigned int ctr;

		if (p[i] == TCP_OPT_EOL)
			break;
		if (p[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return CTR_TCP_RX_BAD_OPT;
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return CTR_TCP_RX_BAD_OPT;
		ctr = opt_take(p + i, olen, out);
		if (ctr != CTR_NONE)
			return ctr;
		i += olen;
	}
	return CTR_NONE;
}

unsigned int
tcp_hdr_parse(const uint8_t *p, uint32_t len, struct tcp_seg *out)
{
	uint32_t hdr_len;

	if (len < TCP_HDR_LEN)
		return CTR_TCP_RX_TRUNC;
	hdr_len = (uint32_t)(p[12] >> 4) * 4;
	if (hdr_len < TCP_HDR_LEN || hdr_len > len)
		return CTR_TCP_RX_BAD_OFF;
	out->src_port = wire_rd16(p);
	out->dst_port = wire_rd16(p + 2);
	out->seq = wire_rd32(p + 4);
	out->ack = wire_rd32(p + 8);
	out->hdr_len = (uint8_t)hdr_len;
	/* The low nibble of byte 12 (reserved bits, AE) is ignored. */
	out->flags = p[13];
	out->wnd = wire_rd16(p + 14);
	out->cksum = wire_rd16_raw(p + 16);
	out->urp = wire_rd16(p + 18);
	return tcp_opts_parse(p + TCP_HDR_LEN, hdr_len - TCP_HDR_LEN, &out->opts);
}

/* Bytes of the layout before the SACK blocks. */
static uint8_t
opts_fixed_len(const struct tcp_opts *o)
{
	uint8_t n = 0;

	if (o->present & TCP_OPTF_MSS)
		n += TCP_ALEN_MSS;
	if (o->present & TCP_OPTF_TS)
		n += TCP_ALEN_TS;
	else if (o->present & TCP_OPTF_SACK_PERM)
		n += TCP_ALEN_SACK_PERM;
	if (o->present & TCP_OPTF_WSCALE)
		n += TCP_ALEN_WSCALE;
	return n;
}

uint8_t
tcp_opts_sack_fit(const struct tcp_opts *o)
{
	uint32_t room = TCP_OPT_SPACE - opts_fixed_len(o);
	uint32_t n = o->n_sack;

	if (!(o->present & TCP_OPTF_SACK) || room < TCP_ALEN_SACK_HDR)
		return 0;
	if (n > TCP_OPT_MAX_SACK)
		n = TCP_OPT_MAX_SACK;
	if (n > (room - TCP_ALEN_SACK_HDR) / TCP_SACK_BLOCK_LEN)
		n = (room - TCP_ALEN_SACK_HDR) / TCP_SACK_BLOCK_LEN;
	return (uint8_t)n;
}

uint8_t
tcp_opts_len(const struct tcp_opts *o)
{
	uint8_t n = tcp_opts_sack_fit(o);

	return opts_fixed_len(o) +
		(n ? TCP_ALEN_SACK_HDR + n * TCP_SACK_BLOCK_LEN : 0);
}

static uint8_t *
put4(uint8_t *p, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	p[0] = b0;
	p[1] = b1;
	p[2] = b2;
	p[3] = b3;
	return p + 4;
}

static uint8_t *
sack_put(uint8_t *p, const struct tcp_opts *o, uint8_t n)
{
	uint8_t i;

	p = put4(p, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK,
		 2 + n * TCP_SACK_BLOCK_LEN);
	for (i = 0; i < n; i++, p += TCP_SACK_BLOCK_LEN) {
		wire_wr32(p, o->sack[i].left);
		wire_wr32(p + 4, o->sack[i].right);
	}
	return p;
}

uint8_t
tcp_opts_emit(uint8_t *p, const struct tcp_opts *o)
{
	uint8_t *start = p;
	uint8_t n_sack = tcp_opts_sack_fit(o);

	if (o->present & TCP_OPTF_MSS) {
		p = put4(p, TCP_OPT_MSS, TCP_OLEN_MSS, 0, 0);
		wire_wr16(p - 2, o->mss);
	}
	if (o->present & TCP_OPTF_TS) {
		if (o->present & TCP_OPTF_SACK_PERM)
			p = put4(p, TCP_OPT_SACK_PERM, TCP_OLEN_SACK_PERM,
				 TCP_OPT_TS, TCP_OLEN_TS);
		else
			p = put4(p, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_TS, TCP_OLEN_TS);
		wire_wr32(p, o->ts_val);
		wire_wr32(p + 4, o->ts_ecr);
		p += 8;
	} else if (o->present & TCP_OPTF_SACK_PERM) {
		p = put4(p, TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK_PERM,
			 TCP_OLEN_SACK_PERM);
	}
	/* RFC 7323 2.3: never send a shift count above 14. */
	if (o->present & TCP_OPTF_WSCALE)
		p = put4(p, TCP_OPT_NOP, TCP_OPT_WSCALE, TCP_OLEN_WSCALE,
			 o->wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o->wscale);
	if (n_sack != 0)
		p = sack_put(p, o, n_sack);
	return (uint8_t)(p - start);
}

uint8_t
tcp_hdr_emit(uint8_t *p, const struct tcp_seg *s)
{
	uint8_t hdr_len = TCP_HDR_LEN + tcp_opts_emit(p + TCP_HDR_LEN, &s->opts);

	wire_wr16(p, s->src_port);
	wire_wr16(p + 2, s->dst_port);
	wire_wr32(p + 4, s->seq);
	wire_wr32(p + 8, s->ack);
	p[12] = (uint8_t)((hdr_len / 4) << 4);
	p[13] = s->flags;
	wire_wr16(p + 14, s->wnd);
	wire_wr16_raw(p + 16, s->cksum);
	wire_wr16(p + 18, s->urp);
	return hdr_len;
}
