/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load --merge FILE...: the --json results of concurrent runs (one
 * per machine, as wrk2 users merge HdrHistograms) folded into one
 * struct load_result, then reported by load_report.c like a run of its
 * own. The runs must be of the same URL, loop mode and --close; counters
 * add up, and so do rates (the runs overlapped in time); the latency
 * histograms (latency_us.histogram) merge exactly, so the percentiles are
 * those of one histogram holding every sample. No EAL, no network.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "load.h"

/* One file being read: the first missing or malformed field is kept for
 * the error line. */
struct rd {
	json_t *d;
	const char *bad;
};

/* The member at a dotted path ("totals.status.2xx"), or NULL. */
static json_t *
jpath(json_t *d, const char *path)
{
	const char *dot;
	char key[64];

	while (d != NULL && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		d = json_object_get(d, key);
		path = dot + 1;
	}
	return d != NULL ? json_object_get(d, path) : NULL;
}

static json_t *
rd_get(struct rd *rd, const char *path, int ok)
{
	json_t *v = jpath(rd->d, path);

	if (!ok && rd->bad == NULL)
		rd->bad = path;
	return v;
}

static uint64_t
rd_u64(struct rd *rd, const char *path)
{
	json_t *v = jpath(rd->d, path);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (uint64_t)json_integer_value(v);
	rd_get(rd, path, 0);
	return 0;
}

static double
rd_num(struct rd *rd, const char *path)
{
	json_t *v = jpath(rd->d, path);

	return json_is_number(v) ? json_number_value(v) : (rd_get(rd, path, 0), 0.0);
}

static const char *
rd_str(struct rd *rd, const char *path)
{
	json_t *v = jpath(rd->d, path);

	return json_is_string(v) ? json_string_value(v) : (rd_get(rd, path, 0), "");
}

static int
rd_bool(struct rd *rd, const char *path)
{
	json_t *v = jpath(rd->d, path);

	return json_is_boolean(v) ? json_is_true(v) : (rd_get(rd, path, 0), 0);
}

/* Error counters of one phase, from errors_by_phase.<name>. */
static void
rd_errors(struct rd *rd, const char *phase, struct load_count *c)
{
	static const char *const kind[] = { "connect", "read", "write", "timeout", "reset",
					    "non_2xx_3xx" };
	uint64_t *dst[] = { &c->err_connect, &c->err_read, &c->err_write, &c->err_timeout,
			    &c->err_reset, &c->non2xx };
	char path[96];
	size_t i;

	for (i = 0; i < RTE_DIM(kind); i++) {
		snprintf(path, sizeof(path), "errors_by_phase.%s.%s", phase, kind[i]);
		*dst[i] += rd_u64(rd, path);
	}
}

/* requests, bytes and connections of a phase object ("warmup", "totals"). */
static void
rd_counts(struct rd *rd, const char *obj, struct load_count *c)
{
	char path[64];

	snprintf(path, sizeof(path), "%s.requests", obj);
	c->requests += rd_u64(rd, path);
	snprintf(path, sizeof(path), "%s.bytes", obj);
	c->bytes += rd_u64(rd, path);
	snprintf(path, sizeof(path), "%s.connections", obj);
	c->connects += rd_u64(rd, path);
}

/* latency_us.histogram back into a histogram; NULL with the reason. */
static struct hist *
rd_hist(struct rd *rd, const char **why)
{
	json_t *b = jpath(rd->d, "latency_us.histogram.buckets"), *pair;
	struct hist *h;
	size_t i;

	*why = "no latency histogram (latency_us.histogram)";
	if (!json_is_array(b))
		return NULL;
	*why = "bad latency histogram";
	h = hist_create(rd_u64(rd, "latency_us.histogram.lowest_ns"),
			rd_u64(rd, "latency_us.histogram.highest_ns"),
			(int)rd_u64(rd, "latency_us.histogram.digits"));
	if (h == NULL)
		return NULL;
	json_array_foreach(b, i, pair) {
		json_t *idx = json_array_get(pair, 0), *cnt = json_array_get(pair, 1);

		if (json_array_size(pair) != 2 || !json_is_integer(idx) || !json_is_integer(cnt) ||
		    json_integer_value(idx) < 0 || json_integer_value(cnt) < 0 ||
		    hist_add_index(h, (size_t)json_integer_value(idx),
				   (uint64_t)json_integer_value(cnt)) != 0)
			goto bad;
	}
	if (hist_count(h) != rd_u64(rd, "latency_us.count"))
		goto bad;
	if (hist_count(h) != 0 &&
	    hist_add_extremes(h, rd_u64(rd, "latency_us.histogram.min_ns"),
			      rd_u64(rd, "latency_us.histogram.max_ns"),
			      rd_u64(rd, "latency_us.histogram.clamped")) != 0)
		goto bad;
	return h;
bad:
	hist_free(h);
	return NULL;
}

static int
rps_append(struct load_rps *r, json_t *vals)
{
	size_t i, n = json_array_size(vals);
	json_t *v;
	uint64_t *p;

	p = realloc(r->v, (r->n + n + 1) * sizeof(*p));
	if (p == NULL)
		return -1;
	r->v = p;
	r->cap = r->n + (uint32_t)n + 1;
	json_array_foreach(vals, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return -1;
		load_rps_add(r, (uint64_t)json_integer_value(v));
	}
	return 0;
}

/* The first file's settings become the merged run's, the per-machine
 * amounts (connections, rate, in-flight bound, lcores) summed later. */
static void
first_config(struct rd *rd, struct load_opts *o)
{
	json_t *h = jpath(rd->d, "config.headers"), *v;
	size_t i;

	o->url.text = rd_str(rd, "config.url");
	o->close_mode = rd_bool(rd, "config.close");
	o->timeout_ns = (uint64_t)(rd_num(rd, "config.timeout_s") * 1e9);
	o->warmup_ns = (uint64_t)(rd_num(rd, "config.warmup_s") * 1e9);
	if (port_range_parse(rd_str(rd, "config.dst_ports"), &o->dst) != 0)
		rd_get(rd, "config.dst_ports", 0);
	json_array_foreach(h, i, v)
		if (json_is_string(v) && o->n_headers < LOAD_MAX_HEADERS)
			o->headers[o->n_headers++] = json_string_value(v);
}

/* Checks that file k is a tern-load result of the same test as file 0. */
static int
check_same(struct rd *rd, const struct load_opts *o, const char *mode0, const char *first,
	   char *err, size_t n)
{
	const char *url = rd_str(rd, "config.url"), *mode = rd_str(rd, "config.mode");
	int close_mode = rd_bool(rd, "config.close");

	if (strcmp(rd_str(rd, "tool"), "tern-load") != 0 || rd_u64(rd, "version") != 1)
		return snprintf(err, n, "not a tern-load result (version 1)"), -1;
	if (rd->bad != NULL)
		return snprintf(err, n, "missing or bad '%s'", rd->bad), -1;
	if (mode0 == NULL)
		return 0;
	if (strcmp(url, o->url.text) != 0)
		return snprintf(err, n, "URL %s, but %s has %s", url, first, o->url.text), -1;
	if (close_mode != o->close_mode)
		return snprintf(err, n, "%s run, but %s is %s", close_mode ? "--close" : "keep-alive",
				first, o->close_mode ? "--close" : "keep-alive"), -1;
	if (strcmp(mode, mode0) != 0)
		return snprintf(err, n, "%s loop, but %s is %s loop", mode, first, mode0), -1;
	return 0;
}

struct merge {
	struct load_opts o;
	struct load_result r;
	const char *mode;		/* the first file's config.mode */
	int leaked_unknown;
};

/* Fold file k into m; -1 with the reason in err. */
static int
merge_one(struct merge *m, json_t *d, int k, const char *first, char *err, size_t n)
{
	static const struct {
		enum load_phase ph;
		const char *obj, *errs;
	} phases[] = {
		{ LOAD_RAMP, "ramp_up", "ramp_up" }, { LOAD_WARMUP, "warmup", "warmup" },
		{ LOAD_RUN, "totals", "measured" }, { LOAD_DRAIN, "drain", "drain" },
	};
	static const char *const status[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct load_result *r = &m->r;
	struct rd rd = { .d = d, .bad = NULL };
	const char *why;
	struct hist *h;
	json_t *v;
	char path[64];
	double s;
	size_t i;

	if (k == 0)
		first_config(&rd, &m->o);
	if (check_same(&rd, &m->o, k == 0 ? NULL : m->mode, first, err, n) != 0)
		return -1;
	if (k == 0)
		m->mode = rd_str(&rd, "config.mode");
	h = rd_hist(&rd, &why);
	if (h == NULL)
		return snprintf(err, n, "%s", why), -1;
	if (r->lat == NULL) {
		r->lat = h;
	} else {
		int rc = hist_merge(r->lat, h);

		hist_free(h);
		if (rc != 0)
			return snprintf(err, n, "histogram parameters differ from %s's", first), -1;
	}
	if (rps_append(&r->rps, jpath(d, "req_per_s.values")) != 0)
		return snprintf(err, n, "missing or bad 'req_per_s.values'"), -1;
	m->o.conns += (uint32_t)rd_u64(&rd, "config.connections");
	m->o.rate += rd_u64(&rd, "config.rate");
	m->o.in_flight += (uint32_t)rd_u64(&rd, "config.in_flight");
	s = rd_num(&rd, "config.duration_s") * 1e9;
	m->o.duration_ns = RTE_MAX(m->o.duration_ns, (uint64_t)s);
	r->workers += (uint32_t)rd_u64(&rd, "config.lcores");
	r->run_s = RTE_MAX(r->run_s, rd_num(&rd, "duration_s"));
	for (i = 0; i < RTE_DIM(phases); i++) {
		rd_counts(&rd, phases[i].obj, &r->count[phases[i].ph]);
		rd_errors(&rd, phases[i].errs, &r->count[phases[i].ph]);
	}
	for (i = 0; i < RTE_DIM(status); i++) {
		snprintf(path, sizeof(path), "totals.status.%s", status[i]);
		r->count[LOAD_RUN].status[i] += rd_u64(&rd, path);
	}
	r->sent += rd_u64(&rd, "totals.requests_sent");
	r->aborted_at_end += rd_u64(&rd, "totals.aborted_at_end");
	r->conns_up += (uint32_t)rd_u64(&rd, "connections_up");
	r->left_open += (uint32_t)rd_u64(&rd, "connections_left_open");
	r->req_per_s += rd_num(&rd, "rates.requests_per_s");
	r->bytes_per_s += rd_num(&rd, "rates.bytes_per_s");
	r->conns_per_s += rd_num(&rd, "rates.connections_per_s");
	if (!m->o.close_mode) {		/* -1: some connection never came up */
		s = rd_num(&rd, "ramp_s");
		r->ramp_s = (s < 0 || r->ramp_s < 0) ? -1 : RTE_MAX(r->ramp_s, s);
	}
	v = json_object_get(d, "mbufs_leaked");
	if (!json_is_integer(v))
		rd_get(&rd, "mbufs_leaked", 0);
	else if (json_integer_value(v) < 0)
		m->leaked_unknown = 1;
	else
		r->mbufs_leaked += json_integer_value(v);
	if (rd.bad != NULL)
		return snprintf(err, n, "missing or bad '%s'", rd.bad), -1;
	return 0;
}

/* Read every file; 0, or 2 after the one-line error. */
static int
merge_files(struct merge *m, json_t **docs, const struct load_opts *cli)
{
	char err[256];
	json_error_t je;
	int k;

	for (k = 0; k < cli->n_files; k++) {
		docs[k] = json_load_file(cli->files[k], 0, &je);
		if (docs[k] == NULL) {
			fprintf(stderr, "tern-load: %s: %s\n", cli->files[k], je.text);
			return 2;
		}
		if (merge_one(m, docs[k], k, cli->files[0], err, sizeof(err)) != 0) {
			fprintf(stderr, "tern-load: %s: %s\n", cli->files[k], err);
			return 2;
		}
	}
	return 0;
}

int
load_merge(const struct load_opts *cli)
{
	json_t **docs = calloc((size_t)cli->n_files, sizeof(*docs));
	struct merge *m = calloc(1, sizeof(*m));	/* load_opts is large */
	int k, rc = 1;

	if (docs == NULL || m == NULL) {
		fprintf(stderr, "tern-load: no memory\n");
		goto out;
	}
	m->r.o = &m->o;
	m->r.runs = (uint32_t)cli->n_files;
	m->o.latency = cli->latency;
	rc = merge_files(m, docs, cli);
	if (rc != 0)
		goto out;
	if (m->leaked_unknown)
		m->r.mbufs_leaked = -1;
	load_report_header(&m->o, m->r.workers);
	load_report_text(&m->r);
	if (cli->json_path != NULL && load_report_json(&m->r, cli->json_path) != 0) {
		fprintf(stderr, "tern-load: %s: %s\n", cli->json_path, strerror(errno));
		rc = 1;
	}
	if (cli->hgrm_path != NULL && load_report_hgrm(&m->r, cli->hgrm_path) != 0) {
		fprintf(stderr, "tern-load: %s: %s\n", cli->hgrm_path, strerror(errno));
		rc = 1;
	}
out:
	if (m != NULL)
		load_result_fini(&m->r);
	for (k = 0; docs != NULL && k < cli->n_files; k++)
		json_decref(docs[k]);
	free(docs);
	free(m);
	return rc;
}
