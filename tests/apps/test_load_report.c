/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's report (apps/load/load_report.c) on its own, without the
 * EAL: a merged result built by hand is written as JSON and read back
 * with jansson (always valid JSON, every documented field, 0 where
 * nothing was measured), the text report prints numbers, never nan, and
 * the --hgrm file (apps/load/load_hgrm.c) parses back as HdrHistogram's
 * percentile distribution: monotonic rows ending at 100%, the total count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "load.h"

struct fixture {
	struct load_opts o;
	struct load_result r;
	char path[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->o.url.text = "http://198.18.2.1/";
	f->o.conns = 4;
	f->o.duration_ns = 2000000000ull;
	f->o.timeout_ns = 2000000000ull;
	f->o.dst.lo = 80;
	f->o.dst.n = 1;
	f->o.n_headers = 1;
	f->o.headers[0] = "X-Quote: \"a\\b\"";
	f->r.o = &f->o;
	f->r.workers = 1;
	f->r.ramp_s = -1;
	f->r.lat = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
	assert_non_null(f->r.lat);
	assert_int_equal(load_rps_init(&f->r.rps, 4), 0);
	snprintf(f->path, sizeof(f->path), "/tmp/test_load_report.%d", (int)getpid());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	load_result_fini(&f->r);
	free(f);
	return 0;
}

static json_t *
write_and_load(struct fixture *f)
{
	json_error_t e;
	json_t *d;

	assert_int_equal(load_report_json(&f->r, f->path), 0);
	d = json_load_file(f->path, 0, &e);
	if (d == NULL)
		fail_msg("%s: line %d: %s", f->path, e.line, e.text);
	return d;
}

static double
num_at(json_t *d, const char *obj, const char *key)
{
	json_t *v = json_object_get(json_object_get(d, obj), key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* Nothing measured: no window, no latency, no samples. */
static void
test_json_nothing_measured(void **state)
{
	struct fixture *f = *state;
	json_t *d;

	f->r.run_s = 0;
	d = write_and_load(f);
	assert_true(num_at(d, "rates", "requests_per_s") == 0);
	assert_true(num_at(d, "rates", "bytes_per_s") == 0);
	assert_true(num_at(d, "rates", "connections_per_s") == 0);
	assert_true(num_at(d, "latency_us", "mean") == 0);
	assert_true(num_at(d, "req_per_s", "mean") == 0);
	assert_true(json_is_number(json_object_get(d, "ramp_s")));
	assert_true(json_number_value(json_object_get(d, "ramp_s")) == -1);
	assert_string_equal(json_string_value(json_object_get(d, "tool")), "tern-load");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_object_get(d, "config"), "headers"), 0)), "X-Quote: \"a\\b\"");
	json_decref(d);
}

static void
test_json_fields(void **state)
{
	static const char *const top[] = { "tool", "version", "config", "duration_s", "ramp_s",
		"totals", "rates", "latency_us", "spectrum", "req_per_s", "errors", "warmup",
		"drain", "connections_up", "lcores", "connections_left_open", "mbufs_leaked" };
	struct fixture *f = *state;
	json_t *d, *sp;
	size_t i;
	int k;

	f->r.run_s = 2.0;
	f->r.ramp_s = 0.25;
	f->r.count[LOAD_RUN].requests = 1000;
	f->r.count[LOAD_RUN].bytes = 100000;
	f->r.count[LOAD_RUN].status[2] = 1000;
	f->r.count[LOAD_WARMUP].err_reset = 3;
	f->r.lcores = strdup("\"lcore1_tcp_active_opens\": 5, \"lcore1_errors\": 0");
	for (k = 1; k <= 1000; k++)
		hist_record(f->r.lat, (uint64_t)k * 1000);
	load_rps_add(&f->r.rps, 500);
	load_rps_add(&f->r.rps, 500);
	d = write_and_load(f);
	for (i = 0; i < RTE_DIM(top); i++)
		if (json_object_get(d, top[i]) == NULL)
			fail_msg("no %s", top[i]);
	assert_true(num_at(d, "rates", "requests_per_s") == 500);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "totals"),
							    "requests")), 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "latency_us"),
							    "count")), 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "warmup"),
							    "errors")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "lcores"),
							    "lcore1_tcp_active_opens")), 5);
	sp = json_object_get(d, "spectrum");
	assert_true(json_array_size(sp) > 10);
	assert_true(json_number_value(json_object_get(json_array_get(sp,
		json_array_size(sp) - 1), "percentile")) == 100);
	json_decref(d);
}

/* Redirect stdout into a file while `fn` prints; return what it printed. */
static char *
capture_text(const struct load_result *r)
{
	static char buf[8192];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	load_report_text(r);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void
test_text_nothing_measured(void **state)
{
	struct fixture *f = *state;
	char *t;

	f->r.run_s = 0;
	t = capture_text(&f->r);
	assert_non_null(strstr(t, "Requests/sec:      0.00\n"));
	assert_non_null(strstr(t, "Connections/sec:      0.00\n"));
	assert_null(strstr(t, "nan"));
	assert_null(strstr(t, "inf"));
}

/* Keep-alive: the window makes no connection, the ramp-up line gives the
 * rate at which they were opened. */
static void
test_text_keepalive_rate(void **state)
{
	struct fixture *f = *state;
	char *t;

	f->r.run_s = 2.0;
	f->r.ramp_s = 0.25;
	f->r.count[LOAD_RAMP].connects = 4;
	f->r.count[LOAD_RUN].requests = 1000;
	t = capture_text(&f->r);
	assert_non_null(strstr(t, "Connections/sec:      0.00\n"));
	assert_non_null(strstr(t, "Ramp-up: all 4 connections up in 0.25s (16 conn/s)\n"));
}

/* Errors of every kind land in their phase, in the JSON and the text. */
static void
test_errors_by_phase(void **state)
{
	static const char *const phases[] = { "ramp_up", "warmup", "measured", "drain" };
	struct fixture *f = *state;
	json_t *d, *ebp;
	size_t i;
	char *t;

	f->r.run_s = 1.0;
	f->r.count[LOAD_RAMP].err_connect = 2400000;	/* refused during the ramp-up */
	f->r.count[LOAD_RAMP].connects = 3;
	f->r.count[LOAD_WARMUP].err_timeout = 5;
	f->r.count[LOAD_RUN].err_reset = 7;
	f->r.count[LOAD_RUN].err_read = 11;		/* bad responses */
	f->r.count[LOAD_DRAIN].non2xx = 13;
	d = write_and_load(f);
	ebp = json_object_get(d, "errors_by_phase");
	for (i = 0; i < RTE_DIM(phases); i++)
		if (!json_is_object(json_object_get(ebp, phases[i])))
			fail_msg("no errors_by_phase.%s", phases[i]);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ebp, "ramp_up"),
							    "connect")), 2400000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ebp, "warmup"),
							    "timeout")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ebp, "measured"),
							    "reset")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ebp, "measured"),
							    "read")), 11);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ebp, "drain"),
							    "non_2xx_3xx")), 13);
	/* the existing fields keep their meaning: errors = the measured window */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "errors"),
							    "reset")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "errors"),
							    "connect")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "warmup"),
							    "errors")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "ramp_up"),
							    "errors")), 2400000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "ramp_up"),
							    "connections")), 3);
	json_decref(d);
	t = capture_text(&f->r);
	assert_non_null(strstr(t, "  Errors by phase"));
	assert_non_null(strstr(t, "    ramp-up          2400000         0         0         0"
				  "         0         0\n"));
	assert_non_null(strstr(t, "    warm-up                0         0         0         5"));
	assert_non_null(strstr(t, "    measured               0        11         0         0"
				  "         7         0\n"));
	assert_non_null(strstr(t, "    drain                  0         0         0         0"
				  "         0        13\n"));
}

/* No error anywhere: no table. */
static void
test_errors_by_phase_none(void **state)
{
	struct fixture *f = *state;

	f->r.run_s = 1.0;
	assert_null(strstr(capture_text(&f->r), "Errors by phase"));
}

struct hgrm {
	unsigned int rows;
	double last_value_ms, last_pct, max_ms;
	uint64_t last_cum, total;
	unsigned int buckets, sub_buckets;
};

/* Parse an .hgrm file; fails the test on any malformed or non-monotonic row. */
static void
hgrm_parse(const char *path, struct hgrm *g)
{
	char line[256], inv[32];
	double v, p, mean, sd;
	unsigned long long cum;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "Value"));
	assert_non_null(strstr(line, "Percentile"));
	assert_non_null(strstr(line, "TotalCount"));
	assert_non_null(strstr(line, "1/(1-Percentile)"));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "\n");
	while (fgets(line, sizeof(line), f) != NULL && line[0] != '#') {
		assert_int_equal(sscanf(line, "%lf %lf %llu %31s", &v, &p, &cum, inv), 4);
		assert_true(p >= 0 && p <= 1);
		if (g->rows > 0) {
			assert_true(v >= g->last_value_ms);
			assert_true(p > g->last_pct);
			assert_true(cum >= g->last_cum);
		}
		assert_true(p < 1 ? strtod(inv, NULL) > 0 : strcmp(inv, "inf") == 0);
		g->last_value_ms = v;
		g->last_pct = p;
		g->last_cum = cum;
		g->rows++;
	}
	assert_int_equal(sscanf(line, "#[Mean = %lf, StdDeviation = %lf]", &mean, &sd), 2);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "#[Max = %lf, Total count = %llu]", &g->max_ms, &cum), 2);
	g->total = cum;
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(sscanf(line, "#[Buckets = %u, SubBuckets = %u]", &g->buckets,
				&g->sub_buckets), 2);
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
}

static void
test_hgrm(void **state)
{
	struct fixture *f = *state;
	struct hgrm g;
	int k;

	for (k = 1; k <= 10000; k++)		/* 10 us .. 100 ms */
		hist_record(f->r.lat, (uint64_t)k * 10000);
	assert_int_equal(load_report_hgrm(&f->r, f->path), 0);
	hgrm_parse(f->path, &g);
	assert_true(g.rows > 50);
	assert_true(g.last_pct == 1.0);
	assert_int_equal(g.last_cum, 10000);
	assert_int_equal(g.total, 10000);
	assert_true(fabs(g.max_ms - 100.0) < 0.2);
	assert_true(fabs(g.last_value_ms - 100.0) < 0.2);
	assert_int_equal(g.sub_buckets, 2048);
	assert_int_equal(g.buckets, 17);
}

static void
test_hgrm_one_value(void **state)
{
	struct fixture *f = *state;
	struct hgrm g;

	hist_record_n(f->r.lat, 1500000, 7);	/* 1.5 ms, 7 times */
	assert_int_equal(load_report_hgrm(&f->r, f->path), 0);
	hgrm_parse(f->path, &g);
	assert_int_equal(g.rows, 2);		/* 0% and 100% */
	assert_int_equal(g.total, 7);
	assert_int_equal(g.last_cum, 7);
	assert_true(fabs(g.last_value_ms - 1.5) < 0.01);
}

static void
test_hgrm_empty(void **state)
{
	struct fixture *f = *state;
	struct hgrm g;

	assert_int_equal(load_report_hgrm(&f->r, f->path), 0);
	hgrm_parse(f->path, &g);
	assert_int_equal(g.rows, 0);
	assert_int_equal(g.total, 0);
	assert_true(g.max_ms == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_nothing_measured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_nothing_measured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_keepalive_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_by_phase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_by_phase_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hgrm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hgrm_one_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hgrm_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
