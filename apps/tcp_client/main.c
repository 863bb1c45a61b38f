/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-tcp-client: a small example of an active-open TCP app on libtern,
 * also used by the interop tests. Opens --conns connections to --connect,
 * streams --bytes of seeded pseudo-random data on each (zero copy from the
 * app's mbufs), half-closes, reads everything the peer sends until its FIN
 * and prints, per connection, the bytes and SHA-256 of both directions.
 * --source does no per-byte work, to measure TCP rather than this app: every
 * chunk sent is an indirect mbuf attached to one prebuilt 63712-byte buffer
 * (the stack's send queue and its segments reference it, never copy it),
 * and received bytes are only counted. --duration stops sending after that
 * long (then half-closes as usual). The last line gives the bytes moved
 * between the first connect and the last close, and the rate.
 * Exit status 0 when every connection ended in an orderly close (and, with
 * --expect-echo, received exactly what it sent), 1 otherwise, 2 on usage
 * (options are parsed before the EAL starts: client_opts.c).
 *
 * --trace FILE writes a timeline of each connection's cwnd, ssthresh,
 * windows, bytes in flight, RTT and recovery (trace.c).
 *
 * One stack per lcore of the EAL's list (one queue each on the port), as
 * tern-echo: the connections are spread evenly, the first ones on the main
 * lcore (the only one that traces). An lcore done with its share keeps
 * polling until every lcore is done, so frames of other lcores' flows that
 * land on its queue keep being handed over.
 *
 * usage: tern-tcp-client [EAL options] -- --ip A.B.C.D/N [--gw G]
 *        --connect A.B.C.D:PORT [--bytes N] [--conns C] [--timeout S]
 *        [--source] [--duration S] [--expect-echo] [--port ID]
 *        [--config FILE] [--stats FILE] [--trace FILE] [--trace-us N]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <sodium.h>

#include <tern/tern.h>

#include "../common/cli.h"
#include "../common/startup.h"
#include "client_opts.h"
#include "trace.h"

#define CHUNK 1448u
/* --source: 44 full-sized segments per command, below the 16-bit data_len */
#define SRC_CHUNK (44u * 1448u)
/* The source buffer's reference count is 16 bits wide: stop attaching new
 * chunks well before it could wrap (segments in flight hold references too). */
#define SRC_REF_LIMIT 60000u
#define EV_BURST 64

struct conn {
	uint64_t handle;
	int state;			/* 0 connecting, 1 open, 2 closed */
	int status;
	uint64_t sent;
	uint64_t rcvd;
	uint64_t rng;
	int blocked;
	uint64_t lost;			/* bytes of sends the stack rejected for good */
	int fin_sent;
	int peer_fin;
	uint64_t open_ns;		/* when CONNECTED came */
	struct rte_mbuf *pending;	/* refused chunk, sent again on WRITABLE */
	crypto_hash_sha256_state tx;
	crypto_hash_sha256_state rx;
};

/* One lcore's share: conns[first .. first + n - 1] on its own stack. */
struct client_lcore {
	struct tern_stack *s;
	struct tern_chan *c;
	uint32_t first, n;
	uint32_t done;			/* of its connections, closed */
	uint64_t t_first_ns, t_last_ns;	/* its first CONNECTED, last CLOSED */
};

/* App globals live in main.c only. */
static volatile int quit;
static struct client_opts opts;
static struct client_lcore lcores[RTE_MAX_LCORE];
static uint32_t lcores_done;		/* lcores with every connection closed (atomic) */
static struct app_env env;		/* EAL, pool, ports, stacks, capture */
static struct rte_mempool *src_pool;
static struct rte_mbuf *src;		/* --source: the one buffer every chunk shares */
static struct conn *conns;
static struct trace *trace;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* xorshift64*: the same seed gives the same stream on every run. */
static uint8_t
next_byte(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint8_t)((*x * 2685821657736338717ull) >> 56);
}

/* --source: the shared buffer, filled once from the PRNG (its content does
 * not matter; it is never looked at again). Returns 0 or -1. */
static int
source_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t *p;
	uint32_t i;

	src_pool = rte_pktmbuf_pool_create("client_src", 1, 0, 0,
					   RTE_PKTMBUF_HEADROOM + SRC_CHUNK, rte_socket_id());
	src = src_pool != NULL ? rte_pktmbuf_alloc(src_pool) : NULL;
	if (src == NULL)
		return -1;
	p = (uint8_t *)rte_pktmbuf_append(src, SRC_CHUNK);
	for (i = 0; i < SRC_CHUNK; i++)
		p[i] = next_byte(&x);
	return 0;
}

/* --source: the next chunk is an indirect mbuf on the shared buffer, no
 * per-byte work; NULL when the pool is empty or the buffer's reference
 * count is near its limit (retried on the next loop iteration). */
static struct rte_mbuf *
source_chunk(struct conn *k)
{
	uint64_t left = opts.bytes - k->sent;
	uint16_t n = (uint16_t)(left < SRC_CHUNK ? left : SRC_CHUNK);
	struct rte_mbuf *m;

	if (rte_mbuf_refcnt_read(src) >= SRC_REF_LIMIT)
		return NULL;
	m = rte_pktmbuf_alloc(env.pool);
	if (m == NULL)
		return NULL;
	rte_pktmbuf_attach(m, src);
	m->data_len = n;
	m->pkt_len = n;
	k->sent += n;
	return m;
}

static struct rte_mbuf *
make_chunk(struct conn *k)
{
	uint64_t left = opts.bytes - k->sent;
	uint16_t n = (uint16_t)(left < CHUNK ? left : CHUNK), i;
	struct rte_mbuf *m;
	uint8_t *p;

	if (opts.source)
		return source_chunk(k);
	m = rte_pktmbuf_alloc(env.pool);
	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, n);
	for (i = 0; i < n; i++)
		p[i] = next_byte(&k->rng);
	crypto_hash_sha256_update(&k->tx, p, n);
	k->sent += n;
	return m;
}

/* Nothing more to generate: --bytes reached, or --duration over. */
static int
conn_sent_all(const struct conn *k, uint64_t now)
{
	return k->sent == opts.bytes ||
	       (opts.duration_s > 0 && now - k->open_ns >= (uint64_t)(opts.duration_s * 1e9));
}

static void
pump(struct tern_chan *c, struct conn *k, uint64_t now)
{
	/* At most half the send buffer between two polls: the stack takes up
	 * to twice tcp.sndbuf before refusing, so sends issued before we see
	 * TERN_EV_TCP_FULL still fit, and no refused chunk can be on its way
	 * back when we half-close (a send after the FIN would be lost). */
	uint64_t budget = RTE_MAX(opts.cfg.tcp_sndbuf / 2, CHUNK);
	int n = 64;

	while (k->state == 1 && !k->blocked && budget > 0 && n-- > 0) {
		struct rte_mbuf *m = k->pending;

		if (m == NULL && conn_sent_all(k, now)) {
			if (!k->fin_sent && tern_tcp_shutdown(c, k->handle) == 0)
				k->fin_sent = 1;
			return;
		}
		if (m == NULL)
			m = make_chunk(k);
		if (m == NULL)
			return;
		k->pending = NULL;
		if (tern_tcp_send(c, k->handle, m) != 0) {
			k->pending = m;
			return;
		}
		budget -= RTE_MIN(budget, (uint64_t)rte_pktmbuf_pkt_len(m));
	}
}

static struct conn *
conn_of(const struct tern_event *ev)
{
	return ev->cookie < opts.nconns ? &conns[ev->cookie] : NULL;
}

static void
on_event(struct client_lcore *l, const struct tern_event *ev, uint64_t now)
{
	struct tern_chan *c = l->c;
	struct conn *k = conn_of(ev);

	if (k == NULL) {
		rte_pktmbuf_free(ev->m);
		return;
	}
	switch (ev->type) {
	case TERN_EV_TCP_CONNECTED:
		k->handle = ev->handle;
		k->state = 1;
		k->open_ns = now;
		if (l->t_first_ns == 0)
			l->t_first_ns = now;
		break;
	case TERN_EV_TCP_DATA: {
		const struct rte_mbuf *seg;

		for (seg = ev->m; !opts.source && seg != NULL; seg = seg->next)
			crypto_hash_sha256_update(&k->rx, rte_pktmbuf_mtod(seg, const uint8_t *),
						  seg->data_len);
		k->rcvd += ev->len;
		rte_pktmbuf_free(ev->m);
		tern_tcp_recvd(c, ev->handle, ev->len);
		break;
	}
	case TERN_EV_CMD_ERROR:
		if (ev->status == -ENOBUFS && ev->m != NULL) {
			/* refused for space: it comes back, newest last */
			if (k->pending == NULL)
				k->pending = ev->m;
			else
				rte_pktmbuf_chain(k->pending, ev->m);
			k->blocked = 1;
		} else if (ev->m != NULL) {
			/* data the stack will never send: the run has failed */
			k->lost += rte_pktmbuf_pkt_len(ev->m);
			rte_pktmbuf_free(ev->m);
		}
		break;
	case TERN_EV_TCP_FULL:
		k->blocked = 1;
		break;
	case TERN_EV_TCP_WRITABLE:
		k->blocked = 0;
		break;
	case TERN_EV_TCP_PEER_CLOSED:
		k->peer_fin = 1;
		break;
	case TERN_EV_TCP_CLOSED:
		k->state = 2;
		k->status = ev->status;
		l->t_last_ns = now;
		l->done++;
		break;
	default:
		rte_pktmbuf_free(ev->m);
		break;
	}
}

/* One connection's line; returns whether it is good. --source hashes
 * nothing, so an echo is checked by its length only. */
static int
report_conn(uint32_t i, struct conn *k)
{
	unsigned char tx[32], rx[32];
	char txh[65], rxh[65];
	int good, same;

	crypto_hash_sha256_final(&k->tx, tx);
	crypto_hash_sha256_final(&k->rx, rx);
	sodium_bin2hex(txh, sizeof(txh), tx, 32);
	sodium_bin2hex(rxh, sizeof(rxh), rx, 32);
	same = k->rcvd == k->sent && (opts.source || memcmp(tx, rx, 32) == 0);
	good = k->state == 2 && k->status == 0 && k->lost == 0 &&
	       (k->sent == opts.bytes || opts.duration_s > 0) &&
	       (!opts.expect_echo || same);
	if (opts.nconns > 16 && good)
		return good;
	if (k->lost != 0)
		printf("conn %u: the stack rejected %" PRIu64 " bytes of sends\n", i, k->lost);
	if (opts.source)
		printf("conn %u: %s status %d sent %" PRIu64 " rcvd %" PRIu64 " (source)\n",
		       i, good ? "ok" : "FAILED", k->status, k->sent, k->rcvd);
	else
		printf("conn %u: %s status %d sent %" PRIu64 " sha256 %s rcvd %" PRIu64
		       " sha256 %s\n", i, good ? "ok" : "FAILED", k->status, k->sent,
		       txh, k->rcvd, rxh);
	return good;
}

static int
report(void)
{
	uint64_t sent = 0, rcvd = 0, t_first_ns = UINT64_MAX, t_last_ns = 0;
	unsigned int lc;
	double secs;
	uint32_t i, ok = 0;

	RTE_LCORE_FOREACH(lc) {
		if (lcores[lc].t_first_ns != 0)
			t_first_ns = RTE_MIN(t_first_ns, lcores[lc].t_first_ns);
		t_last_ns = RTE_MAX(t_last_ns, lcores[lc].t_last_ns);
	}

	for (i = 0; i < opts.nconns; i++) {
		ok += report_conn(i, &conns[i]);
		sent += conns[i].sent;
		rcvd += conns[i].rcvd;
		rte_pktmbuf_free(conns[i].pending);
		conns[i].pending = NULL;
	}
	secs = t_last_ns > t_first_ns ? (double)(t_last_ns - t_first_ns) / 1e9 : 0;
	printf("tern-tcp-client: sent %" PRIu64 " rcvd %" PRIu64 " bytes in %.6f s "
	       "(first connect to last close): %.3f Gbit/s sent\n", sent, rcvd, secs,
	       secs > 0 ? (double)sent * 8 / secs / 1e9 : 0.0);
	printf("tern-tcp-client: %u/%u connections ok\n", ok, opts.nconns);
	return ok == opts.nconns ? 0 : 1;
}

static int
client_lcore(void *arg)
{
	struct client_lcore *l = &lcores[rte_lcore_id()];
	struct tern_stack *s = l->s;
	struct trace *tr = rte_lcore_id() == rte_get_main_lcore() ? trace : NULL;
	struct tern_event ev[EV_BURST];
	uint64_t deadline = tern_stack_now(s) + (uint64_t)(opts.timeout_s * 1e9);
	uint32_t i, opened = l->first, end = l->first + l->n, n_lc = rte_lcore_count();
	int counted = 0;
	uint64_t now;

	(void)arg;
	while (!quit && tern_stack_now(s) < deadline &&
	       (l->done < l->n || __atomic_load_n(&lcores_done, __ATOMIC_ACQUIRE) < n_lc)) {
		unsigned int n, k;

		/* open gradually so the SYNs do not overflow the channel */
		for (k = 0; k < 256 && opened < end; k++, opened++) {
			conns[opened].rng = 0x9e3779b97f4a7c15ull * (opened + 1);
			crypto_hash_sha256_init(&conns[opened].tx);
			crypto_hash_sha256_init(&conns[opened].rx);
			if (tern_tcp_connect(l->c, opts.peer_addr, opts.peer_port, 0, opened) != 0)
				break;
		}
		tern_stack_poll(s);
		now = tern_stack_now(s);
		n = tern_chan_recv(l->c, ev, EV_BURST);
		for (k = 0; k < n; k++)
			on_event(l, &ev[k], now);
		for (i = l->first; i < opened; i++) {
			pump(l->c, &conns[i], now);
			trace_conn(tr, s, i, conns[i].handle);
		}
		if (!counted && l->done == l->n) {
			__atomic_fetch_add(&lcores_done, 1, __ATOMIC_ACQ_REL);
			counted = 1;
		}
	}
	if (l->done < l->n && n_lc == 1)
		fprintf(stderr, "tern-tcp-client: %s with %u of %u connections finished\n",
			quit ? "interrupted" : "timed out", l->done, l->n);
	else if (l->done < l->n)
		fprintf(stderr, "tern-tcp-client: lcore %u: %s with %u of %u connections finished\n",
			rte_lcore_id(), quit ? "interrupted" : "timed out", l->done, l->n);
	if (n_lc > 1)
		printf("tern-tcp-client: lcore %u: %u connections, %u closed, %" PRIu64
		       " frames steered away\n", rte_lcore_id(), l->n, l->done,
		       tern_stats_get(s, tern_stats_id("flow_rx_steered")));
	return 0;
}

/* A channel per lcore's stack, connections spread evenly (main first). */
static int
lcores_setup(void)
{
	uint32_t n_lc = env.n_stacks, i, first = 0;

	for (i = 0; i < n_lc; i++) {
		unsigned int lc = app_stack_lcore(&env, i);
		struct client_lcore *l = &lcores[lc];

		l->first = first;
		l->n = opts.nconns / n_lc + (i < opts.nconns % n_lc);
		first += l->n;
		l->s = env.stacks[lc];
		l->c = tern_chan_create(l->s, "client", 0);
		if (l->c == NULL) {
			fprintf(stderr, "tern-tcp-client: channel on lcore %u: %s\n", lc,
				rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

/* The channels; a last poll sends what closing them scheduled (RSTs). The
 * stacks go with app_stop(). */
static void
lcores_free(void)
{
	unsigned int lc;

	RTE_LCORE_FOREACH(lc) {
		struct client_lcore *l = &lcores[lc];

		if (l->c != NULL)
			tern_chan_free(l->c);
		l->c = NULL;
		if (l->s != NULL)
			tern_stack_poll(l->s);
		l->s = NULL;
	}
}

int
main(int argc, char **argv)
{
	struct app_start_conf start;
	struct cli_argv args;
	unsigned int in_use;
	char err[256];
	int rc;

	/* our options first: --help, --version and bad flags need no EAL */
	cli_split_eal(argc, argv, &args);
	rc = cli_outcome("tern-tcp-client", client_opts_parse(&opts, args.app_argc,
							      args.app_argv, err, sizeof(err)),
			 err, client_usage);
	if (rc >= 0)
		return rc;
	if (sodium_init() < 0) {
		fprintf(stderr, "tern-tcp-client: libsodium init failed\n");
		return 1;
	}
	if (app_eal_init("tern-tcp-client", args.eal_argc, argv, on_signal) != 0)
		return 2;
	start = (struct app_start_conf){
		.cfg = &opts.cfg, .capture = &opts.cap, .pool_name = "client_pool",
		.nb_mbufs = opts.cfg.nb_mbufs,
	};
	conns = rte_zmalloc("conns", opts.nconns * sizeof(*conns), 0);
	if (conns == NULL || app_start(&env, "tern-tcp-client", &start) != 0 ||
	    (opts.source && source_init() != 0) || lcores_setup() != 0) {
		fprintf(stderr, "tern-tcp-client: setup failed\n");
		lcores_free();
		app_stop(&env);
		rte_free(conns);
		app_exit(&env);
		return 1;
	}
	if (opts.trace_path != NULL && (trace = trace_open(opts.trace_path, opts.trace_us)) == NULL) {
		rc = 1;
	} else {
		rte_eal_mp_remote_launch(client_lcore, NULL, CALL_MAIN);
		rte_eal_mp_wait_lcore();
		rc = report();
		if (trace_close(trace) != 0)
			rc = 1;
	}
	if (opts.stats_path != NULL)
		app_stats_write(&env, opts.stats_path);
	lcores_free();
	in_use = app_stop(&env);
	if (in_use != 0) {
		fprintf(stderr, "tern-tcp-client: %u mbufs not returned to the pool\n", in_use);
		rc = 1;
	}
	/* every chunk attached to the source buffer has been freed by now */
	rte_pktmbuf_free(src);
	if (src_pool != NULL && rte_mempool_in_use_count(src_pool) != 0) {
		fprintf(stderr, "tern-tcp-client: the source buffer is still referenced "
			"(refcnt %u)\n", rte_mbuf_refcnt_read(src));
		rc = 1;
	}
	rte_free(conns);
	rte_mempool_free(src_pool);
	app_exit(&env);
	return rc;
}
