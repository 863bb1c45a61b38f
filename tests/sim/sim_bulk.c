/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One-way bulk transfer between the two sim nodes; see sim_bulk.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_bulk.h"

#define CHUNK 2048u
#define FNV_PRIME 0x100000001b3ull

uint64_t
sim_bulk_fnv(uint64_t h, const uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint8_t *
sim_bulk_pattern(uint64_t seed, uint64_t len, uint64_t *hash)
{
	uint8_t *p = malloc(len + 8);
	uint64_t i;

	assert_non_null(p);
	for (i = 0; i < len; i += 8) {		/* splitmix64 of (seed, i / 8) */
		uint64_t z = seed + (i / 8 + 1) * 0x9e3779b97f4a7c15ull;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(p + i, &z, 8);
	}
	*hash = sim_bulk_fnv(SIM_FNV_OFF, p, len);
	return p;
}

void
sim_bulk_start(struct sim *sim, struct sim_bulk *b, const uint8_t *pattern, uint64_t total)
{
	memset(b, 0, sizeof(*b));
	b->pattern = pattern;
	b->total = total;
	b->rx_hash = SIM_FNV_OFF;
	b->bad_off = UINT64_MAX;
	assert_int_equal(tern_tcp_listen(sim->node[1].c, SIM_BULK_PORT, 0, 1), 0);
	sim_step(sim, 10000);
	assert_int_equal(tern_tcp_connect(sim->node[0].c, SIM_B_IP, SIM_BULK_PORT, 0, 2), 0);
	b->t_start = sim->now;
}

static void
send_one(struct tern_chan *c, struct sim_bulk *b, struct rte_mbuf *m)
{
	if (tern_tcp_send(c, b->tx_h, m) != 0) {	/* command ring full */
		assert_true(b->n_held < SIM_BULK_HELD_MAX);
		b->held[b->n_held++] = m;
		b->blocked = true;
	}
}

static void
pump(struct sim *sim, struct sim_bulk *b)
{
	struct tern_chan *c = sim->node[0].c;
	unsigned int k;

	if (!b->tx_up || b->blocked || b->shut || b->tx_closed)
		return;
	if (b->n_held > 0) {			/* resend what came back, in order */
		struct rte_mbuf *h[SIM_BULK_HELD_MAX];
		unsigned int n = b->n_held;

		memcpy(h, b->held, n * sizeof(h[0]));
		b->n_held = 0;
		for (k = 0; k < n; k++)
			send_one(c, b, h[k]);
		return;
	}
	if (b->last_sent) {
		/* a step passed since the last send and nothing came back */
		assert_int_equal(tern_tcp_shutdown(c, b->tx_h), 0);
		b->shut = true;
		return;
	}
	for (k = 0; k < 64 && b->sent < b->total && !b->blocked; k++) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)CHUNK, b->total - b->sent);
		struct rte_mbuf *m = rte_pktmbuf_alloc(sim->pool);
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		memcpy(p, b->pattern + b->sent, n);
		b->sent += n;
		send_one(c, b, m);
	}
	if (b->sent == b->total && !b->blocked)
		b->last_sent = true;
}

static void
tx_event(struct sim_bulk *b, const struct tern_event *ev)
{
	switch (ev->type) {
	case TERN_EV_TCP_CONNECTED:
		b->tx_h = ev->handle;
		b->tx_up = true;
		break;
	case TERN_EV_CMD_ERROR:
		if (ev->status != -ENOBUFS || ev->m == NULL)
			fail_msg("sender: command error %d after %" PRIu64 " bytes", ev->status,
				 b->sent);
		assert_true(b->n_held < SIM_BULK_HELD_MAX);
		b->held[b->n_held++] = ev->m;
		b->blocked = true;
		b->last_sent = false;
		break;
	case TERN_EV_TCP_WRITABLE:
		b->blocked = false;
		break;
	case TERN_EV_TCP_DATA:
		rte_pktmbuf_free(ev->m);
		break;
	case TERN_EV_TCP_CLOSED:
		b->tx_closed = true;
		b->tx_status = ev->status;
		break;
	default:
		break;
	}
}

static void
rx_data(struct tern_chan *c, struct sim_bulk *b, const struct tern_event *ev)
{
	const struct rte_mbuf *s;

	for (s = ev->m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
		uint32_t n = s->data_len;

		if (b->bad_off == UINT64_MAX &&
		    (b->rcvd + n > b->total || memcmp(p, b->pattern + b->rcvd, n) != 0)) {
			uint32_t k = 0;

			while (k < n && b->rcvd + k < b->total && p[k] == b->pattern[b->rcvd + k])
				k++;
			b->bad_off = b->rcvd + k;
		}
		b->rx_hash = sim_bulk_fnv(b->rx_hash, p, n);
		b->rcvd += n;
	}
	rte_pktmbuf_free(ev->m);
	assert_int_equal(tern_tcp_recvd(c, b->rx_h, ev->len), 0);
}

static void
rx_event(struct sim *sim, struct sim_bulk *b, const struct tern_event *ev)
{
	struct tern_chan *c = sim->node[1].c;

	switch (ev->type) {
	case TERN_EV_TCP_ACCEPTED:
		b->rx_h = ev->handle;
		b->rx_up = true;
		break;
	case TERN_EV_TCP_DATA:
		rx_data(c, b, ev);
		if (b->rcvd == b->total && b->t_done == 0)
			b->t_done = sim->now;
		break;
	case TERN_EV_TCP_PEER_CLOSED:
		b->peer_closed = true;
		assert_int_equal(tern_tcp_close(c, b->rx_h), 0);
		break;
	case TERN_EV_TCP_CLOSED:
		b->rx_closed = true;
		b->rx_status = ev->status;
		break;
	case TERN_EV_CMD_ERROR:
		/* a window credit that raced the end of the connection */
		if (ev->status == -EBADF && ev->m == NULL)
			break;
		fail_msg("receiver: command error %d", ev->status);
		break;
	default:
		break;
	}
}

void
sim_bulk_poll(struct sim *sim, struct sim_bulk *b)
{
	struct tern_event ev[64];
	unsigned int n, k;

	while ((n = tern_chan_recv(sim->node[1].c, ev, 64)) > 0)
		for (k = 0; k < n; k++)
			rx_event(sim, b, &ev[k]);
	while ((n = tern_chan_recv(sim->node[0].c, ev, 64)) > 0)
		for (k = 0; k < n; k++)
			tx_event(b, &ev[k]);
	pump(sim, b);
}

bool
sim_bulk_finished(const struct sim_bulk *b)
{
	return b->rcvd == b->total && b->tx_closed && b->rx_closed;
}

void
sim_bulk_fini(struct sim_bulk *b)
{
	unsigned int k;

	for (k = 0; k < b->n_held; k++)
		rte_pktmbuf_free(b->held[k]);
	b->n_held = 0;
}
