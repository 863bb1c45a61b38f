/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A custom DPDK app built only from the installed headers and libtern.pc
 * (pkg-config --cflags --libs libtern): brings up EAL, creates a stack on a
 * virtual interface, binds a UDP socket through a channel, checks the
 * events and the gratuitous ARP, and tears everything down. Built and run by
 * check_install.sh.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <tern/tern.h>

static int
fail(const char *what)
{
	printf("not ok - %s\n", what);
	return 1;
}

int
main(void)
{
	char *eal[] = { (char *)"embed", (char *)"--no-huge", (char *)"--no-pci",
			(char *)"--no-shconf", (char *)"--no-telemetry", (char *)"-m",
			(char *)"128", (char *)"-l", (char *)"0",
			(char *)"--log-level=*:error", NULL };
	struct rte_mbuf *out[8];
	struct tern_event ev;
	struct tern_config cfg;
	struct rte_mempool *pool;
	struct tern_stack *s;
	struct tern_chan *c;
	int tries;

	if (rte_eal_init(10, eal) < 0)
		return fail("eal");
	pool = rte_pktmbuf_pool_create("embed", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	tern_config_defaults(&cfg);
	cfg.n_ifaces = 1;
	cfg.iface[0].port_id = 200;	/* not an ethdev: a virtual interface */
	if (tern_config_parse_ip("198.18.0.2/24", &cfg.iface[0].ip,
				 &cfg.iface[0].prefix_len) != 0)
		return fail("parse ip");
	s = pool ? tern_stack_create(&cfg, rte_lcore_id(), 0, pool) : NULL;
	if (s == NULL)
		return fail("stack");
	c = tern_chan_create(s, "embed", 0);
	if (c == NULL || tern_udp_bind(c, 7, 42) != 0)
		return fail("channel");
	for (tries = 0; tries < 3 && tern_chan_recv(c, &ev, 1) == 0; tries++)
		tern_stack_process(s, tern_stack_now(s));
	if (ev.type != TERN_EV_UDP_BOUND || ev.status != 0 || ev.cookie != 42 || ev.port != 7)
		return fail("bound event");
	if (tern_stack_tx_drain(s, 0, out, 8) != 1)
		return fail("gratuitous ARP");
	rte_pktmbuf_free(out[0]);
	tern_chan_free(c);
	tern_stack_free(s);
	if (rte_mempool_in_use_count(pool) != 0)
		return fail("mbufs back in the pool");
	printf("ok - embedded libtern through pkg-config\n");
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
