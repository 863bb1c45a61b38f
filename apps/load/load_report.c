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

#include "load.h"

static const struct {
	const char *label;
	double p;
} pcts[] = {
	{ "50", 50.0 }, { "75", 75.0 }, { "90", 90.0 }, { "99", 99.0 }, { "99.9", 99.9 },
	{ "99.99", 99.99 }, { "99.999", 99.999 }, { "100", 100.0 },
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

void
load_report_text(const struct load_result *r)
{
	const struct load_count *c = &r->count[LOAD_RUN];
	struct rps_stats rs = rps_stats(&r->rps);
	char a[32], b[32], m[32];
	size_t i;

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
	printf("Requests/sec: %9.2f\n", (double)c->requests / r->run_s);
	printf("Transfer/sec: %9s\n", fmt_bytes(a, sizeof(a), (double)c->bytes / r->run_s));
	printf("Connections/sec: %9.2f\n", (double)c->connects / r->run_s);
	if (!r->o->close_mode && r->ramp_s >= 0)
		printf("Ramp-up: all %u connections up in %.2fs\n", r->o->conns, r->ramp_s);
	else if (!r->o->close_mode)
		printf("Ramp-up: not every connection came up\n");
	fflush(stdout);
}

/* ---- JSON --------------------------------------------------------------------------- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_counts(FILE *f, const char *name, const struct load_count *c, const char *end)
{
	fprintf(f, "  \"%s\": {\"requests\": %" PRIu64 ", \"bytes\": %" PRIu64
		", \"connections\": %" PRIu64 ", \"errors\": %" PRIu64 "}%s\n", name,
		c->requests, c->bytes, c->connects, errors_of(c) + c->non2xx, end);
}

static void
json_config(FILE *f, const struct load_opts *o, uint32_t workers)
{
	unsigned int i;

	fprintf(f, "  \"config\": {\"url\": ");
	json_str(f, o->url.text);
	fprintf(f, ", \"connections\": %u, \"duration_s\": %.6f, \"mode\": \"%s\", "
		"\"rate\": %" PRIu64 ", \"close\": %s, \"lcores\": %u, \"timeout_s\": %.6f, "
		"\"warmup_s\": %.6f, \"headers\": [", o->conns, (double)o->duration_ns / 1e9,
		o->rate != 0 ? "open" : "closed", o->rate, o->close_mode ? "true" : "false",
		workers, (double)o->timeout_ns / 1e9, (double)o->warmup_ns / 1e9);
	for (i = 0; i < o->n_headers; i++) {
		if (i > 0)
			fputs(", ", f);
		json_str(f, o->headers[i]);
	}
	fprintf(f, "], \"dst_ports\": \"%u-%u\", \"in_flight\": %u},\n", o->dst.lo,
		o->dst.lo + o->dst.n - 1, o->in_flight);
}

static void
json_latency(FILE *f, const struct hist *h)
{
	uint64_t n = hist_count(h);
	size_t i;
	int k;

	fprintf(f, "  \"latency_us\": {\"count\": %" PRIu64 ", \"min\": %.3f, \"mean\": %.3f, "
		"\"stdev\": %.3f, \"max\": %.3f, \"within_stdev_pct\": %.2f, \"percentiles\": {",
		n, (double)hist_min(h) / 1e3, hist_mean(h) / 1e3, hist_stddev(h) / 1e3,
		(double)hist_max(h) / 1e3, within_stdev(h));
	for (i = 0; i < RTE_DIM(pcts); i++)
		fprintf(f, "%s\"%s\": %.3f", i ? ", " : "", pcts[i].label,
			(double)hist_percentile(h, pcts[i].p) / 1e3);
	fprintf(f, "}},\n  \"spectrum\": [");
	/* wrk2's spectrum: halving the distance to 100% every 5 steps */
	for (k = 0;; k++) {
		double p = 100.0 * (1.0 - pow(0.5, k / 5.0));

		if (p > 99.9999)
			p = 100.0;
		fprintf(f, "%s\n    {\"percentile\": %.6f, \"latency_us\": %.3f, \"count\": %" PRIu64
			"}", k ? "," : "", p, (double)hist_percentile(h, p) / 1e3,
			(uint64_t)ceil(p / 100.0 * (double)n));
		if (p == 100.0)
			break;
	}
	fprintf(f, "\n  ],\n");
}

int
load_report_json(const struct load_result *r, const char *path)
{
	const struct load_count *c = &r->count[LOAD_RUN];
	struct rps_stats rs = rps_stats(&r->rps);
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	fprintf(f, "{\n  \"tool\": \"tern-load\",\n  \"version\": 1,\n");
	json_config(f, r->o, r->workers);
	fprintf(f, "  \"duration_s\": %.6f,\n", r->run_s);
	if (r->o->close_mode)
		fprintf(f, "  \"ramp_s\": null,\n");
	else
		fprintf(f, "  \"ramp_s\": %.6f,\n", r->ramp_s);
	fprintf(f, "  \"totals\": {\"requests\": %" PRIu64 ", \"bytes\": %" PRIu64
		", \"connections\": %" PRIu64 ", \"requests_sent\": %" PRIu64
		", \"warmup_requests\": %" PRIu64 ", \"drained_requests\": %" PRIu64
		", \"aborted_at_end\": %" PRIu64 ", \"status\": {\"1xx\": %" PRIu64
		", \"2xx\": %" PRIu64 ", \"3xx\": %" PRIu64 ", \"4xx\": %" PRIu64
		", \"5xx\": %" PRIu64 ", \"other\": %" PRIu64 "}},\n",
		c->requests, c->bytes, c->connects, r->sent, r->count[LOAD_WARMUP].requests,
		r->count[LOAD_DRAIN].requests, r->aborted_at_end, c->status[1], c->status[2],
		c->status[3], c->status[4], c->status[5], c->status[0]);
	fprintf(f, "  \"rates\": {\"requests_per_s\": %.3f, \"bytes_per_s\": %.3f, "
		"\"connections_per_s\": %.3f},\n", (double)c->requests / r->run_s,
		(double)c->bytes / r->run_s, (double)c->connects / r->run_s);
	json_latency(f, r->lat);
	fprintf(f, "  \"req_per_s\": {\"samples\": %u, \"mean\": %.3f, \"stdev\": %.3f, "
		"\"max\": %" PRIu64 ", \"within_stdev_pct\": %.2f},\n", r->rps.n, rs.mean, rs.sd,
		rs.max, rs.within);
	fprintf(f, "  \"errors\": {\"connect\": %" PRIu64 ", \"read\": %" PRIu64
		", \"write\": %" PRIu64 ", \"timeout\": %" PRIu64 ", \"reset\": %" PRIu64
		", \"non_2xx_3xx\": %" PRIu64 "},\n", c->err_connect, c->err_read,
		c->err_write, c->err_timeout, c->err_reset, c->non2xx);
	json_counts(f, "warmup", &r->count[LOAD_WARMUP], ",");
	json_counts(f, "drain", &r->count[LOAD_DRAIN], ",");
	fprintf(f, "  \"connections_up\": %u,\n", r->conns_up);
	if (r->lcores != NULL)
		fprintf(f, "  \"lcores\": {%s},\n", r->lcores);
	fprintf(f, "  \"connections_left_open\": %u,\n  \"mbufs_leaked\": %" PRId64 "\n}\n",
		r->left_open, r->mbufs_leaked);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
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
