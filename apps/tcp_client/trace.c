/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The trace writer of tern-tcp-client (trace.h). Each connection keeps the
 * time of its first call (t = 0), of its last row, and the values whose
 * change forces a row (ssthresh, recovery, state); rows are formatted
 * with stdio into a large buffer, so a row costs one tern_tcp_info_get()
 * and one fprintf. Output size is bounded: at most one periodic row per
 * connection per period, plus one per congestion event or state change.
 * Columns (same names and meaning as the sim's CSV where they overlap:
 * cwnd, ssthresh with 0 while unset, flight, srtt_us):
 *   t_us,conn,mss,cwnd,ssthresh,snd_wnd,flight,srtt_us,rto_us,recovery,state
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tern.h>

#include "trace.h"

#define TRACE_BUF_BYTES (1u << 20)

enum trace_fmt { FMT_CSV, FMT_JSON, FMT_JSONL };

struct trace_conn_state {
	uint64_t t0_ns;
	uint64_t last_ns;
	uint32_t ssthresh;
	uint8_t started;		/* t0 known */
	uint8_t rows;			/* at least one row written */
	uint8_t recovery;
	uint8_t state;
};

struct trace {
	FILE *f;
	char *buf;
	enum trace_fmt fmt;
	uint64_t period_ns;
	uint64_t n_rows;
	struct trace_conn_state conn[TRACE_MAX_CONNS];
};

static const char csv_header[] =
	"t_us,conn,mss,cwnd,ssthresh,snd_wnd,flight,srtt_us,rto_us,recovery,state\n";

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

struct trace *
trace_open(const char *path, uint64_t period_us)
{
	struct trace *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fmt = ends_with(path, ".jsonl") ? FMT_JSONL :
		 ends_with(path, ".json") ? FMT_JSON : FMT_CSV;
	t->period_ns = period_us * 1000u;
	t->f = fopen(path, "w");
	t->buf = malloc(TRACE_BUF_BYTES);
	if (t->f == NULL || t->buf == NULL) {
		fprintf(stderr, "tern-tcp-client: --trace %s: %s\n", path, strerror(errno));
		if (t->f != NULL)
			fclose(t->f);
		free(t->buf);
		free(t);
		return NULL;
	}
	setvbuf(t->f, t->buf, _IOFBF, TRACE_BUF_BYTES);
	if (t->fmt == FMT_CSV)
		fputs(csv_header, t->f);
	else if (t->fmt == FMT_JSON)
		fputs("[", t->f);
	return t;
}

static void
write_row(struct trace *t, uint32_t idx, uint64_t t_us, const struct tern_tcp_info *ti)
{
	uint32_t ssthresh = ti->ssthresh == UINT32_MAX ? 0 : ti->ssthresh;
	const char *st = tern_tcp_state_name(ti->state);

	if (t->fmt == FMT_CSV) {
		fprintf(t->f, "%" PRIu64 ",%u,%u,%u,%u,%u,%u,%u,%u,%u,%s\n", t_us, idx,
			ti->snd_mss, ti->cwnd, ssthresh, ti->snd_wnd, ti->inflight,
			ti->srtt_us, ti->rto_us, ti->in_recovery, st);
	} else {
		if (t->fmt == FMT_JSON)
			fputs(t->n_rows == 0 ? "\n" : ",\n", t->f);
		fprintf(t->f, "{\"t_us\":%" PRIu64 ",\"conn\":%u,\"mss\":%u,\"cwnd\":%u,"
			"\"ssthresh\":%u,\"snd_wnd\":%u,\"flight\":%u,\"srtt_us\":%u,"
			"\"rto_us\":%u,\"recovery\":%u,\"state\":\"%s\"}", t_us, idx,
			ti->snd_mss, ti->cwnd, ssthresh, ti->snd_wnd, ti->inflight,
			ti->srtt_us, ti->rto_us, ti->in_recovery, st);
		if (t->fmt == FMT_JSONL)
			fputc('\n', t->f);
	}
	t->n_rows++;
}

void
trace_conn(struct trace *t, struct tern_stack *s, uint32_t idx, uint64_t handle)
{
	struct trace_conn_state *c;
	struct tern_tcp_info ti;
	uint64_t now;

	if (t == NULL || idx >= TRACE_MAX_CONNS)
		return;
	c = &t->conn[idx];
	now = tern_stack_now(s);
	if (!c->started) {
		c->started = 1;
		c->t0_ns = now;
	}
	if (handle == 0 || tern_tcp_info_get(s, handle, &ti) != 0)
		return;
	if (c->rows && now - c->last_ns < t->period_ns && ti.ssthresh == c->ssthresh &&
	    ti.in_recovery == c->recovery && ti.state == c->state)
		return;
	write_row(t, idx, (now - c->t0_ns) / 1000u, &ti);
	c->rows = 1;
	c->last_ns = now;
	c->ssthresh = ti.ssthresh;
	c->recovery = ti.in_recovery;
	c->state = ti.state;
}

int
trace_close(struct trace *t)
{
	int rc = 0, err;

	if (t == NULL)
		return 0;
	if (t->fmt == FMT_JSON)
		fputs(t->n_rows == 0 ? "]\n" : "\n]\n", t->f);
	err = ferror(t->f);
	if (fclose(t->f) != 0 || err) {
		fprintf(stderr, "tern-tcp-client: writing the trace failed\n");
		rc = -1;
	}
	printf("tern-tcp-client: trace: %" PRIu64 " rows\n", t->n_rows);
	free(t->buf);
	free(t);
	return rc;
}
