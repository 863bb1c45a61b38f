/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counter readout: per stack, summed over every registered stack, as JSON,
 * and through DPDK telemetry (/tern/stats, /tern/stats/desc); per lcore
 * (one object per registered stack) as JSON and as /tern/lcores, so the
 * spread over lcores shows; the loop-gap histograms (recorded by
 * stack_poll.c) as JSON members beside the counters and as /tern/loop.
 * The socket listing (/tern/conns) is stack_stat.c's. Stacks are found through the registry memzone,
 * so neither this file nor a secondary process needs a global. Called from
 * apps and the telemetry thread; reads are racy snapshots of per-lcore
 * counters, as is usual.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <tern/stats.h>

#include "core/stack_private.h"
#include "stack/stack_loop.h"

unsigned int
tern_stats_count(void)
{
	return CTR_COUNT;
}

const char *
tern_stats_name(unsigned int id)
{
	return ctr_name(id);
}

const char *
tern_stats_desc(unsigned int id)
{
	return ctr_desc(id);
}

unsigned int
tern_stats_id(const char *name)
{
	unsigned int id;

	for (id = 1; id < CTR_COUNT; id++)
		if (strcmp(ctr_name(id), name) == 0)
			return id;
	return 0;
}

uint64_t
tern_stats_get(const struct tern_stack *s, unsigned int id)
{
	return id != 0 && id < CTR_COUNT ? s->ctr[id] : 0;
}

static uint64_t
sum_id(unsigned int id)
{
	uint64_t v = 0;
	unsigned int l;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct tern_stack *s = stack_registry_get(l);

		if (s != NULL)
			v += s->ctr[id];
	}
	return v;
}

static const char *const loop_names[TERN_LOOP_KIND_COUNT] = {
	[TERN_LOOP_GAP_IDLE] = "gap_idle",
	[TERN_LOOP_GAP_BUSY] = "gap_busy",
	[TERN_LOOP_WORK] = "work",
};

const char *
tern_stats_loop_name(unsigned int kind)
{
	return kind < TERN_LOOP_KIND_COUNT ? loop_names[kind] : NULL;
}

void
tern_stats_loop_get(const struct tern_stack *s,
		    struct tern_loop_hist out[TERN_LOOP_KIND_COUNT])
{
	memcpy(out, s->loop_hist, sizeof(s->loop_hist));
}

/* Histograms summed over stacks (`only`: that lcore's alone, when
 * registered), their max the largest; returns how many stacks went in. */
static unsigned int
loop_sum(struct tern_loop_hist out[TERN_LOOP_KIND_COUNT], int only)
{
	unsigned int l, k, b, n = 0;

	memset(out, 0, sizeof(struct tern_loop_hist) * TERN_LOOP_KIND_COUNT);
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct tern_stack *s = stack_registry_get(l);

		if (s == NULL || (only >= 0 && (unsigned int)only != l))
			continue;
		for (k = 0; k < TERN_LOOP_KIND_COUNT; k++) {
			for (b = 0; b < TERN_LOOP_BUCKETS; b++)
				out[k].count[b] += s->loop_hist[k].count[b];
			out[k].max_ns = RTE_MAX(out[k].max_ns, s->loop_hist[k].max_ns);
		}
		n++;
	}
	return n;
}

/* "lt<2^b>us", the last bucket "ge<2^(b-1)>us". */
static void
loop_bucket_name(char *buf, size_t n, unsigned int b)
{
	if (b < TERN_LOOP_BUCKETS - 1)
		snprintf(buf, n, "lt%" PRIu64 "us", (uint64_t)1 << b);
	else
		snprintf(buf, n, "ge%" PRIu64 "us", (uint64_t)1 << (b - 1));
}

/* The histograms' non-zero buckets as JSON members
 * "<prefix>loop_<kind>_<bucket>": n and "<prefix>loop_<kind>_max_ns": n,
 * each preceded by ", " unless it is the very first (*n == 0 and `first`).
 * Counts members in *n. */
static void
loop_members(FILE *f, const struct tern_loop_hist h[TERN_LOOP_KIND_COUNT],
	     const char *prefix, int first, unsigned int *n)
{
	unsigned int k, b;
	char bucket[32];

	for (k = 0; k < TERN_LOOP_KIND_COUNT; k++) {
		for (b = 0; b < TERN_LOOP_BUCKETS; b++) {
			if (h[k].count[b] == 0)
				continue;
			loop_bucket_name(bucket, sizeof(bucket), b);
			fprintf(f, "%s\"%sloop_%s_%s\": %" PRIu64, first && *n == 0 ? "" : ", ",
				prefix, loop_names[k], bucket, h[k].count[b]);
			(*n)++;
		}
		if (h[k].max_ns == 0)
			continue;
		fprintf(f, "%s\"%sloop_%s_max_ns\": %" PRIu64, first && *n == 0 ? "" : ", ",
			prefix, loop_names[k], h[k].max_ns);
		(*n)++;
	}
}

uint64_t
tern_stats_sum(const char *name, int *found)
{
	unsigned int id = tern_stats_id(name);

	if (found != NULL)
		*found = id != 0;
	return id != 0 ? sum_id(id) : 0;
}

void
tern_stats_dump_json(FILE *f)
{
	struct tern_loop_hist h[TERN_LOOP_KIND_COUNT];
	unsigned int id, n = 0;

	fputc('{', f);
	for (id = 1; id < CTR_COUNT; id++) {
		uint64_t v = sum_id(id);

		if (v == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, n == 0 ? "" : ", ", ctr_name(id), v);
		n++;
	}
	loop_sum(h, -1);
	loop_members(f, h, "", 1, &n);
	fputs("}\n", f);
}

void
tern_stats_dump_lcores_json(FILE *f)
{
	const char *lsep = "";
	unsigned int l, id;

	fputc('{', f);
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct tern_stack *s = stack_registry_get(l);
		unsigned int n = 0;

		if (s == NULL)
			continue;
		fprintf(f, "%s\"%u\": {", lsep, l);
		for (id = 1; id < CTR_COUNT; id++) {
			if (s->ctr[id] == 0)
				continue;
			fprintf(f, "%s\"%s\": %" PRIu64, n == 0 ? "" : ", ", ctr_name(id),
				s->ctr[id]);
			n++;
		}
		loop_members(f, s->loop_hist, "", 1, &n);
		fputc('}', f);
		lsep = ", ";
	}
	fputs("}\n", f);
}

unsigned int
tern_stats_write_lcore_members(FILE *f, int first)
{
	unsigned int l, id, n = 0;
	char prefix[24];

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct tern_stack *s = stack_registry_get(l);

		if (s == NULL)
			continue;
		for (id = 1; id < CTR_COUNT; id++) {
			if (s->ctr[id] == 0)
				continue;
			fprintf(f, "%s\"lcore%u_%s\": %" PRIu64, first && n == 0 ? "" : ", ",
				l, ctr_name(id), s->ctr[id]);
			n++;
		}
		snprintf(prefix, sizeof(prefix), "lcore%u_", l);
		loop_members(f, s->loop_hist, prefix, first, &n);
	}
	return n;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int id;

	(void)cmd;
	rte_tel_data_start_dict(d);
	for (id = 1; id < CTR_COUNT; id++) {
		if (params != NULL && params[0] != '\0' && strcmp(params, ctr_name(id)) != 0)
			continue;
		rte_tel_data_add_dict_u64(d, ctr_name(id), sum_id(id));
	}
	return 0;
}

static int
tel_desc(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int id;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (id = 1; id < CTR_COUNT; id++)
		rte_tel_data_add_dict_string(d, ctr_name(id), ctr_desc(id));
	return 0;
}

/* One stack's counters: the non-zero ones, or only `name` (even if 0). */
static struct rte_tel_data *
lcore_dict(const struct tern_stack *s, const char *name)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	unsigned int id;

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	for (id = 1; id < CTR_COUNT; id++) {
		if (name != NULL ? strcmp(name, ctr_name(id)) != 0 : s->ctr[id] == 0)
			continue;
		rte_tel_data_add_dict_u64(d, ctr_name(id), s->ctr[id]);
	}
	return d;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const char *name = params != NULL && params[0] != '\0' ? params : NULL;
	char key[16];
	unsigned int l;

	(void)cmd;
	rte_tel_data_start_dict(d);
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct tern_stack *s = stack_registry_get(l);
		struct rte_tel_data *one;

		if (s == NULL)
			continue;
		one = lcore_dict(s, name);
		if (one == NULL)
			return -ENOMEM;
		snprintf(key, sizeof(key), "%u", l);
		if (rte_tel_data_add_dict_container(d, key, one, 0) != 0) {
			rte_tel_data_free(one);
			return -EINVAL;
		}
	}
	return 0;
}

/* One histogram's counts as a u64 array under `name`. */
static int
loop_add_array(struct rte_tel_data *d, const char *name, const struct tern_loop_hist *h)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned int b;

	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (b = 0; b < TERN_LOOP_BUCKETS; b++)
		rte_tel_data_add_array_u64(a, h->count[b]);
	if (rte_tel_data_add_dict_container(d, name, a, 0) != 0) {
		rte_tel_data_free(a);
		return -EINVAL;
	}
	return 0;
}

/* /tern/loop[,LCORE]: {"tsc_hz", "stacks", "bucket_lt_us": [1, 2, .. 2^20]
 * (the last count is everything above), and per histogram "<kind>": [counts]
 * and "<kind>_max_ns"}: summed over stacks, or the one lcore's. */
static int
tel_loop(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tern_loop_hist h[TERN_LOOP_KIND_COUNT];
	struct rte_tel_data *bounds;
	const struct tern_stack *any = NULL;
	char name[32];
	int only = -1;
	unsigned int k, b, l, n;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		char *end;
		unsigned long v = strtoul(params, &end, 10);

		if (*end != '\0' || v >= RTE_MAX_LCORE)
			return -EINVAL;
		only = (int)v;
	}
	n = loop_sum(h, only);
	for (l = 0; l < RTE_MAX_LCORE && any == NULL; l++)
		any = stack_registry_get(l);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "tsc_hz", any != NULL ? any->clock.hz : rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "stacks", n);
	bounds = rte_tel_data_alloc();
	if (bounds == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(bounds, RTE_TEL_U64_VAL);
	for (b = 0; b + 1 < TERN_LOOP_BUCKETS; b++)
		rte_tel_data_add_array_u64(bounds, (uint64_t)1 << b);
	if (rte_tel_data_add_dict_container(d, "bucket_lt_us", bounds, 0) != 0) {
		rte_tel_data_free(bounds);
		return -EINVAL;
	}
	for (k = 0; k < TERN_LOOP_KIND_COUNT; k++) {
		if (loop_add_array(d, loop_names[k], &h[k]) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "%s_max_ns", loop_names[k]);
		rte_tel_data_add_dict_u64(d, name, h[k].max_ns);
	}
	return 0;
}

int
tern_telemetry_register(void)
{
	int rc = rte_telemetry_register_cmd("/tern/stats", tel_stats,
		"Counters of every tern stack, summed. Parameters: optional counter name");

	if (rc == 0)
		rc = rte_telemetry_register_cmd("/tern/stats/desc", tel_desc,
			"Descriptions of tern's counters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/tern/lcores", tel_lcores,
			"Counters per lcore: {lcore: {name: value}}, non-zero ones. "
			"Parameters: optional counter name (then that one, zero or not)");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/tern/loop", tel_loop,
			/* DPDK refuses help texts of 128 bytes or more */
			"Loop-gap histograms gap_idle, gap_busy, work (log2 us buckets), summed. "
			"Parameters: optional lcore id");
	if (rc == 0)
		rc = stack_stat_register();
	return rc;
}
