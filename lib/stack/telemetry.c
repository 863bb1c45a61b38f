/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Counter readout: per stack, summed over every registered stack, as JSON,
 * and through DPDK telemetry (/tern/stats, /tern/stats/desc); per lcore
 * (one object per registered stack) as JSON and as /tern/lcores, so the
 * spread over lcores shows. The socket listing (/tern/conns) is
 * stack_stat.c's. Stacks are found through the registry memzone,
 * so neither this file nor a secondary process needs a global. Called from
 * apps and the telemetry thread; reads are racy snapshots of per-lcore
 * counters, as is usual.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
	const char *sep = "";
	unsigned int id;

	fputc('{', f);
	for (id = 1; id < CTR_COUNT; id++) {
		uint64_t v = sum_id(id);

		if (v == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, sep, ctr_name(id), v);
		sep = ", ";
	}
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
		const char *sep = "";

		if (s == NULL)
			continue;
		fprintf(f, "%s\"%u\": {", lsep, l);
		for (id = 1; id < CTR_COUNT; id++) {
			if (s->ctr[id] == 0)
				continue;
			fprintf(f, "%s\"%s\": %" PRIu64, sep, ctr_name(id), s->ctr[id]);
			sep = ", ";
		}
		fputc('}', f);
		lsep = ", ";
	}
	fputs("}\n", f);
}

unsigned int
tern_stats_write_lcore_members(FILE *f, int first)
{
	unsigned int l, id, n = 0;

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
		rc = stack_stat_register();
	return rc;
}
