/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP header and options parse/emit (RFC 9293 3.1, RFC 7323, RFC 2018).
 * Parse validates the data offset and every option's length and yields a
 * host-order `struct tcp_seg`; unknown options are skipped by their length,
 * malformed ones reject the segment. Emit writes options in a fixed,
 * 4-byte aligned layout. Used by tcp/ input and output.
 */
#ifndef TERN_TCP_HDR_H
#define TERN_TCP_HDR_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_HDR_LEN 20u
#define TCP_HDR_MAX 60u
#define TCP_OPT_MAX_SACK 4u

#define TCP_FLAG_FIN 0x01u
#define TCP_FLAG_SYN 0x02u
#define TCP_FLAG_RST 0x04u
#define TCP_FLAG_PSH 0x08u
#define TCP_FLAG_ACK 0x10u
#define TCP_FLAG_URG 0x20u
#define TCP_FLAG_ECE 0x40u
#define TCP_FLAG_CWR 0x80u

#define TCP_OPT_EOL 0u
#define TCP_OPT_NOP 1u
#define TCP_OPT_MSS 2u
#define TCP_OPT_WSCALE 3u
#define TCP_OPT_SACK_PERM 4u
#define TCP_OPT_SACK 5u
#define TCP_OPT_TS 8u

/* RFC 7323 2.3: a shift count above 14 is used as 14. */
#define TCP_WSCALE_MAX 14u

/* Which options a segment carried (tcp_opts.present bits). */
#define TCP_OPTF_MSS 0x01u
#define TCP_OPTF_WSCALE 0x02u
#define TCP_OPTF_SACK_PERM 0x04u
#define TCP_OPTF_SACK 0x08u
#define TCP_OPTF_TS 0x10u

struct tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

struct tcp_opts {
	uint8_t present;	/* TCP_OPTF_* */
	uint8_t wscale;		/* clamped to TCP_WSCALE_MAX */
	uint8_t n_sack;		/* 0..TCP_OPT_MAX_SACK */
	uint16_t mss;
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct tcp_sack_block sack[TCP_OPT_MAX_SACK];
};

struct tcp_seg {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t hdr_len;	/* bytes, 20..60 */
	uint8_t flags;		/* TCP_FLAG_* */
	uint16_t wnd;		/* unscaled, as on the wire */
	uint16_t cksum;		/* as on the wire */
	uint16_t urp;
	struct tcp_opts opts;
};

/** Parse the TCP header and options at `p` (`len` bytes of TCP header +
 *  payload). Returns CTR_NONE, CTR_TCP_RX_TRUNC, CTR_TCP_RX_BAD_OFF or
 *  CTR_TCP_RX_BAD_OPT. Checksum is verified by the caller. */
unsigned int tcp_hdr_parse(const uint8_t *p, uint32_t len, struct tcp_seg *out);

/** Parse `len` bytes of options at `p` (the bytes between the fixed
 *  header and the data offset) into `out`, which is cleared first.
 *  Returns CTR_NONE or CTR_TCP_RX_BAD_OPT. tcp_hdr_parse() calls it;
 *  exported for tests and for code that re-reads saved options. */
unsigned int tcp_opts_parse(const uint8_t *p, uint32_t len, struct tcp_opts *out);

/** Number of SACK blocks tcp_opts_emit() writes for `o`: o->n_sack
 *  capped by TCP_OPT_MAX_SACK and by the 40 bytes of option space left
 *  after the other options (3 with timestamps, RFC 2018 section 3). */
uint8_t tcp_opts_sack_fit(const struct tcp_opts *o);

/** Write the options in `o` at `p` in the fixed layout and return their
 *  length (== tcp_opts_len(o)). tcp_hdr_emit() calls it. */
uint8_t tcp_opts_emit(uint8_t *p, const struct tcp_opts *o);

/** Bytes the options in `o` take when emitted (multiple of 4, <= 40). */
uint8_t tcp_opts_len(const struct tcp_opts *o);

/** Write header + options at `p`: s->hdr_len is ignored and computed as
 *  20 + tcp_opts_len(&s->opts); returns that length. Checksum field is
 *  s->cksum verbatim. */
uint8_t tcp_hdr_emit(uint8_t *p, const struct tcp_seg *s);

#endif
