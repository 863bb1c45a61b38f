/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The socket listing; see stat_conns.h. Field positions come from the
 * process (/tern/conns without parameters: field, state and algorithm
 * names), so tern-stat reads any tern that has the command. States print
 * with the textbook's names (ESTABLISHED, FIN_WAIT_1 ...); a bound UDP
 * socket is UNCONN, as in ss.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat_conns.h"

#define FLAG_INFO 0x1u			/* /tern/conns flags */
#define FLAG_TCP 0x2u
#define FLAG_UDP 0x4u
#define ST_LISTEN_BIT (1u << 1)	/* enum tern_tcp_state LISTEN */
#define ST_UNCONN_BIT (1u << 0)	/* UDP entries carry state 0 */

struct meta {
	json_t *j;
	json_t *fields;
	json_t *states;
	json_t *cc;
	size_t brief;
};

static int
meta_load(struct stat_tel *t, struct meta *m)
{
	m->j = stat_tel_cmd(t, "/tern/conns");
	if (m->j == NULL)
		return -1;
	m->fields = json_object_get(m->j, "fields");
	m->states = json_object_get(m->j, "states");
	m->cc = json_object_get(m->j, "cc");
	m->brief = (size_t)json_integer_value(json_object_get(m->j, "brief_fields"));
	if (!json_is_array(m->fields) || !json_is_array(m->states) || m->brief == 0) {
		fprintf(stderr, "tern-stat: /tern/conns: unexpected answer\n");
		json_decref(m->j);
		return -1;
	}
	return 0;
}

/* The textbook name: "FIN-WAIT-1" -> "FIN_WAIT_1". */
static void
state_text(const struct meta *m, json_int_t proto, json_int_t st, char *out, size_t len)
{
	const char *s = json_string_value(json_array_get(m->states, (size_t)st));
	size_t i;

	snprintf(out, len, "%s", proto == 17 ? "UNCONN" : s != NULL ? s : "?");
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '-')
			out[i] = '_';
}

/* --state names (either spelling, any case) into a mask. */
static int
state_mask(const struct meta *m, const char *arg, uint32_t *mask)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char name[32], want[32];
		size_t st, i;
		bool found = false;

		for (i = 0; tok[i] != '\0' && i + 1 < sizeof(want); i++)
			want[i] = (char)(tok[i] == '-' ? '_' : toupper((unsigned char)tok[i]));
		want[i] = '\0';
		if (strcmp(want, "UNCONN") == 0) {
			*mask |= ST_UNCONN_BIT;
			continue;
		}
		for (st = 1; st < json_array_size(m->states) && !found; st++) {
			state_text(m, 6, (json_int_t)st, name, sizeof(name));
			if (strcmp(name, want) == 0) {
				*mask |= 1u << st;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "tern-stat: --state: unknown state '%s'\n", tok);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

static uint32_t
request_states(const struct meta *m, const struct stat_opts *o)
{
	uint32_t all = (1u << json_array_size(m->states)) - 1;

	if (o->listening)
		return ST_LISTEN_BIT | ST_UNCONN_BIT;
	if (o->all)
		return 0;
	return all & ~(ST_LISTEN_BIT | ST_UNCONN_BIT);	/* netstat: connections */
}

static void
addr_text(json_int_t a, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u", (unsigned int)(a >> 24) & 255,
		 (unsigned int)(a >> 16) & 255, (unsigned int)(a >> 8) & 255,
		 (unsigned int)a & 255);
}

static json_t *
row_info(const struct meta *m, const json_t *v)
{
	json_t *info = json_object();
	size_t f;

	for (f = m->brief; f < json_array_size(v) && f < json_array_size(m->fields); f++)
		json_object_set(info, json_string_value(json_array_get(m->fields, f)),
				json_array_get(v, f));
	json_object_set_new(info, "cc_name", json_string(json_string_value(
		json_array_get(m->cc, (size_t)json_integer_value(json_object_get(info, "cc"))))));
	return info;
}

/* One entry (an array in field order) as a JSON object. */
static json_t *
row_of(const struct meta *m, unsigned int lcore, const json_t *v, bool info)
{
	json_int_t proto = json_integer_value(json_array_get(v, 0));
	char st[32], la[16], ra[16];
	json_t *r;

	state_text(m, proto, json_integer_value(json_array_get(v, 1)), st, sizeof(st));
	addr_text(json_integer_value(json_array_get(v, 2)), la, sizeof(la));
	addr_text(json_integer_value(json_array_get(v, 4)), ra, sizeof(ra));
	r = json_pack("{s:s, s:i, s:s, s:s, s:O, s:s, s:O, s:O, s:O}",
		      "proto", proto == 17 ? "udp" : "tcp", "lcore", (json_int_t)lcore,
		      "state", st, "local_addr", la, "local_port", json_array_get(v, 3),
		      "remote_addr", ra, "remote_port", json_array_get(v, 5),
		      "recv_q", json_array_get(v, 7), "send_q", json_array_get(v, 6));
	/* a listener has no connection state and TIME-WAIT only a record
	 * (addresses, timer): the stack sends zeros for their internals */
	if (r != NULL && info && proto == 6 && strcmp(st, "LISTEN") != 0 &&
	    strcmp(st, "TIME_WAIT") != 0)
		json_object_set_new(r, "info", row_info(m, v));
	return r;
}

/* Every page of one lcore into `rows`: 0, or -1 with the error in `errors`. */
static int
collect_lcore(struct stat_tel *t, const struct meta *m, const struct stat_opts *o,
	      unsigned int lcore, uint32_t states, json_t *rows, json_t *errors)
{
	unsigned int flags = (o->info ? FLAG_INFO : 0) | (o->tcp ? FLAG_TCP : 0) |
			     (o->udp ? FLAG_UDP : 0);
	json_int_t cursor = 0;
	char cmd[128];

	for (;;) {
		json_t *pg, *err;
		json_int_t n, k;

		snprintf(cmd, sizeof(cmd), "/tern/conns,%u,%lld,%u,%u,%u", lcore,
			 (long long)cursor, flags, states, o->port);
		pg = stat_tel_cmd(t, cmd);
		if (pg == NULL)
			return json_array_append_new(errors, json_sprintf(
				"lcore %u: no answer from the process", lcore)), -1;
		err = json_object_get(pg, "error");
		if (err != NULL) {
			fprintf(stderr, "tern-stat: %s\n", json_string_value(err));
			json_array_append(errors, err);
			json_decref(pg);
			return -1;
		}
		n = json_integer_value(json_object_get(pg, "n"));
		for (k = 0; k < n; k++) {
			char key[24];

			snprintf(key, sizeof(key), "%lld", (long long)k);
			json_array_append_new(rows, row_of(m, lcore, json_object_get(pg, key),
							   o->info));
		}
		cursor = json_integer_value(json_object_get(pg, "next"));
		k = json_integer_value(json_object_get(pg, "done"));
		json_decref(pg);
		if (k != 0)
			return 0;
	}
}

json_t *
stat_conns_collect(struct stat_tel *t, const struct stat_opts *o)
{
	json_t *rows, *errors, *lc;
	struct meta m;
	uint32_t states;
	size_t i;

	if (meta_load(t, &m) != 0)
		return NULL;
	states = request_states(&m, o);
	if (o->state_arg != NULL && state_mask(&m, o->state_arg, &states) != 0) {
		json_decref(m.j);
		return NULL;
	}
	rows = json_array();
	errors = json_array();
	json_array_foreach(json_object_get(m.j, "lcores"), i, lc) {
		unsigned int l = (unsigned int)json_integer_value(lc);

		if (o->lcore < 0 || (unsigned int)o->lcore == l)
			collect_lcore(t, &m, o, l, states, rows, errors);
	}
	json_decref(m.j);
	return json_pack("{s:o, s:o}", "connections", rows, "errors", errors);
}

static json_int_t
ival(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
print_info(const json_t *in)
{
	static const char *const opt_names[] = { "sack", "ts", "wscale", "nodelay" };
	static const char *const rec_names[] = { "none", "newreno", "sack" };
	json_int_t opts = ival(in, "options"), rec = ival(in, "recovery");
	char ssth[16] = "-";
	unsigned int b;

	if (ival(in, "ssthresh") < 0xffffffffLL)
		snprintf(ssth, sizeof(ssth), "%lld", (long long)ival(in, "ssthresh"));
	printf("\t %s wscale:%lld,%lld rto:%.0f rtt:%.3f/%.3f mss:%lld peer_mss:%lld "
	       "cwnd:%lld ssthresh:%s snd_wnd:%lld rcv_wnd:%lld\n",
	       json_string_value(json_object_get(in, "cc_name")),
	       (long long)ival(in, "snd_wscale"), (long long)ival(in, "rcv_wscale"),
	       ival(in, "rto_us") / 1000.0, ival(in, "srtt_us") / 1000.0,
	       ival(in, "rttvar_us") / 1000.0, (long long)ival(in, "mss"),
	       (long long)ival(in, "peer_mss"), (long long)ival(in, "cwnd"), ssth,
	       (long long)ival(in, "snd_wnd"), (long long)ival(in, "rcv_wnd"));
	printf("\t bytes_acked:%lld bytes_received:%lld inflight:%lld unsent:%lld "
	       "sacked:%lld pipe:%lld retries:%lld backoff:%lld dupacks:%lld recovery:%s "
	       "lastrcv:%lld lastsnd:%lld opts:",
	       (long long)ival(in, "bytes_acked"), (long long)ival(in, "bytes_received"),
	       (long long)ival(in, "inflight"), (long long)ival(in, "unsent"),
	       (long long)ival(in, "sacked"), (long long)ival(in, "pipe"),
	       (long long)ival(in, "retries"), (long long)ival(in, "backoff"),
	       (long long)ival(in, "dupacks"), rec >= 0 && rec < 3 ? rec_names[rec] : "?",
	       (long long)ival(in, "last_rx_ms"), (long long)ival(in, "last_tx_ms"));
	for (b = 0; b < 4; b++)
		if (opts & (1 << b))
			printf("%s%s", opts & ((1 << b) - 1) ? "," : "", opt_names[b]);
	printf("%s\n", opts == 0 ? "-" : "");
}

void
stat_conns_print(const json_t *list, const struct stat_opts *o)
{
	const json_t *r;
	size_t i;

	if (o->json) {
		json_dumpf(list, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		return;
	}
	printf("%-5s %5s %7s %7s %-21s %-21s %s\n", "Proto", "Lcore", "Recv-Q", "Send-Q",
	       "Local Address", "Foreign Address", "State");
	json_array_foreach(json_object_get(list, "connections"), i, r) {
		char la[32], ra[32];

		snprintf(la, sizeof(la), "%s:%lld",
			 json_string_value(json_object_get(r, "local_addr")),
			 (long long)ival(r, "local_port"));
		if (ival(r, "remote_port") == 0)
			snprintf(ra, sizeof(ra), "0.0.0.0:*");
		else
			snprintf(ra, sizeof(ra), "%s:%lld",
				 json_string_value(json_object_get(r, "remote_addr")),
				 (long long)ival(r, "remote_port"));
		printf("%-5s %5lld %7lld %7lld %-21s %-21s %s\n",
		       json_string_value(json_object_get(r, "proto")), (long long)ival(r, "lcore"),
		       (long long)ival(r, "recv_q"), (long long)ival(r, "send_q"), la, ra,
		       json_string_value(json_object_get(r, "state")));
		if (json_object_get(r, "info") != NULL)
			print_info(json_object_get(r, "info"));
	}
}
