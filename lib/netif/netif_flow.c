/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Who owns a flow on each port, decided once at port setup (DESIGN 3,
 * "Multi-core"). With one queue, the one stack owns everything. With more:
 *  - hardware RSS where the device lets tern program a Toeplitz key and a
 *    RETA spreading over exactly the stacks' RX queues, and both read back
 *    the same: the NIC then delivers every flow to its owner, and tern can
 *    predict where a reply lands (active opens pick their port by it);
 *  - software steering everywhere else: devices whose spreading tern can
 *    neither program nor predict (net_tap, net_af_packet and net_memif
 *    spread by a kernel or peer hash; ring and null do not spread), or
 *    whose RSS calls fail. Every stack then computes the owner with the
 *    same function and hands misdirected frames over (lib/stack/).
 * The maps live in one memzone indexed by port id, written here on the
 * main lcore before any stack runs and read-only afterwards. Called by
 * netif.c's tern_netif_setup / tern_netif_teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_memzone.h>

#include "flow/flow_map.h"
#include "netif/netif_private.h"

#define FLOW_MZ "tern_flow_ports"

RTE_LOG_REGISTER(netif_flow_logtype, tern.flow, INFO);
#define FLOW_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, netif_flow_logtype, "tern.flow: " __VA_ARGS__)

struct flow_ports {
	bool set[RTE_MAX_ETHPORTS];
	struct flow_map map[RTE_MAX_ETHPORTS];
};

/* Drivers whose queue choice is made by a kernel or a peer, whatever
 * their RSS calls say: software steering, always. */
static const char *const unpredictable_drivers[] = {
	"net_tap", "net_af_packet", "net_memif", "net_ring", "net_null",
	"net_pcap", "net_vhost", "net_af_xdp",
};

static struct flow_ports *
ports(bool create)
{
	const struct rte_memzone *mz = rte_memzone_lookup(FLOW_MZ);

	if (mz == NULL && create) {
		mz = rte_memzone_reserve(FLOW_MZ, sizeof(struct flow_ports), SOCKET_ID_ANY, 0);
		if (mz != NULL)
			memset(mz->addr, 0, sizeof(struct flow_ports));
	}
	return mz == NULL ? NULL : mz->addr;
}

static bool
driver_is_unpredictable(const struct rte_eth_dev_info *info)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(unpredictable_drivers); i++)
		if (info->driver_name != NULL &&
		    strcmp(info->driver_name, unpredictable_drivers[i]) == 0)
			return true;
	return false;
}

static uint64_t
rss_hf_wanted(const struct rte_eth_dev_info *info)
{
	return info->flow_type_rss_offloads &
	       (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP);
}

void
netif_flow_conf(uint16_t port, const struct rte_eth_dev_info *info,
		uint16_t nb_queues, struct rte_eth_conf *conf)
{
	(void)port;
	if (nb_queues <= 1 || info->flow_type_rss_offloads == 0)
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads &
		(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	if (!driver_is_unpredictable(info) &&
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
}

/* Program key and RETA, read both back; 0 when the device holds exactly
 * what `m` describes. */
static int
rss_program(uint16_t port, const struct rte_eth_dev_info *info, uint16_t nb_queues,
	    struct flow_map *m)
{
	struct rte_eth_rss_reta_entry64 reta[FLOW_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t table[FLOW_RETA_MAX];
	uint8_t key[52], back[52];
	struct rte_eth_rss_conf rc;
	uint16_t size = info->reta_size, i;
	uint8_t key_len = info->hash_key_size ? info->hash_key_size : 40;

	if (size == 0 || size > FLOW_RETA_MAX || (size & (size - 1)) != 0 ||
	    (key_len != 40 && key_len != 52) || rss_hf_wanted(info) == 0)
		return -ENOTSUP;
	memset(key, 0, sizeof(key));
	flow_rss_key_default(key);	/* 40 bytes; a 52-byte key ends in zeros */
	flow_reta_spread(table, size, nb_queues);
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = table[i];
	}
	rc = (struct rte_eth_rss_conf){ .rss_key = key, .rss_key_len = key_len,
					.rss_hf = rss_hf_wanted(info) };
	if (rte_eth_dev_rss_hash_update(port, &rc) != 0 ||
	    rte_eth_dev_rss_reta_update(port, reta, size) != 0)
		return -ENOTSUP;
	/* read back: predict only what the device says it holds */
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size; i++)
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
	rc = (struct rte_eth_rss_conf){ .rss_key = back, .rss_key_len = key_len };
	if (rte_eth_dev_rss_hash_conf_get(port, &rc) != 0 ||
	    rte_eth_dev_rss_reta_query(port, reta, size) != 0)
		return -ENOTSUP;
	for (i = 0; i < size; i++)
		table[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return flow_map_init_rss(m, nb_queues, back, key_len, table, size, rc.rss_hf);
}

int
netif_flow_setup(uint16_t port, uint16_t nb_queues)
{
	struct flow_ports *fp = ports(true);
	struct rte_eth_dev_info info;
	struct flow_map *m;
	int rc;

	if (fp == NULL)
		return -ENOMEM;
	if (port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	m = &fp->map[port];
	fp->set[port] = true;
	if (nb_queues <= 1) {
		flow_map_init_single(m);
		return 0;
	}
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (!driver_is_unpredictable(&info) && rss_program(port, &info, nb_queues, m) == 0)
		return 0;
	FLOW_LOG(INFO, "port %u (%s): no RSS tern can program and predict; software steering over %u queues\n",
		 port, info.driver_name, nb_queues);
	return flow_map_init_sw(m, nb_queues);
}

const struct flow_map *
netif_flow_map(uint16_t port)
{
	struct flow_ports *fp = ports(false);

	if (fp == NULL || port >= RTE_MAX_ETHPORTS || !fp->set[port])
		return NULL;
	return &fp->map[port];
}

const char *
netif_flow_describe(uint16_t port)
{
	const struct flow_map *m = netif_flow_map(port);

	if (m == NULL || m->mode == FLOW_MODE_SINGLE)
		return "one queue";
	return m->mode == FLOW_MODE_RSS ? "hardware RSS (key and RETA programmed)" :
					  "software steering";
}

void
netif_flow_teardown(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(FLOW_MZ);

	if (mz != NULL)
		rte_memzone_free(mz);
}
