/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Socket listings for tern-stat over DPDK telemetry (/tern/conns), through
 * each stack's mailbox (core/stack_mbox.h). Two halves:
 *   the stack's: stack_mbox_serve(), called by the loop (stack_poll.c)
 *   between iterations when a request is pending; it walks listeners,
 *   TCBs and UDP sockets (tcp/tcp_list.c, udp/udp_list.c) into one page;
 *   the requester's: the telemetry callback, in DPDK's telemetry thread,
 *   posts a request, waits (bounded) for the page and encodes it. It never
 *   reads a TCB itself.
 * /tern/conns with no parameters describes the answers (lcores, field
 * names, state and algorithm names, page sizes); with
 * "<lcore>,<cursor>[,<flags>[,<states>[,<port>]]]" it answers one page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <tern/stats.h>
#include <tern/tcp.h>

#include "core/stack_private.h"
#include "stack/stack_loop.h"
#include "tcp/cc/cc.h"
#include "tcp/tcp_private.h"
#include "udp/udp_private.h"

#define STAT_WAIT_NS (200ull * 1000 * 1000)	/* a stack that does not answer */
#define STAT_NAP_NS (20ull * 1000)
#define TEL_MAX_OUTPUT 16384u			/* DPDK 22.11 telemetry's answer */

/* Request flags (third parameter). */
#define STAT_FLAG_INFO 0x1u
#define STAT_FLAG_TCP 0x2u
#define STAT_FLAG_UDP 0x4u

/* Field names, in enum stat_field order: the answer's layout. */
static const char *const field_names[STAT_F_COUNT] = {
	[STAT_F_PROTO] = "proto",
	[STAT_F_STATE] = "state",
	[STAT_F_LADDR] = "local_addr",
	[STAT_F_LPORT] = "local_port",
	[STAT_F_RADDR] = "remote_addr",
	[STAT_F_RPORT] = "remote_port",
	[STAT_F_SENDQ] = "send_q",
	[STAT_F_RECVQ] = "recv_q",
	[STAT_F_MSS] = "mss",
	[STAT_F_PEER_MSS] = "peer_mss",
	[STAT_F_CWND] = "cwnd",
	[STAT_F_SSTHRESH] = "ssthresh",
	[STAT_F_SND_WND] = "snd_wnd",
	[STAT_F_RCV_WND] = "rcv_wnd",
	[STAT_F_SND_WSCALE] = "snd_wscale",
	[STAT_F_RCV_WSCALE] = "rcv_wscale",
	[STAT_F_OPTIONS] = "options",
	[STAT_F_SRTT_US] = "srtt_us",
	[STAT_F_RTTVAR_US] = "rttvar_us",
	[STAT_F_RTO_US] = "rto_us",
	[STAT_F_INFLIGHT] = "inflight",
	[STAT_F_UNSENT] = "unsent",
	[STAT_F_SACKED] = "sacked",
	[STAT_F_PIPE] = "pipe",
	[STAT_F_RETRIES] = "retries",
	[STAT_F_BACKOFF] = "backoff",
	[STAT_F_DUPACKS] = "dupacks",
	[STAT_F_RECOVERY] = "recovery",
	[STAT_F_CC] = "cc",
	[STAT_F_BYTES_ACKED] = "bytes_acked",
	[STAT_F_BYTES_RECEIVED] = "bytes_received",
	[STAT_F_LAST_RX_MS] = "last_rx_ms",
	[STAT_F_LAST_TX_MS] = "last_tx_ms",
	[STAT_F_RCVBUF] = "rcvbuf",
	[STAT_F_SNDBUF] = "sndbuf",
};

/* Worst case of a page: every value 10 digits (all fit 32 bits) and a
 * comma, the key and brackets, plus the header members. */
#define ENTRY_JSON_MAX(nf) ((nf) * 11u + 10u)
_Static_assert(STAT_PAGE_INFO * ENTRY_JSON_MAX(STAT_F_COUNT) + 512 <= TEL_MAX_OUTPUT,
	       "a page of internals must fit one telemetry answer");
_Static_assert(STAT_PAGE_BRIEF * ENTRY_JSON_MAX(STAT_F_BRIEF_COUNT) + 512 <= TEL_MAX_OUTPUT,
	       "a brief page must fit one telemetry answer");
_Static_assert(STAT_PAGE_MAX + 8 <= RTE_TEL_MAX_DICT_ENTRIES,
	       "a page is one dict: entries plus header members");

/* DPDK refuses a command whose help is RTE_TEL_MAX_STRING_LEN or longer */
#define CONNS_HELP "Sockets of a stack (tern-stat). Params: none (layout) or " \
	"lcore,cursor[,flags[,states[,port]]]"
_Static_assert(sizeof(CONNS_HELP) < RTE_TEL_MAX_STRING_LEN, "help text too long");

/* ---- the stack's half: on its lcore, between iterations ---- */

static bool
walk(const struct tern_stack *s, const struct stat_req *req, struct stat_page *pg,
     unsigned int kind, uint32_t *pos, uint32_t *budget)
{
	switch (kind) {
	case STAT_WALK_LISTEN:
		return tcp_list_listeners(s, req, pg, pos, budget);
	case STAT_WALK_TCB:
		return tcp_list_conns(s, req, pg, pos, budget);
	default:
		return udp_list_socks(s, req, pg, pos, budget);
	}
}

void
stack_mbox_serve(struct tern_stack *s)
{
	struct stack_mbox *mb = &s->mbox;
	uint32_t seq = __atomic_load_n(&mb->req_seq, __ATOMIC_ACQUIRE);
	struct stat_req req = mb->req;
	struct stat_page *pg = &mb->page;
	unsigned int kind = (unsigned int)(req.cursor >> 32);
	uint32_t pos = (uint32_t)req.cursor, budget = STAT_SCAN_BUDGET;

	pg->n = 0;
	pg->now_ns = s->now_ns;
	if (req.max > STAT_PAGE_MAX)
		req.max = STAT_PAGE_MAX;
	while (kind < STAT_WALK_COUNT && walk(s, &req, pg, kind, &pos, &budget)) {
		kind++;
		pos = 0;
	}
	pg->next = kind >= STAT_WALK_COUNT ? STAT_CURSOR_END :
		   ((uint64_t)kind << 32) | pos;
	__atomic_store_n(&mb->done_seq, seq, __ATOMIC_RELEASE);
}

/* ---- the requester's half: DPDK's telemetry thread ---- */

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
nap(void)
{
	struct timespec ts = { 0, (long)STAT_NAP_NS };

	nanosleep(&ts, NULL);
}

/* Wait until the stack has answered request `seq`, or the deadline. */
static bool
answered(const struct stack_mbox *mb, uint32_t seq, uint64_t deadline_ns)
{
	for (;;) {
		if (__atomic_load_n(&mb->done_seq, __ATOMIC_ACQUIRE) == seq)
			return true;
		if (mono_ns() >= deadline_ns)
			return false;
		nap();
	}
}

/* One page from stack `s` into `out`: 0, -EBUSY (another requester held
 * the mailbox past the deadline) or -ETIMEDOUT (the stack did not answer:
 * its lcore is not polling). A request left unanswered stays posted; the
 * next requester first waits for it, so a late answer never overwrites a
 * newer request. */
static int
mbox_request(struct tern_stack *s, const struct stat_req *req, struct stat_page *out)
{
	struct stack_mbox *mb = &s->mbox;
	uint64_t deadline = mono_ns() + STAT_WAIT_NS;
	uint32_t zero = 0, seq;
	int rc = 0;

	while (!__atomic_compare_exchange_n(&mb->busy, &zero, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		if (mono_ns() >= deadline)
			return -EBUSY;
		zero = 0;
		nap();
	}
	seq = mb->req_seq;
	if (!answered(mb, seq, deadline)) {
		rc = -ETIMEDOUT;	/* still busy with (or not polling for) the last one */
		goto out;
	}
	mb->req = *req;
	__atomic_store_n(&mb->req_seq, seq + 1, __ATOMIC_RELEASE);
	if (!answered(mb, seq + 1, deadline)) {
		rc = -ETIMEDOUT;
		goto out;
	}
	out->next = mb->page.next;
	out->now_ns = mb->page.now_ns;
	out->n = RTE_MIN(mb->page.n, (uint32_t)STAT_PAGE_MAX);
	memcpy(out->e, mb->page.e, out->n * sizeof(out->e[0]));
out:
	__atomic_store_n(&mb->busy, 0, __ATOMIC_RELEASE);
	return rc;
}

bool
stack_mbox_idle(struct tern_stack *s)
{
	return __atomic_load_n(&s->mbox.busy, __ATOMIC_ACQUIRE) == 0;
}

static int
add_strings(struct rte_tel_data *d, const char *key, const char *(*name)(unsigned int),
	    unsigned int n)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	unsigned int i;

	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (i = 0; i < n; i++)
		rte_tel_data_add_array_string(a, name(i));
	if (rte_tel_data_add_dict_container(d, key, a, 0) != 0) {
		rte_tel_data_free(a);
		return -ENOMEM;
	}
	return 0;
}

static const char *
field_name(unsigned int i)
{
	return field_names[i];
}

static const char *
cc_name(unsigned int i)
{
	return tcp_cc_ops_get(i)->name;
}

static const char *
state_name(unsigned int i)
{
	return tcp_state_name(i);
}

static int
tel_meta(struct rte_tel_data *d)
{
	struct rte_tel_data *lc = rte_tel_data_alloc();
	unsigned int l;

	if (lc == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_start_array(lc, RTE_TEL_U64_VAL);
	for (l = 0; l < RTE_MAX_LCORE; l++)
		if (stack_registry_get(l) != NULL)
			rte_tel_data_add_array_u64(lc, l);
	if (rte_tel_data_add_dict_container(d, "lcores", lc, 0) != 0) {
		rte_tel_data_free(lc);
		return -ENOMEM;
	}
	rte_tel_data_add_dict_u64(d, "brief_fields", STAT_F_BRIEF_COUNT);
	rte_tel_data_add_dict_u64(d, "page_brief", STAT_PAGE_BRIEF);
	rte_tel_data_add_dict_u64(d, "page_info", STAT_PAGE_INFO);
	if (add_strings(d, "fields", field_name, STAT_F_COUNT) != 0 ||
	    add_strings(d, "states", state_name, TCP_ST_COUNT) != 0 ||
	    add_strings(d, "cc", cc_name, TCP_CC_COUNT) != 0)
		return -ENOMEM;
	return 0;
}

static int
tel_error(struct rte_tel_data *d, unsigned int lcore, const char *what)
{
	char msg[RTE_TEL_MAX_STRING_LEN];

	snprintf(msg, sizeof(msg), "lcore %u: %s", lcore, what);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", lcore);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* "<lcore>,<cursor>[,<flags>[,<states>[,<port>]]]" into a request. */
static int
parse_params(const char *params, unsigned int *lcore, struct stat_req *req)
{
	unsigned long long v[5] = { 0, 0, 0, 0, 0 };
	const char *p = params;
	unsigned int n;
	char *end;

	for (n = 0; n < RTE_DIM(v); n++) {
		v[n] = strtoull(p, &end, 0);
		if (end == p)
			return -EINVAL;
		p = end;
		if (*p != ',')
			break;
		p++;
	}
	if (*p != '\0' || n < 1 || v[0] >= RTE_MAX_LCORE || v[3] > UINT32_MAX ||
	    v[4] > UINT16_MAX)
		return -EINVAL;
	*lcore = (unsigned int)v[0];
	memset(req, 0, sizeof(*req));
	req->cursor = v[1];
	req->info = (v[2] & STAT_FLAG_INFO) != 0;
	req->max = req->info ? STAT_PAGE_INFO : STAT_PAGE_BRIEF;
	req->protos = (uint8_t)(((v[2] & STAT_FLAG_TCP) ? STAT_PROTO_TCP : 0) |
				((v[2] & STAT_FLAG_UDP) ? STAT_PROTO_UDP : 0));
	req->states = (uint32_t)v[3];
	req->port = (uint16_t)v[4];
	return 0;
}

static int
add_entry(struct rte_tel_data *d, unsigned int k, const struct stat_entry *e,
	  unsigned int nf)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	char key[12];
	unsigned int f;

	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (f = 0; f < nf; f++)
		rte_tel_data_add_array_u64(a, RTE_MIN(e->v[f], (uint64_t)UINT32_MAX));
	snprintf(key, sizeof(key), "%u", k);
	if (rte_tel_data_add_dict_container(d, key, a, 0) != 0) {
		rte_tel_data_free(a);
		return -ENOMEM;
	}
	return 0;
}

static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct stat_page *pg;
	struct tern_stack *s;
	struct stat_req req;
	unsigned int lcore, k, nf;
	int rc;

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return tel_meta(d);
	if (parse_params(params, &lcore, &req) != 0)
		return tel_error(d, 0, "bad parameters: expected "
				 "<lcore>,<cursor>[,<flags>[,<states>[,<port>]]]");
	s = stack_registry_get(lcore);
	if (s == NULL)
		return tel_error(d, lcore, "no tern stack");
	pg = malloc(sizeof(*pg));
	if (pg == NULL)
		return -ENOMEM;
	rc = mbox_request(s, &req, pg);
	if (rc != 0) {
		free(pg);
		return tel_error(d, lcore, rc == -EBUSY ? "mailbox busy (another request)" :
				 "no answer within 200 ms (the lcore is not polling)");
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", lcore);
	rte_tel_data_add_dict_u64(d, "next", pg->next);
	rte_tel_data_add_dict_u64(d, "done", pg->next == STAT_CURSOR_END);
	rte_tel_data_add_dict_u64(d, "now_ms", pg->now_ns / 1000000);
	rte_tel_data_add_dict_u64(d, "n", pg->n);
	nf = req.info ? STAT_F_COUNT : STAT_F_BRIEF_COUNT;
	for (k = 0, rc = 0; k < pg->n && rc == 0; k++)
		rc = add_entry(d, k, &pg->e[k], nf);
	free(pg);
	return rc;
}

int
stack_stat_register(void)
{
	return rte_telemetry_register_cmd("/tern/conns", tel_conns, CONNS_HELP);
}
