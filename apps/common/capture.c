/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Packet capture (capture.h): the dpdk-dumpcap hook and the built-in
 * pcapng writer. The writer runs inside each stack's capture tap, on the
 * stack's lcore: frames are copied (rte_pcapng_copy: the copy carries the
 * packet block header, the direction and the queue) outside the lock, and
 * written under it, a chunk at a time, so the copies in flight stay few
 * and the file's blocks never interleave. Past --pcap-max nothing more is
 * written and each frame left out is counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <tern/stack.h>

#include "capture.h"

#define CAPTURE_CHUNK 32		/* frames copied, then written, at a time */
#define CAPTURE_POOL_SIZE 4095		/* copies; a chunk per lcore in flight */
#define CAPTURE_DATA_ROOM (4096 + RTE_PKTMBUF_HEADROOM)
#define PCAPNG_EPB_TYPE 6		/* enhanced packet block */

/* The head of a pcapng enhanced packet block, as rte_pcapng_copy puts it
 * in front of the copy (pcapng spec, section 4.3); the frame follows. */
struct epb_head {
	uint32_t type;
	uint32_t len;
	uint32_t ifid;
	uint32_t ts_hi;
	uint32_t ts_lo;
	uint32_t cap_len;
	uint32_t orig_len;
};

bool
capture_pdump_init(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return false;
	/* fails (ENOTSUP) under --no-shconf/--in-memory: no secondary can
	 * attach to such a process anyway, so there is nothing to say */
	return rte_pdump_init() == 0;
}

void
capture_pdump_uninit(bool inited)
{
	if (inited)
		rte_pdump_uninit();
}

int
capture_start(struct app_capture *cap, const struct cli_capture *o, const char *app)
{
	memset(cap, 0, sizeof(*cap));
	rte_spinlock_init(&cap->lock);
	cap->fd = -1;
	if (o == NULL || o->pcap_path == NULL)
		return 0;
	cap->path = o->pcap_path;
	cap->tsc_hz = rte_get_tsc_hz();
	cap->base_tsc = rte_get_tsc_cycles();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		cap->base_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	cap->max_bytes = o->pcap_max != 0 ? o->pcap_max : CAPTURE_MAX_DEFAULT;
	cap->pool = rte_pktmbuf_pool_create("tern_pcap", CAPTURE_POOL_SIZE, 0, 0,
					    CAPTURE_DATA_ROOM, (int)rte_socket_id());
	if (cap->pool == NULL) {
		fprintf(stderr, "%s: --pcap: mbuf pool for the copies: %s\n", app,
			rte_strerror(rte_errno));
		return -1;
	}
	cap->fd = open(cap->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0644);
	if (cap->fd < 0) {
		fprintf(stderr, "%s: --pcap: %s: %s\n", app, cap->path, strerror(errno));
		goto fail;
	}
	/* the section header and one interface block per ethdev port */
	cap->file = rte_pcapng_fdopen(cap->fd, NULL, NULL, app, NULL);
	if (cap->file == NULL) {
		fprintf(stderr, "%s: --pcap: %s: cannot write the pcapng header: %s\n", app,
			cap->path, rte_strerror(rte_errno));
		close(cap->fd);		/* fdopen closes it only on success */
		goto fail;
	}
	/* the headers count towards --pcap-max too */
	cap->bytes = (uint64_t)RTE_MAX(lseek(cap->fd, 0, SEEK_CUR), (off_t)0);
	return 0;
fail:
	cap->fd = -1;
	rte_mempool_free(cap->pool);
	cap->pool = NULL;
	return -1;
}

/* Write `n` copies unless the file would pass its bound; they are freed
 * either way. Called with the lock held. */
static void
write_copies(struct app_capture *cap, struct rte_mbuf **copies, uint16_t n)
{
	uint64_t len = 0;
	uint16_t fit = 0;
	ssize_t w;

	while (fit < n && cap->bytes + len + rte_pktmbuf_pkt_len(copies[fit]) <= cap->max_bytes)
		len += rte_pktmbuf_pkt_len(copies[fit++]);
	if (fit < n) {
		cap->over_max += n - fit;
		rte_pktmbuf_free_bulk(copies + fit, n - fit);
	}
	if (fit == 0)
		return;
	w = rte_pcapng_write_packets(cap->file, copies, fit);	/* frees them */
	if (w < 0) {
		cap->write_err += fit;
		return;
	}
	cap->bytes += (uint64_t)w;
	cap->frames += fit;
}

/* DPDK 22.11's librte_pcapng converts TSC to time with a TSC rate read in
 * a constructor, before the EAL has measured it: its timestamps land
 * centuries off. Ours, from a rate read after rte_eal_init, replace them
 * (pcapng time is ns since the epoch: the file says if_tsresol 9). */
static void
epb_set_time(const struct app_capture *cap, struct rte_mbuf *copy, uint64_t tsc)
{
	struct epb_head *h = rte_pktmbuf_mtod(copy, struct epb_head *);
	uint64_t d = tsc - cap->base_tsc, ns;

	if (rte_pktmbuf_data_len(copy) < sizeof(*h) || h->type != PCAPNG_EPB_TYPE ||
	    cap->tsc_hz == 0)
		return;
	ns = cap->base_ns + d / cap->tsc_hz * 1000000000ull +
	     d % cap->tsc_hz * 1000000000ull / cap->tsc_hz;
	h->ts_hi = (uint32_t)(ns >> 32);
	h->ts_lo = (uint32_t)ns;
}

/* A sent frame that leaves its checksums to the NIC holds only the
 * pseudo-header sum: the copy gets them computed, so the file shows what
 * the wire carries (TSO frames, cut by the NIC, are left as they are). */
static void
copy_fill_cksums(struct rte_mbuf *copy, const struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint32_t ip_off = sizeof(struct epb_head) + m->l2_len;
	uint32_t l4_off = ip_off + m->l3_len;
	struct rte_ipv4_hdr *ip;
	uint16_t *field;

	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || !(m->ol_flags & RTE_MBUF_F_TX_IPV4) ||
	    rte_pktmbuf_data_len(copy) < l4_off + sizeof(struct rte_tcp_hdr))
		return;
	ip = rte_pktmbuf_mtod_offset(copy, struct rte_ipv4_hdr *, ip_off);
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM)
		field = &rte_pktmbuf_mtod_offset(copy, struct rte_tcp_hdr *, l4_off)->cksum;
	else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM)
		field = &rte_pktmbuf_mtod_offset(copy, struct rte_udp_hdr *, l4_off)->dgram_cksum;
	else
		return;
	*field = 0;
	*field = rte_ipv4_udptcp_cksum_mbuf(copy, ip, (uint16_t)l4_off);
}

static void
capture_tap(void *arg, uint16_t port_id, uint16_t queue_id, enum tern_tap_dir dir,
	    struct rte_mbuf *const *pkts, uint16_t n)
{
	struct app_capture *cap = arg;
	enum rte_pcapng_direction d = dir == TERN_TAP_RX ? RTE_PCAPNG_DIRECTION_IN :
							   RTE_PCAPNG_DIRECTION_OUT;
	struct rte_mbuf *copies[CAPTURE_CHUNK];
	uint16_t done = 0;

	while (done < n) {
		uint16_t k, got = 0, chunk = RTE_MIN(n - done, CAPTURE_CHUNK);
		uint64_t tsc = rte_get_tsc_cycles();
		uint64_t missed = 0;

		for (k = 0; k < chunk; k++) {
			struct rte_mbuf *c = rte_pcapng_copy(port_id, queue_id, pkts[done + k],
							     cap->pool, UINT32_MAX, tsc, d);

			if (c != NULL) {
				epb_set_time(cap, c, tsc);
				if (dir == TERN_TAP_TX &&
				    (pkts[done + k]->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
								 RTE_MBUF_F_TX_L4_MASK)))
					copy_fill_cksums(c, pkts[done + k]);
				copies[got++] = c;
			}
			else
				missed++;
		}
		done += chunk;
		rte_spinlock_lock(&cap->lock);
		cap->no_copy += missed;
		write_copies(cap, copies, got);
		rte_spinlock_unlock(&cap->lock);
	}
}

void
capture_attach(struct app_capture *cap, struct tern_stack *s)
{
	if (cap->file != NULL && s != NULL)
		tern_stack_set_tap(s, capture_tap, cap);
}

void
capture_stop(struct app_capture *cap, FILE *report, const char *app)
{
	if (cap->file == NULL)
		return;
	rte_pcapng_close(cap->file);	/* closes the fd too */
	cap->file = NULL;
	fprintf(report, "%s: pcap %s: %" PRIu64 " frames, %" PRIu64 " bytes", app, cap->path,
		cap->frames, cap->bytes);
	if (cap->over_max + cap->no_copy + cap->write_err != 0)
		fprintf(report, "; not written: %" PRIu64 " past --pcap-max, %" PRIu64
			" without a copy buffer, %" PRIu64 " write errors",
			cap->over_max, cap->no_copy, cap->write_err);
	fputc('\n', report);
	rte_mempool_free(cap->pool);
	cap->pool = NULL;
}
