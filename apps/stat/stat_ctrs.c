/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counters and their rates; see stat_ctrs.h. The sum is taken over the
 * same snapshot as the per-lcore figures (not a second read of
 * /tern/stats), so the columns always add up. Counter order is the
 * library's (/tern/stats/desc lists every counter in id order).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stat_ctrs.h"

/* {lcore: {name: value}} restricted to --lcore. */
static json_t *
snapshot(struct stat_tel *t, const struct stat_opts *o)
{
	json_t *all = stat_tel_cmd(t, "/tern/lcores"), *v;
	const char *key;
	void *tmp;

	if (all == NULL || o->lcore < 0)
		return all;
	json_object_foreach_safe(all, tmp, key, v) {
		if (atoi(key) != o->lcore)
			json_object_del(all, key);
	}
	return all;
}

/* {"lcores": {lcore: {name: value}}, "total": {name: value}}, only
 * counters not zero everywhere, in the library's order. */
static json_t *
with_total(const json_t *names, json_t *lcores)
{
	json_t *total = json_object(), *per, *v;
	const char *lkey, *name;

	json_object_foreach((json_t *)names, name, v) {
		json_int_t sum = 0;

		json_object_foreach(lcores, lkey, per)
			sum += json_integer_value(json_object_get(per, name));
		if (sum != 0)
			json_object_set_new(total, name, json_integer(sum));
	}
	return json_pack("{s:o, s:o}", "lcores", lcores, "total", total);
}

static void
print_table(const json_t *r, const char *fmt_head, bool rates, double dt)
{
	const json_t *lcores = json_object_get(r, "lcores"), *per, *v;
	const char *lkey, *name;

	printf(fmt_head, dt);
	printf("%-30s", "counter");
	json_object_foreach((json_t *)lcores, lkey, per) {
		char col[24];

		snprintf(col, sizeof(col), "lcore %s", lkey);
		printf(" %14s", col);
	}
	printf(" %14s\n", "total");
	json_object_foreach(json_object_get(r, "total"), name, v) {
		printf("%-30s", name);
		json_object_foreach((json_t *)lcores, lkey, per) {
			json_t *x = json_object_get(per, name);

			if (rates)
				printf(" %14.1f", x != NULL ? json_number_value(x) : 0.0);
			else
				printf(" %14lld", (long long)json_integer_value(x));
		}
		if (rates)
			printf(" %14.1f\n", json_number_value(v));
		else
			printf(" %14lld\n", (long long)json_integer_value(v));
	}
}

int
stat_ctrs_show(struct stat_tel *t, const struct stat_opts *o)
{
	json_t *names = stat_tel_cmd(t, "/tern/stats/desc"), *lcores, *r;

	if (names == NULL)
		return -1;
	lcores = snapshot(t, o);
	if (lcores == NULL) {
		json_decref(names);
		return -1;
	}
	r = with_total(names, lcores);
	if (o->json) {
		json_dumpf(r, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_table(r, "counters per lcore (columns) and summed%.0s\n", false, 0);
	}
	json_decref(r);
	json_decref(names);
	return 0;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* (b - a) / dt per counter and lcore, only counters that moved. */
static json_t *
rates_of(const json_t *names, const json_t *a, const json_t *b, double dt)
{
	json_t *lcores = json_object(), *total = json_object(), *per, *v;
	const char *lkey, *name;

	json_object_foreach((json_t *)b, lkey, per)
		json_object_set_new(lcores, lkey, json_object());
	json_object_foreach((json_t *)names, name, v) {
		json_int_t sum = 0;

		json_object_foreach((json_t *)b, lkey, per) {
			json_int_t d = json_integer_value(json_object_get(per, name)) -
				json_integer_value(json_object_get(json_object_get(a, lkey), name));

			if (d != 0)
				json_object_set_new(json_object_get(lcores, lkey), name,
						    json_real(d / dt));
			sum += d;
		}
		if (sum != 0)
			json_object_set_new(total, name, json_real(sum / dt));
	}
	return json_pack("{s:f, s:o, s:o}", "interval_s", dt, "lcores", lcores, "total", total);
}

int
stat_ctrs_rates(struct stat_tel *t, const struct stat_opts *o)
{
	json_t *names = stat_tel_cmd(t, "/tern/stats/desc"), *prev, *cur;
	double t0, t1;
	unsigned int i;
	struct timespec nap;

	prev = names != NULL ? snapshot(t, o) : NULL;
	if (prev == NULL) {
		json_decref(names);
		return -1;
	}
	t0 = mono_s();
	for (i = 0; o->count == 0 || i < o->count; i++) {
		json_t *r;

		nap.tv_sec = (time_t)o->interval_s;
		nap.tv_nsec = (long)((o->interval_s - floor(o->interval_s)) * 1e9);
		nanosleep(&nap, NULL);
		cur = snapshot(t, o);
		t1 = mono_s();
		if (cur == NULL)
			break;
		r = rates_of(names, prev, cur, t1 - t0);
		if (o->json)
			json_dumpf(r, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		else
			print_table(r, "rates per second over %.2f s\n", true, t1 - t0);
		putchar('\n');
		fflush(stdout);
		json_decref(r);
		json_decref(prev);
		prev = cur;
		t0 = t1;
	}
	json_decref(prev);
	json_decref(names);
	return o->count == 0 || i == o->count ? 0 : -1;
}
