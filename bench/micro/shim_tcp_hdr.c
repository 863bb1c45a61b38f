/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Inputs for bench_tcp_hdr.cc: three TCP headers written with the
 * library's own emitter (lib/wire/tcp_hdr.c), the shapes a stack meets
 * most - a plain ACK, a SYN with MSS/WS/SACK-permitted/TS, an ACK with
 * TS and 3 SACK blocks (the most that fit beside TS) - and a check that
 * tcp_hdr_parse() reads each back exactly, run once before timing.
 */
#include <stdio.h>
#include <string.h>

#include "core/counters.h"
#include "wire/tcp_hdr.h"
#include "shim.h"

static void
seg_of(unsigned int kind, struct tcp_seg *s)
{
	struct tcp_opts *o = &s->opts;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->src_port = 40000;
	s->dst_port = 80;
	s->seq = 0x1a2b3c4du;
	s->ack = 0x5e6f7081u;
	s->wnd = 1024;
	s->flags = TCP_FLAG_ACK;
	switch (kind) {
	case BENCH_HDR_SYN_OPTS:
		s->flags = TCP_FLAG_SYN;
		s->ack = 0;
		o->present = TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM |
			     TCP_OPTF_TS;
		o->mss = 1460;
		o->wscale = 7;
		o->ts_val = 123456789u;
		break;
	case BENCH_HDR_TS_SACK3:
		o->present = TCP_OPTF_TS | TCP_OPTF_SACK;
		o->ts_val = 123456789u;
		o->ts_ecr = 987654321u;
		o->n_sack = 3;
		for (i = 0; i < 3; i++) {
			o->sack[i].left = s->ack + 2896u * (i + 1);
			o->sack[i].right = o->sack[i].left + 1448u;
		}
		break;
	default:
		break;
	}
}

const char *
bench_tcp_hdr_name(unsigned int kind)
{
	static const char *const names[BENCH_HDR_COUNT] = {
		[BENCH_HDR_PLAIN] = "plain",
		[BENCH_HDR_SYN_OPTS] = "syn_mss_ws_sackok_ts",
		[BENCH_HDR_TS_SACK3] = "ts_sack3",
	};

	return kind < BENCH_HDR_COUNT ? names[kind] : "?";
}

uint32_t
bench_tcp_hdr_build(unsigned int kind, uint8_t *buf, size_t cap, uint32_t payload)
{
	struct tcp_seg s;
	uint8_t hl;

	if (kind >= BENCH_HDR_COUNT || cap < TCP_HDR_MAX + (size_t)payload)
		return 0;
	seg_of(kind, &s);
	hl = tcp_hdr_emit(buf, &s);
	memset(buf + hl, 0xa5, payload);
	return hl;
}

int
bench_tcp_hdr_check(unsigned int kind, const uint8_t *buf, uint32_t len)
{
	struct tcp_seg want, got;
	unsigned int rc;

	seg_of(kind, &want);
	memset(&got, 0, sizeof(got));
	rc = tcp_hdr_parse(buf, len, &got);
	/* what parse fills: everything but hdr_len, which emit computes */
	want.hdr_len = got.hdr_len;
	if (rc != CTR_NONE || memcmp(&want, &got, sizeof(want)) != 0) {
		fprintf(stderr, "bench_tcp_hdr: kind %u parsed wrong (rc %u, present "
			"0x%x, n_sack %u)\n", kind, rc, got.opts.present, got.opts.n_sack);
		return -1;
	}
	return 0;
}
