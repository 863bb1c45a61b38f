/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Test harness: brings up the real DPDK EAL without hugepages or PCI
 * (--no-huge --no-pci --no-shconf), owns one pktmbuf pool per test
 * process, and checks that the pool is back at its baseline after every
 * test. Frame helpers turn byte arrays into real mbufs.
 */
#ifndef TERN_HARNESS_H
#define TERN_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#define HARNESS_POOL_SIZE 8191u

/** The EAL lcore list (`-l`) for a test that needs several lcores; call
 *  before anything initialises EAL. Default "0". */
void harness_eal_lcores(const char *list);

/** Initialise EAL once per process; aborts the test binary on failure. */
void harness_eal_init(void);

/** The shared pktmbuf pool (created by harness_eal_init). */
struct rte_mempool *harness_pool(void);

/** Number of mbufs currently out of the pool. */
unsigned int harness_pool_in_use(void);

/** cmocka setup/teardown pair: teardown fails the test if mbufs leaked. */
int harness_setup(void **state);
int harness_teardown(void **state);

/** A single-segment mbuf holding a copy of `len` bytes. */
struct rte_mbuf *pkt_from_bytes(const void *bytes, uint16_t len);

/** A chained mbuf holding `len` bytes split into segments of `seg_len`. */
struct rte_mbuf *pkt_chain_from_bytes(const void *bytes, uint32_t len,
				      uint16_t seg_len);

/** Copy the whole packet data of `m` into `buf` (at most `cap` bytes);
 *  returns pkt_len. */
uint32_t pkt_to_bytes(const struct rte_mbuf *m, void *buf, uint32_t cap);

#endif
