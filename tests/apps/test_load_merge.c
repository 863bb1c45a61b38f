/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load --merge (apps/load/load_merge.c) on synthetic results: two
 * runs with different latency distributions are written by the report
 * writer (load_report_json), merged through the real command line
 * (load_opts_parse, then load_merge; and once through the tern-load
 * binary, which must need neither EAL nor root), and the merged JSON is
 * checked: counters and rates summed, latency_us and the spectrum equal
 * to those of one result whose histogram holds every sample, the usual
 * fields present. Mismatched or old files are refused with exit 2 and
 * write nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "load.h"

#define URL "http://198.18.2.1/"

struct run {
	struct load_opts o;
	struct load_result r;
};

struct fixture {
	char a[64], b[64], out[64], hgrm[64], ref[64];
	struct hist *all;		/* every sample of both runs */
};

static uint64_t rng = 88172645463325252ull;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Run k: k = 0 fast (50 us .. 2 ms), k = 1 slow (1 .. 80 ms, a few
 * values outside the histogram's range, which are clamped). */
static void
make_run(struct run *x, int k, const char *url, int close_mode, struct hist *all)
{
	uint64_t lo = k == 0 ? 50000 : 1000000, span = k == 0 ? 1950000 : 79000000;
	uint32_t n = k == 0 ? 20000 : 7000, i;

	memset(x, 0, sizeof(*x));
	x->o.url.text = url;
	x->o.conns = 10 + k;
	x->o.duration_ns = 2000000000ull;
	x->o.timeout_ns = 2000000000ull;
	x->o.close_mode = close_mode;
	x->o.dst.lo = 80;
	x->o.dst.n = 1;
	x->r.o = &x->o;
	x->r.workers = 2;
	x->r.run_s = k == 0 ? 2.0 : 2.5;
	x->r.ramp_s = 0.1 * (k + 1);
	x->r.lat = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
	assert_non_null(x->r.lat);
	for (i = 0; i < n; i++) {
		uint64_t v = lo + next_rand() % span;

		if (k == 1 && i % 1000 == 0)
			v = i % 2000 == 0 ? 10 : 100000000000ull;	/* clamped */
		hist_record(x->r.lat, v);
		hist_record(all, v);
	}
	x->r.count[LOAD_RUN].requests = n;
	x->r.count[LOAD_RUN].bytes = 100ull * n;
	x->r.count[LOAD_RUN].connects = 5 + k;
	x->r.count[LOAD_RUN].status[2] = n - 3;
	x->r.count[LOAD_RUN].status[5] = 3;
	x->r.count[LOAD_RUN].non2xx = 3;
	x->r.count[LOAD_RUN].err_timeout = 2 + k;
	x->r.count[LOAD_RAMP].err_connect = 7 * k;
	x->r.count[LOAD_WARMUP].requests = 40 + k;
	x->r.count[LOAD_DRAIN].requests = 4 + k;
	x->r.sent = n + 50;
	x->r.aborted_at_end = 1;
	x->r.conns_up = x->o.conns;
	x->r.mbufs_leaked = 0;
	assert_int_equal(load_rps_init(&x->r.rps, 4), 0);
	load_rps_add(&x->r.rps, n / 4 + k);
	load_rps_add(&x->r.rps, n / 4);
}

static void
write_run(int k, const char *url, int close_mode, const char *path, struct hist *all)
{
	static struct run x;

	make_run(&x, k, url, close_mode, all);
	assert_int_equal(load_report_json(&x.r, path), 0);
	load_result_fini(&x.r);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int pid = (int)getpid();

	assert_non_null(f);
	snprintf(f->a, sizeof(f->a), "/tmp/test_load_merge.%d.a.json", pid);
	snprintf(f->b, sizeof(f->b), "/tmp/test_load_merge.%d.b.json", pid);
	snprintf(f->out, sizeof(f->out), "/tmp/test_load_merge.%d.out.json", pid);
	snprintf(f->hgrm, sizeof(f->hgrm), "/tmp/test_load_merge.%d.hgrm", pid);
	snprintf(f->ref, sizeof(f->ref), "/tmp/test_load_merge.%d.ref.json", pid);
	f->all = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
	assert_non_null(f->all);
	write_run(0, URL, 0, f->a, f->all);
	write_run(1, URL, 0, f->b, f->all);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->a);
	unlink(f->b);
	unlink(f->out);
	unlink(f->hgrm);
	unlink(f->ref);
	hist_free(f->all);
	free(f);
	return 0;
}

/* tern-load's command line after the EAL's `--`, as main.c runs it:
 * the parser, then load_merge. Returns the exit status. */
static int
merge_cli(int argc, const char **args)
{
	static struct load_opts o;
	char err[256], *argv[16];
	int i, rc;

	assert_true(argc < 16);
	argv[0] = (char *)"tern-load";
	for (i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i];
	optind = 0;
	rc = load_opts_parse(&o, argc + 1, argv, err, sizeof(err));
	if (rc == CLI_ERROR)
		return 2;
	assert_int_equal(rc, CLI_RUN);
	assert_true(o.merge);
	return load_merge(&o);
}

static json_t *
load_json(const char *path)
{
	json_error_t e;
	json_t *d = json_load_file(path, 0, &e);

	if (d == NULL)
		fail_msg("%s: %s", path, e.text);
	return d;
}

static json_int_t
int_at(json_t *d, const char *obj, const char *key)
{
	json_t *v = json_object_get(json_object_get(d, obj), key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static double
num_at(json_t *d, const char *obj, const char *key)
{
	json_t *v = json_object_get(json_object_get(d, obj), key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* Every member of a normal result `a` is in `d` with the same JSON type
 * (numbers: integer or real alike), recursively through objects. */
static void
assert_same_shape(json_t *a, json_t *d, const char *path)
{
	const char *key;
	json_t *v;

	if (json_is_number(a) && json_is_number(d))
		return;
	if (json_typeof(a) != json_typeof(d))
		fail_msg("%s: type %d, a normal result has %d", path, json_typeof(d),
			 json_typeof(a));
	json_object_foreach(a, key, v) {
		if (json_object_get(d, key) == NULL)
			fail_msg("%s.%s missing", path, key);
		assert_same_shape(v, json_object_get(d, key), key);
	}
}

/* A result with one histogram of every sample, written by the same code. */
static json_t *
reference(struct fixture *f)
{
	static struct run x;
	struct hist *tmp = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);

	assert_non_null(tmp);
	make_run(&x, 0, URL, 0, tmp);
	hist_free(tmp);
	hist_reset(x.r.lat);
	assert_int_equal(hist_merge(x.r.lat, f->all), 0);
	assert_int_equal(load_report_json(&x.r, f->ref), 0);
	load_result_fini(&x.r);
	return load_json(f->ref);
}

static void
test_merge(void **state)
{
	static const char *const top[] = { "tool", "version", "config", "duration_s", "ramp_s",
		"totals", "rates", "latency_us", "spectrum", "req_per_s", "errors",
		"errors_by_phase", "ramp_up", "warmup", "drain", "connections_up",
		"connections_left_open", "mbufs_leaked" };
	struct fixture *f = *state;
	const char *args[] = { "--merge", "--json", f->out, "--hgrm", f->hgrm, f->a, f->b };
	json_t *d, *ref, *a, *b;
	size_t i;

	assert_int_equal(merge_cli(7, args), 0);
	d = load_json(f->out);
	a = load_json(f->a);
	b = load_json(f->b);
	for (i = 0; i < RTE_DIM(top); i++)
		if (json_object_get(d, top[i]) == NULL)
			fail_msg("merged JSON lacks '%s'", top[i]);
	assert_string_equal(json_string_value(json_object_get(d, "tool")), "tern-load");
	assert_int_equal(json_integer_value(json_object_get(d, "merged_runs")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "config"),
							      "url")), URL);
	assert_int_equal(int_at(d, "config", "connections"), 21);
	assert_int_equal(int_at(d, "config", "lcores"), 4);
	/* counters add up */
	assert_int_equal(int_at(d, "totals", "requests"), 27000);
	assert_int_equal(int_at(d, "totals", "bytes"), 2700000);
	assert_int_equal(int_at(d, "totals", "requests_sent"), 27100);
	assert_int_equal(int_at(d, "totals", "warmup_requests"), 81);
	assert_int_equal(int_at(d, "totals", "drained_requests"), 9);
	assert_int_equal(int_at(d, "totals", "aborted_at_end"), 2);
	assert_int_equal(int_at(d, "errors", "timeout"), 5);
	assert_int_equal(int_at(d, "errors", "non_2xx_3xx"), 6);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
		d, "errors_by_phase"), "ramp_up"), "connect")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
		d, "totals"), "status"), "5xx")), 6);
	assert_int_equal(json_integer_value(json_object_get(d, "connections_up")), 21);
	assert_int_equal(int_at(d, "req_per_s", "samples"), 4);
	/* concurrent runs: the rates add up (not 27000 / 2.5 s) */
	assert_true(fabs(num_at(d, "rates", "requests_per_s") -
			 (num_at(a, "rates", "requests_per_s") +
			  num_at(b, "rates", "requests_per_s"))) < 1e-6);
	assert_true(fabs(num_at(d, "rates", "requests_per_s") - (10000 + 2800)) < 1e-6);
	assert_true(fabs(json_number_value(json_object_get(d, "duration_s")) - 2.5) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(d, "ramp_s")) - 0.2) < 1e-9);
	/* the latency: exactly that of one histogram of every sample */
	ref = reference(f);
	assert_int_equal(int_at(d, "latency_us", "count"), 27000);
	assert_true(json_equal(json_object_get(d, "latency_us"),
			       json_object_get(ref, "latency_us")));
	assert_true(json_equal(json_object_get(d, "spectrum"), json_object_get(ref, "spectrum")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
		d, "latency_us"), "histogram"), "clamped")), 7);
	/* and the merged runs' percentiles are not simply either run's */
	assert_false(json_equal(json_object_get(d, "latency_us"),
				json_object_get(a, "latency_us")));
	assert_int_equal(access(f->hgrm, R_OK), 0);
	/* shaped like a normal result, with its invariants */
	assert_same_shape(a, d, "$");
	assert_true(json_equal(json_object_get(json_object_get(d, "errors_by_phase"), "measured"),
			       json_object_get(d, "errors")));
	for (i = 1; i < json_array_size(json_object_get(d, "spectrum")); i++)
		assert_true(json_number_value(json_object_get(json_array_get(
				json_object_get(d, "spectrum"), i - 1), "latency_us")) <=
			    json_number_value(json_object_get(json_array_get(
				json_object_get(d, "spectrum"), i), "latency_us")));
	json_decref(ref);
	json_decref(a);
	json_decref(b);
	json_decref(d);
}

/* A merged result merges again (with itself: every count doubles). */
static void
test_merge_merged(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--merge", "--json", f->out, f->a, f->b };
	const char *again[] = { "--merge", "--json", f->ref, f->out, f->out };
	json_t *d, *e;

	assert_int_equal(merge_cli(5, args), 0);
	assert_int_equal(merge_cli(5, again), 0);
	d = load_json(f->out);
	e = load_json(f->ref);
	assert_int_equal(int_at(e, "totals", "requests"), 2 * 27000);
	assert_int_equal(int_at(e, "latency_us", "count"), 2 * 27000);
	assert_true(json_equal(json_object_get(json_object_get(d, "latency_us"), "percentiles"),
			       json_object_get(json_object_get(e, "latency_us"), "percentiles")));
	json_decref(d);
	json_decref(e);
}

static void
expect_refused(struct fixture *f)
{
	const char *args[] = { "--merge", "--json", f->out, f->a, f->b };

	unlink(f->out);
	assert_int_equal(merge_cli(5, args), 2);
	assert_int_equal(access(f->out, F_OK), -1);	/* nothing written */
}

static void
test_refuse_url(void **state)
{
	struct fixture *f = *state;
	struct hist *tmp = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);

	write_run(1, "http://198.18.2.2/", 0, f->b, tmp);
	hist_free(tmp);
	expect_refused(f);
}

static void
test_refuse_close(void **state)
{
	struct fixture *f = *state;
	struct hist *tmp = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);

	write_run(1, URL, 1, f->b, tmp);
	hist_free(tmp);
	expect_refused(f);
}

/* A result of an older tern-load: no histogram, so no exact merge. */
static void
test_refuse_no_histogram(void **state)
{
	struct fixture *f = *state;
	json_t *d = load_json(f->b);

	assert_int_equal(json_object_del(json_object_get(d, "latency_us"), "histogram"), 0);
	assert_int_equal(json_dump_file(d, f->b, 0), 0);
	json_decref(d);
	expect_refused(f);
}

/* Buckets that do not add up to latency_us.count, and not JSON at all. */
static void
test_refuse_bad(void **state)
{
	struct fixture *f = *state;
	json_t *d = load_json(f->b);
	FILE *fp;

	json_object_set_new(json_object_get(d, "latency_us"), "count", json_integer(1));
	assert_int_equal(json_dump_file(d, f->b, 0), 0);
	json_decref(d);
	expect_refused(f);
	fp = fopen(f->b, "w");
	assert_non_null(fp);
	fputs("{\"tool\": \"tern-load\",", fp);
	fclose(fp);
	expect_refused(f);
}

/* Options of a run make no sense with --merge; files need --merge. */
static void
test_cli(void **state)
{
	struct fixture *f = *state;
	const char *with_c[] = { "--merge", "-c", "10", f->a, f->b };
	const char *no_files[] = { "--merge", "--json", f->out };
	static struct load_opts o;
	char err[256];
	char *argv[] = { (char *)"tern-load", (char *)"--ip", (char *)"198.18.0.2/24",
			 (char *)"-c", (char *)"1", (char *)"-d", (char *)"1",
			 (char *)URL, f->a, NULL };

	assert_int_equal(merge_cli(5, with_c), 2);
	assert_int_equal(merge_cli(3, no_files), 2);
	optind = 0;
	assert_int_equal(load_opts_parse(&o, 9, argv, err, sizeof(err)), CLI_ERROR);
	assert_non_null(strstr(err, "unexpected argument"));
	optind = 0;
	assert_int_equal(load_opts_parse(&o, 8, argv, err, sizeof(err)), CLI_RUN);
	assert_false(o.merge);
}

/* The binary: --merge runs before (and without) the EAL, as any user. */
static int
run_binary(const char *const *args)
{
	const char *bin = getenv("TERN_LOAD");
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(bin, (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_binary(void **state)
{
	struct fixture *f = *state;
	const char *ok[] = { "tern-load", "--merge", "--latency", "--json", f->out, f->a, f->b,
			     NULL };
	struct hist *tmp;
	json_t *d;

	if (getenv("TERN_LOAD") == NULL)
		skip();
	unlink(f->out);
	assert_int_equal(run_binary(ok), 0);
	d = load_json(f->out);
	assert_int_equal(int_at(d, "totals", "requests"), 27000);
	json_decref(d);
	tmp = hist_create(LOAD_HIST_LO_NS, LOAD_HIST_HI_NS, LOAD_HIST_DIGITS);
	write_run(1, URL, 1, f->b, tmp);
	hist_free(tmp);
	assert_int_equal(run_binary(ok), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_no_histogram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
