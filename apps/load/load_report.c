/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's results: the workers' counters and histograms merged once
 * every lcore has finished (load_result_merge), then printed in wrk's
 * layout (load_report_text) and written as JSON (load_report_json, fields
 * documented in apps/load/README.md). While the run goes, main.c prints a
 * one-line progress report a second from the workers' published counters.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "load.h"

static const struct {
	const char *label;
	double p;
} pcts[] = {
	{ "50", 50.0 }, { "75", 75.0 }, { "90", 90.0 }, { "99", 99.0 }, { "99.9", 99.9 },
	{ "99.99", 99.99 }, { "99.999", 99.999 }, { "100", 100.0 },
};

/* Per-phase names: the text table's rows and the JSON's errors_by_phase keys. */
static const struct {
	const char *text;
	const char *json;
} phase_names[LOAD_PHASE_COUNT] = {
	[LOAD_RAMP] = { "ramp-up", "ramp_up" },
	[LOAD_WARMUP] = { "warm-up", "warmup" },
	[LOAD_RUN] = { "measured", "measured" },
	[LOAD_DRAIN] = { "drain", "drain" },
};

int
load_rps_init(struct load_rps *r, uint32_t cap)
{
	r->n = 0;
	r->cap = cap;
	r->v = calloc(cap, sizeof(*r->v));
	return r->v != NULL ? 0 : -1;
}

void
load_rps_add(struct load_rps *r, uint64_t v)
{
	if (r->n < r->cap)
		r->v[r->n++] = v;
}

void
load_rps_free(struct load_rps *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

struct rps_stats {
	double mean, sd, within;
	uint64_t max;
};

static struct rps_stats
rps_stats(const struct load_rps *r)
{
	struct rps_stats st = { 0, 0, 0, 0 };
	double sq = 0;
	uint32_t i, in = 0;

	if (r->n == 0)
		return st;
	for (i = 0; i < r->n; i++) {
		st.mean += (double)r->v[i];
		st.max = r->v[i] > st.max ? r->v[i] : st.max;
	}
	st.mean /= r->n;
	for (i = 0; i < r->n; i++)
		sq += ((double)r->v[i] - st.mean) * ((double)r->v[i] - st.mean);
	st.sd = sqrt(sq / r->n);
	for (i = 0; i < r->n; i++)
		in += fabs((double)r->v[i] - st.mean) <= st.sd;
	st.within = 100.0 * in / r->n;
	return st;
}

int
load_result_merge(struct load_result *r, struct load_worker *w, uint32_t n)
{
	uint32_t i, f;
	int ph;

	memset(r, 0, sizeof(*r));
	r->o = w[0].o;
	r->workers = n;
	r->mbufs_leaked = -1;
	r->run_s = (double)(w[0].t_end - w[0].t_run) / 1e9;
	for (i = 0; i < n && !r->o->close_mode; i++)	/* -1: not every one came up */
		if (r->ramp_s >= 0)
			r->ramp_s = w[i].ramp_ns == 0 ? -1 : RTE_MAX(r->ramp_s, w[i].ramp_ns / 1e9);
	r->lat = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
	for (i = 0; i < n; i++)
		r->rps.cap += w[i].rps.n;
	if (r->lat == NULL || load_rps_init(&r->rps, r->rps.cap + 1) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (ph = 0; ph < LOAD_PHASE_COUNT; ph++) {
			const uint64_t *src = (const uint64_t *)&w[i].count[ph];
			uint64_t *dst = (uint64_t *)&r->count[ph];
			size_t q;

			for (q = 0; q < sizeof(struct load_count) / sizeof(uint64_t); q++)
				dst[q] += src[q];
		}
		r->sent += w[i].sent;
		r->aborted_at_end += w[i].aborted_at_end;
		r->left_open += w[i].left_open;
		r->conns_up += w[i].conns_up;
		for (f = 0; f < w[i].rps.n; f++)
			load_rps_add(&r->rps, w[i].rps.v[f]);
		if (hist_merge(r->lat, w[i].lat) != 0)
			return -1;
	}
	return 0;
}

void
load_result_fini(struct load_result *r)
{
	hist_free(r->lat);
	load_rps_free(&r->rps);
	free(r->lcores);
	r->lat = NULL;
	r->lcores = NULL;
}

/* ---- units ----------------------------------------------------------------------- */

static const char *
fmt_time(char *b, size_t n, double ns)
{
	if (ns < 1e6)
		snprintf(b, n, "%.2fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(b, n, "%.2fms", ns / 1e6);
	else
		snprintf(b, n, "%.2fs", ns / 1e9);
	return b;
}

static const char *
fmt_count(char *b, size_t n, double v)
{
	if (v < 1e3)
		snprintf(b, n, "%.2f", v);
	else if (v < 1e6)
		snprintf(b, n, "%.2fk", v / 1e3);
	else if (v < 1e9)
		snprintf(b, n, "%.2fM", v / 1e6);
	else
		snprintf(b, n, "%.2fG", v / 1e9);
	return b;
}

static const char *
fmt_bytes(char *b, size_t n, double v)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < RTE_DIM(unit)) {
		v /= 1024;
		u++;
	}
	snprintf(b, n, "%.2f%s", v, unit[u]);
	return b;
}

/* Percentage of the recorded values within mean +/- stdev (wrk's column). */
static double
within_stdev(const struct hist *h)
{
	double mean = hist_mean(h), sd = hist_stddev(h);
	uint64_t v, c, in = 0, total = hist_count(h);
	size_t cur = 0;

	if (total == 0)
		return 0;
	while (hist_next(h, &cur, &v, &c) == 0)
		if ((double)v >= mean - sd && (double)v <= mean + sd)
			in += c;
	return 100.0 * (double)in / (double)total;
}

static uint64_t
errors_of(const struct load_count *c)
{
	return c->err_connect + c->err_read + c->err_write + c->err_timeout + c->err_reset;
}

/* A rate over the window: 0 when nothing was measured (no window). */
static double
per_s(double v, double s)
{
	return s > 0 ? v / s : 0.0;
}

/* Requests, bytes and connections per second of the window. */
static void
rates_of(const struct load_result *r, double *req, double *bytes, double *conns)
{
	const struct load_count *c = &r->count[LOAD_RUN];

	if (r->runs != 0) {
		*req = r->req_per_s;
		*bytes = r->bytes_per_s;
		*conns = r->conns_per_s;
		return;
	}
	*req = per_s((double)c->requests, r->run_s);
	*bytes = per_s((double)c->bytes, r->run_s);
	*conns = per_s((double)c->connects, r->run_s);
}

/* ---- text, wrk's layout ---------------------------------------------------------- */

void
load_report_header(const struct load_opts *o, uint32_t workers)
{
	char d[32];

	printf("Running %s test @ %s\n", fmt_time(d, sizeof(d), (double)o->duration_ns),
	       o->url.text);
	printf("  %u threads and %u connections", workers, o->conns);
	if (o->rate != 0)
		printf(", open loop at %" PRIu64 " requests/s", o->rate);
	if (o->close_mode)
		printf(", a new connection per request");
	if (o->warmup_ns != 0)
		printf(", %s warm-up", fmt_time(d, sizeof(d), (double)o->warmup_ns));
	printf("\n");
	fflush(stdout);
}

/* Every error kind per phase, when there was any error at all: ramp-up and
 * warm-up errors (refused connects, say) are otherwise invisible. */
static void
errors_by_phase_text(const struct load_result *r)
{
	uint64_t any = 0;
	int ph;

	for (ph = 0; ph < LOAD_PHASE_COUNT; ph++)
		any += errors_of(&r->count[ph]) + r->count[ph].non2xx;
	if (any == 0)
		return;
	printf("  %-16s %9s %9s %9s %9s %9s %9s\n", "Errors by phase", "connect", "read",
	       "write", "timeout", "reset", "non-2xx");
	for (ph = 0; ph < LOAD_PHASE_COUNT; ph++) {
		const struct load_count *c = &r->count[ph];

		printf("    %-14s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 "\n", phase_names[ph].text, c->err_connect, c->err_read,
		       c->err_write, c->err_timeout, c->err_reset, c->non2xx);
	}
}

void
load_report_text(const struct load_result *r)
{
	const struct load_count *c = &r->count[LOAD_RUN];
	struct rps_stats rs = rps_stats(&r->rps);
	char a[32], b[32], m[32];
	double rq, by, co;
	size_t i;

	if (r->runs != 0)
		printf("  %u runs merged\n", r->runs);
	printf("  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
	printf("    Latency   %8s  %8s  %8s  %8.2f%%\n",
	       fmt_time(a, sizeof(a), hist_mean(r->lat)),
	       fmt_time(b, sizeof(b), hist_stddev(r->lat)),
	       fmt_time(m, sizeof(m), (double)hist_max(r->lat)), within_stdev(r->lat));
	printf("    Req/Sec   %8s  %8s  %8s  %8.2f%%\n",
	       fmt_count(a, sizeof(a), rs.mean), fmt_count(b, sizeof(b), rs.sd),
	       fmt_count(m, sizeof(m), (double)rs.max), rs.within);
	if (r->o->latency) {
		printf("  Latency Distribution\n");
		for (i = 0; i < RTE_DIM(pcts); i++)
			printf("  %7s%%  %8s\n", pcts[i].label,
			       fmt_time(a, sizeof(a), (double)hist_percentile(r->lat, pcts[i].p)));
	}
	printf("  %" PRIu64 " requests in %.2fs, %s read\n", c->requests, r->run_s,
	       fmt_bytes(a, sizeof(a), (double)c->bytes));
	if (c->err_connect + c->err_read + c->err_write + c->err_timeout != 0)
		printf("  Socket errors: connect %" PRIu64 ", read %" PRIu64 ", write %" PRIu64
		       ", timeout %" PRIu64 "\n", c->err_connect, c->err_read, c->err_write,
		       c->err_timeout);
	if (c->err_reset != 0)
		printf("  Connection resets: %" PRIu64 "\n", c->err_reset);
	if (c->non2xx != 0)
		printf("  Non-2xx or 3xx responses: %" PRIu64 "\n", c->non2xx);
	if (r->count[LOAD_DRAIN].requests + r->aborted_at_end != 0)
		printf("  In flight at the end: %" PRIu64 " answered after it (not counted), %"
		       PRIu64 " aborted\n", r->count[LOAD_DRAIN].requests, r->aborted_at_end);
	errors_by_phase_text(r);
	rates_of(r, &rq, &by, &co);
	printf("Requests/sec: %9.2f\n", rq);
	printf("Transfer/sec: %9s\n", fmt_bytes(a, sizeof(a), by));
	printf("Connections/sec: %9.2f\n", co);
	/* a keep-alive run opens its connections here, not in the window
	 * (Connections/sec counts only reconnections there): their rate */
	if (!r->o->close_mode && r->ramp_s >= 0)
		printf("Ramp-up: all %u connections up in %.2fs (%.0f conn/s)\n", r->o->conns,
		       r->ramp_s, per_s((double)r->count[LOAD_RAMP].connects, r->ramp_s));
	else if (!r->o->close_mode)
		printf("Ramp-up: not every connection came up\n");
	fflush(stdout);
}

/* ---- JSON, built with jansson so the file is always valid JSON ------------------ */

/* jansson refuses NaN and infinities: a number that is not finite is 0. */
static json_t *
jnum(double v)
{
	return json_real(isfinite(v) ? v : 0.0);
}

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *
json_counts(const struct load_count *c)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "requests", jint(c->requests),
			 "bytes", jint(c->bytes), "connections", jint(c->connects),
			 "errors", jint(errors_of(c) + c->non2xx));
}

static json_t *
json_config(const struct load_opts *o, uint32_t workers)
{
	json_t *hdrs = json_array();
	char ports[32];
	unsigned int i;

	for (i = 0; i < o->n_headers; i++)
		json_array_append_new(hdrs, json_string(o->headers[i]));
	snprintf(ports, sizeof(ports), "%u-%u", o->dst.lo, o->dst.lo + o->dst.n - 1);
	return json_pack("{s:s, s:i, s:o, s:s, s:o, s:b, s:i, s:o, s:o, s:o, s:s, s:i}",
			 "url", o->url.text, "connections", (int)o->conns,
			 "duration_s", jnum((double)o->duration_ns / 1e9),
			 "mode", o->rate != 0 ? "open" : "closed", "rate", jint(o->rate),
			 "close", o->close_mode, "lcores", (int)workers,
			 "timeout_s", jnum((double)o->timeout_ns / 1e9),
			 "warmup_s", jnum((double)o->warmup_ns / 1e9), "headers", hdrs,
			 "dst_ports", ports, "in_flight", (int)o->in_flight);
}

/* The histogram itself, lossless, so that runs can be merged exactly
 * (--merge): parameters, exact extremes, non-empty buckets as
 * [flat index, count] pairs in value order. */
static json_t *
json_histogram(const struct hist *h)
{
	json_t *b = json_array();
	uint64_t lo, hi, count;
	size_t cur = 0, idx;
	int digits;

	hist_params(h, &lo, &hi, &digits);
	while (hist_next_index(h, &cur, &idx, &count) == 0)
		json_array_append_new(b, json_pack("[o, o]", jint(idx), jint(count)));
	return json_pack("{s:o, s:o, s:i, s:o, s:o, s:o, s:o}", "lowest_ns", jint(lo),
			 "highest_ns", jint(hi), "digits", digits,
			 "min_ns", jint(hist_min(h)), "max_ns", jint(hist_max(h)),
			 "clamped", jint(hist_clamped(h)), "buckets", b);
}

static json_t *
json_latency(const struct hist *h)
{
	json_t *pc = json_object();
	size_t i;

	for (i = 0; i < RTE_DIM(pcts); i++)
		json_object_set_new(pc, pcts[i].label,
				    jnum((double)hist_percentile(h, pcts[i].p) / 1e3));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "count", jint(hist_count(h)),
			 "min", jnum((double)hist_min(h) / 1e3), "mean", jnum(hist_mean(h) / 1e3),
			 "stdev", jnum(hist_stddev(h) / 1e3), "max", jnum((double)hist_max(h) / 1e3),
			 "within_stdev_pct", jnum(within_stdev(h)), "percentiles", pc,
			 "histogram", json_histogram(h));
}

/* wrk2's spectrum: halving the distance to 100% every 5 steps */
static json_t *
json_spectrum(const struct hist *h)
{
	json_t *sp = json_array();
	uint64_t n = hist_count(h);
	int k;

	for (k = 0;; k++) {
		double p = 100.0 * (1.0 - pow(0.5, k / 5.0));

		if (p > 99.9999)
			p = 100.0;
		json_array_append_new(sp, json_pack("{s:o, s:o, s:o}", "percentile", jnum(p),
				"latency_us", jnum((double)hist_percentile(h, p) / 1e3),
				"count", jint((uint64_t)ceil(p / 100.0 * (double)n))));
		if (p == 100.0)
			return sp;
	}
}

static json_t *
json_totals(const struct load_result *r)
{
	const struct load_count *c = &r->count[LOAD_RUN];

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o}}",
			 "requests", jint(c->requests), "bytes", jint(c->bytes),
			 "connections", jint(c->connects), "requests_sent", jint(r->sent),
			 "warmup_requests", jint(r->count[LOAD_WARMUP].requests),
			 "drained_requests", jint(r->count[LOAD_DRAIN].requests),
			 "aborted_at_end", jint(r->aborted_at_end), "status",
			 "1xx", jint(c->status[1]), "2xx", jint(c->status[2]),
			 "3xx", jint(c->status[3]), "4xx", jint(c->status[4]),
			 "5xx", jint(c->status[5]), "other", jint(c->status[0]));
}

static json_t *
json_errors(const struct load_count *c)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "connect", jint(c->err_connect),
			 "read", jint(c->err_read), "write", jint(c->err_write),
			 "timeout", jint(c->err_timeout), "reset", jint(c->err_reset),
			 "non_2xx_3xx", jint(c->non2xx));
}

static json_t *
json_errors_by_phase(const struct load_result *r)
{
	json_t *o = json_object();
	int ph;

	for (ph = 0; ph < LOAD_PHASE_COUNT; ph++)
		json_object_set_new(o, phase_names[ph].json, json_errors(&r->count[ph]));
	return o;
}

/* main.c hands the per-lcore counters as flat members ("name": value, ...). */
static json_t *
json_lcores(const char *members)
{
	size_t n = strlen(members) + 3;
	char *buf = malloc(n);
	json_t *o = NULL;

	if (buf == NULL)
		return NULL;
	snprintf(buf, n, "{%s}", members);
	o = json_loads(buf, 0, NULL);
	free(buf);
	return o;
}

static json_t *
json_result(const struct load_result *r)
{
	struct rps_stats rs = rps_stats(&r->rps);
	json_t *d = json_object(), *vals = json_array();
	double rq, by, co;
	uint32_t i;

	json_object_set_new(d, "tool", json_string("tern-load"));
	json_object_set_new(d, "version", json_integer(1));
	json_object_set_new(d, "config", json_config(r->o, r->workers));
	json_object_set_new(d, "duration_s", jnum(r->run_s));
	json_object_set_new(d, "ramp_s", r->o->close_mode ? json_null() : jnum(r->ramp_s));
	json_object_set_new(d, "totals", json_totals(r));
	if (r->runs != 0)
		json_object_set_new(d, "merged_runs", json_integer(r->runs));
	rates_of(r, &rq, &by, &co);
	json_object_set_new(d, "rates", json_pack("{s:o, s:o, s:o}",
		"requests_per_s", jnum(rq), "bytes_per_s", jnum(by), "connections_per_s", jnum(co)));
	json_object_set_new(d, "latency_us", json_latency(r->lat));
	json_object_set_new(d, "spectrum", json_spectrum(r->lat));
	for (i = 0; i < r->rps.n; i++)
		json_array_append_new(vals, jint(r->rps.v[i]));
	json_object_set_new(d, "req_per_s", json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}",
		"samples", (int)r->rps.n, "mean", jnum(rs.mean), "stdev", jnum(rs.sd),
		"max", jint(rs.max), "within_stdev_pct", jnum(rs.within), "values", vals));
	json_object_set_new(d, "errors", json_errors(&r->count[LOAD_RUN]));
	json_object_set_new(d, "errors_by_phase", json_errors_by_phase(r));
	json_object_set_new(d, "ramp_up", json_counts(&r->count[LOAD_RAMP]));
	json_object_set_new(d, "warmup", json_counts(&r->count[LOAD_WARMUP]));
	json_object_set_new(d, "drain", json_counts(&r->count[LOAD_DRAIN]));
	json_object_set_new(d, "connections_up", json_integer(r->conns_up));
	if (r->lcores != NULL)
		json_object_set_new(d, "lcores", json_lcores(r->lcores));
	json_object_set_new(d, "connections_left_open", json_integer(r->left_open));
	json_object_set_new(d, "mbufs_leaked", json_integer(r->mbufs_leaked));
	return d;
}

int
load_report_json(const struct load_result *r, const char *path)
{
	json_t *d = json_result(r);
	int rc;

	if (d == NULL)
		return -1;
	rc = json_dump_file(d, path, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	json_decref(d);
	return rc;
}

/* ---- progress ------------------------------------------------------------------------ */

void
load_report_progress(struct load_progress *pr, const struct load_worker *w, uint32_t n,
		     uint64_t now_ns)
{
	uint64_t req = 0, con = 0, err = 0, p99 = 0, dt;
	char a[32];
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t q = __atomic_load_n(&w[i].live.p99_ns, __ATOMIC_RELAXED);

		req += __atomic_load_n(&w[i].live.requests, __ATOMIC_RELAXED);
		con += __atomic_load_n(&w[i].live.connects, __ATOMIC_RELAXED);
		err += __atomic_load_n(&w[i].live.errors, __ATOMIC_RELAXED);
		p99 = q > p99 ? q : p99;
	}
	if (pr->t_prev_ns == 0)
		pr->t_prev_ns = w[0].t_start;
	dt = now_ns > pr->t_prev_ns ? now_ns - pr->t_prev_ns : 1;
	fprintf(stderr, "[%6.1fs%s] %10.0f req/s  %8.0f conn/s  %" PRIu64 " errors  p99 %s\n",
		(double)(now_ns - w[0].t_start) / 1e9, now_ns < w[0].t_run ? " warm-up" : "",
		(double)(req - pr->requests_prev) * 1e9 / (double)dt,
		(double)(con - pr->connects_prev) * 1e9 / (double)dt, err,
		p99 ? fmt_time(a, sizeof(a), (double)p99) : "-");
	pr->t_prev_ns = now_ns;
	pr->requests_prev = req;
	pr->connects_prev = con;
}
