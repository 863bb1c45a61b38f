/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern configuration: one struct with documented defaults
 * (tern_config_defaults), filled by the app from its command line and/or an
 * INI file (tern_config_load_ini). A stack copies what it needs at creation;
 * nothing here is read on the data path through a global.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdint.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most interfaces (ports) one stack serves. */
#define TERN_MAX_IFACES 4

/** Smallest interface MTU: an IPv4 header (20), a TCP header with the
 *  most options (60) and 8 bytes of data, i.e. an MSS of 48 (as Linux's
 *  tcp_min_snd_mss). tern_config_validate() refuses less. */
#define TERN_MTU_MIN 88

/** TCP congestion control algorithms (tern_config.tcp_cc, INI `[tcp] cc =
 *  newreno|cubic`, per connection with tern_tcp_set_cc()). */
enum tern_tcp_cc {
	TERN_TCP_CC_NEWRENO = 0,	/**< RFC 5681 + RFC 6582 (+ RFC 3465 ABC) */
	TERN_TCP_CC_CUBIC,		/**< RFC 9438 */
	TERN_TCP_CC_COUNT
};

/** When a listener answers a SYN with a SYN cookie (RFC 4987 3.6) instead
 *  of a SYN-RECEIVED entry (tern_config.tcp_syncookies, INI `[tcp]
 *  syncookies = off|overflow|always`). */
enum tern_tcp_syncookies {
	TERN_TCP_SYNCOOKIES_OFF = 0,	/**< never: a SYN beyond the backlog is dropped */
	TERN_TCP_SYNCOOKIES_OVERFLOW,	/**< when the listener's backlog is full (default) */
	TERN_TCP_SYNCOOKIES_ALWAYS,	/**< for every SYN: no half-open state at all */
	TERN_TCP_SYNCOOKIES_COUNT
};

/** Explicit Congestion Notification (RFC 3168) for TCP
 *  (tern_config.tcp_ecn, INI `[tcp] ecn = off|on|passive`). */
enum tern_tcp_ecn {
	TERN_TCP_ECN_OFF = 0,		/**< never: ECN-setup SYNs are answered
					 *   without ECE */
	TERN_TCP_ECN_ON,		/**< ask on active opens, accept on passive */
	TERN_TCP_ECN_PASSIVE,		/**< accept when the peer asks, never ask
					 *   (default, as Linux's tcp_ecn = 2) */
	TERN_TCP_ECN_COUNT
};

/** Longest path of the per-boot secret file (tern_config.tcp_secret_file). */
#define TERN_SECRET_PATH_MAX 128
/** Largest tcp_time_wait_max. */
#define TERN_TIME_WAIT_MAX 16777216u

/** Directions of fault injection (tern_fault_conf.dir, bit mask). */
#define TERN_FAULT_RX 0x1u		/**< after rte_eth_rx_burst */
#define TERN_FAULT_TX 0x2u		/**< before rte_eth_tx_burst */

/** Fault injection on real ports (INI `[fault]`), for tests and
 *  experiments: seeded, so a run repeats for a given seed. Off while every
 *  probability and the rate are 0 (the default). Probabilities are in
 *  parts per million (INI: decimals 0..1). Each port, queue and direction
 *  gets its own generator derived from `seed`. */
struct tern_fault_conf {
	uint64_t seed;			/**< generator seed; default 0 */
	uint8_t dir;			/**< TERN_FAULT_RX and/or _TX; default RX */
	uint8_t burst_fixed;		/**< 1: every burst is burst_len frames;
					 *   0: geometric with mean burst_len (default) */
	uint32_t drop_ppm;		/**< independent random drop */
	uint32_t burst_ppm;		/**< a burst of drops starts at a frame */
	uint32_t burst_len;		/**< frames per burst (mean or fixed); default 4 */
	uint32_t dup_ppm;		/**< a copy follows the frame */
	uint32_t reorder_ppm;		/**< the frame is held back ... */
	uint32_t reorder_pkts;		/**< ... until this many later frames passed
					 *   (0 = time only); default 3 */
	uint32_t reorder_us;		/**< ... or this long (0 = count only); default 1000 */
	uint32_t corrupt_ppm;		/**< one bit of the IPv4 packet is flipped */
	uint64_t rate_bps;		/**< bottleneck rate; 0 = none (default) */
	uint32_t queue_kb;		/**< bottleneck queue, KiB (tail drop); default 64 */
};

/** One IPv4 interface on one DPDK port. */
struct tern_iface_conf {
	uint16_t port_id;		/**< DPDK ethdev port id */
	uint32_t ip;			/**< our address, host order */
	uint8_t prefix_len;		/**< connected subnet, 1..32 */
	uint32_t gw;			/**< default gateway, host order; 0 = none */
	uint16_t mtu;			/**< IP MTU; default 1500 */
	/** MAC to use when `port_id` is not a real ethdev (tests, embedding
	 *  without netif/); ignored for a real port, whose MAC is read. */
	struct rte_ether_addr mac;
};

struct tern_config {
	uint16_t n_ifaces;
	struct tern_iface_conf iface[TERN_MAX_IFACES];

	uint32_t nb_mbufs;		/**< mbufs per pool; default 16383 */
	uint16_t rx_desc;		/**< RX descriptors per queue; default 1024 */
	uint16_t tx_desc;		/**< TX descriptors per queue; default 1024 */
	uint16_t burst;			/**< RX burst size; default 32 */

	uint64_t timer_tick_ns;		/**< wheel granularity; default 100 us */

	uint16_t arp_entries;		/**< neighbour cache size; default 1024 */
	uint16_t arp_pending_max;	/**< packets queued per unresolved neighbour; default 8 */
	uint32_t arp_retry_ms;		/**< request retry interval; default 1000 */
	uint16_t arp_retries;		/**< requests before giving up; default 3 */
	uint32_t arp_reachable_ms;	/**< entry lifetime (aging); default 60000 */

	uint32_t icmp_rate_per_s;	/**< ICMP errors per second; default 1000 */
	uint32_t icmp_burst;		/**< ICMP error bucket depth; default 50 */

	uint32_t chan_size;		/**< elements per channel ring (power of 2); default 4096 */
	uint16_t udp_max_socks;		/**< UDP sockets per stack; default 256 */

	/* TCP (RFC 9293 and friends); times in milliseconds */
	uint32_t tcp_max_conns;		/**< TCBs per stack (TIME-WAIT has its own table); default 65536 */
	uint16_t tcp_max_listeners;	/**< listening ports per stack; default 64 */
	uint16_t tcp_backlog;		/**< default listen backlog; default 1024 */
	uint32_t tcp_rcvbuf;		/**< receive buffer (window) per connection; default 256 KiB */
	uint32_t tcp_sndbuf;		/**< bytes queued per connection; default 256 KiB */
	uint32_t tcp_msl_ms;		/**< MSL; TIME-WAIT lasts 2*MSL; default 30000 */
	uint32_t tcp_rto_min_ms;	/**< RFC 6298 lower bound; default 200 */
	uint32_t tcp_rto_max_ms;	/**< RFC 6298 upper bound; default 60000 */
	uint32_t tcp_rto_init_ms;	/**< initial RTO; default 1000 */
	uint16_t tcp_syn_retries;	/**< SYN retransmissions before giving up; default 5 */
	uint16_t tcp_synack_retries;	/**< SYN-ACK retransmissions; default 5 */
	uint16_t tcp_max_retries;	/**< data retransmissions before abort; default 8 */
	uint32_t tcp_delack_ms;		/**< delayed ACK timer; default 40 */
	uint32_t tcp_fin_wait2_ms;	/**< orphaned FIN-WAIT-2 timeout; default 60000 */
	uint32_t tcp_keepalive_ms;	/**< idle before keepalive probes; 0 = off (default) */
	uint32_t tcp_keepalive_intvl_ms; /**< between probes; default 75000 */
	uint16_t tcp_keepalive_probes;	/**< unanswered probes before abort; default 9 */
	uint8_t tcp_nodelay;		/**< 1 = Nagle off by default; default 0 */
	uint8_t tcp_sack;		/**< offer SACK-permitted; default 1 */
	uint8_t tcp_rack;		/**< RACK time-based loss detection (RFC
					 *   8985) on SACK connections; default 1,
					 *   0 = RFC 6675's DupThresh alone */
	uint8_t tcp_tlp;		/**< tail loss probes (RFC 8985 7) on RACK
					 *   connections; default 1 */
	uint8_t tcp_timestamps;		/**< offer timestamps (RFC 7323); default 1 */
	uint8_t tcp_wscale;		/**< offer window scaling; default 1 */
	uint8_t tcp_cc;			/**< enum tern_tcp_cc for new connections;
					 *   default TERN_TCP_CC_NEWRENO */
	uint8_t tcp_syncookies;		/**< enum tern_tcp_syncookies; default
					 *   TERN_TCP_SYNCOOKIES_OVERFLOW */
	uint32_t tcp_synack_rexmit_per_s; /**< SYN-ACK retransmissions per second per
					 *   stack (all listeners); 0 = no limit;
					 *   default 1000 */
	/** File holding the per-boot secret behind ISNs (RFC 6528), timestamp
	 *  offsets (RFC 7323 7.1) and SYN cookies, shared by every tern process
	 *  of the machine; created (mode 0600, 32 random bytes) by the first
	 *  one. "" = "/run/tern/secret" (default); "none" = a secret of this
	 *  process only. When the file can neither be read nor created the
	 *  stack logs a warning and uses a per-process secret. */
	char tcp_secret_file[TERN_SECRET_PATH_MAX];
	uint32_t tcp_time_wait_max;	/**< TIME-WAIT records per stack, kept apart
					 *   from the TCBs (about 40 bytes each); when
					 *   full the oldest is ended early. 0 = as many
					 *   as tcp_max_conns (default); at most
					 *   16777216 */
	uint8_t tcp_full_rst;		/**< 1 = a SYN that finds every TCB taken (and
					 *   no SYN cookie to send) gets a RST; 0 = it
					 *   is dropped, counted (default) */

	struct tern_fault_conf fault;	/**< fault injection; off by default */

	uint8_t tcp_ecn;		/**< enum tern_tcp_ecn; default
					 *   TERN_TCP_ECN_PASSIVE */
};

/** Fill a configuration with the documented defaults (no interfaces).
 *  @param c  the configuration to fill */
void tern_config_defaults(struct tern_config *c);

/** Parse "A.B.C.D" or "A.B.C.D/N".
 *  @param s           the text
 *  @param ip          the address, host order
 *  @param prefix_len  the prefix, left untouched when absent (may be NULL
 *                     when no prefix is expected)
 *  @return 0 or -EINVAL. */
int tern_config_parse_ip(const char *s, uint32_t *ip, uint8_t *prefix_len);

/** Overlay settings from an INI file on `c`. Sections: [iface] (repeatable:
 *  port, ip = A.B.C.D/N, gw, mtu), [mem] (mbufs, rx_desc, tx_desc, burst),
 *  [arp] (entries, pending, retry_ms, retries, reachable_ms), [icmp]
 *  (rate_per_s, burst), [chan] (size), [udp] (max_socks), [tcp] (the
 *  tcp_* fields without the prefix; cc = newreno|cubic; syncookies =
 *  off|overflow|always; ecn = off|on|passive; secret_file = /path|none), [fault] (seed,
 *  dir = rx|tx|both, drop, burst, burst_len, burst_fixed, dup, reorder,
 *  reorder_pkts, reorder_us, corrupt (probabilities as decimals 0..1),
 *  rate_mbit, queue_kb; see config/fault.ini). Unknown keys and bad values
 *  are errors.
 *  @param c        the configuration to overlay (usually defaults first)
 *  @param path     the INI file
 *  @param err      where a message goes (file, line, section, key, reason)
 *  @param err_len  bytes at `err`
 *  @return 0, or -errno with the message in `err`: a directory is -EISDIR,
 *  a file with NUL or other control bytes (not text) -EILSEQ. */
int tern_config_load_ini(struct tern_config *c, const char *path,
			 char *err, size_t err_len);

/** Check a filled configuration before any stack is created: what single
 *  keys cannot check. Refuses, with a one-line reason in `err`:
 *  - no interface, or more than TERN_MAX_IFACES;
 *  - an interface address that is not a host's unicast address: in
 *    0.0.0.0/8, loopback (127/8), multicast (224/4), reserved (240/4),
 *    or the network or broadcast address of its subnet (prefixes up to
 *    /30; a /31 has neither, RFC 3021);
 *  - a gateway outside the subnet, equal to the interface's address, or
 *    not a unicast address by the same rules;
 *  - an MTU below TERN_MTU_MIN (0 means the default, 1500);
 *  - tcp_rto_min_ms or tcp_rto_init_ms above tcp_rto_max_ms (RFC 6298);
 *  - an unknown tcp_cc, tcp_syncookies or tcp_ecn, a chan_size that is not a power of two, and
 *    inconsistent [fault] settings.
 *  Pure: needs no EAL, may be called from any thread.
 *  @param c        the configuration (tern_config_defaults, then the app's)
 *  @param err      where the reason goes
 *  @param err_len  bytes at `err`
 *  @return 0, or -EINVAL with the reason in `err`. */
int tern_config_validate(const struct tern_config *c, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif
