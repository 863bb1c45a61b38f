/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Configuration defaults, validation, address parsing and the INI loader
 * (inih). Used by apps before any stack exists (and before the EAL: nothing
 * here needs it); stacks copy the struct.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_common.h>

#include <tern/config.h>

#include "tcp/cc/cc.h"

_Static_assert((int)TERN_TCP_CC_NEWRENO == (int)TCP_CC_NEWRENO &&
	       (int)TERN_TCP_CC_CUBIC == (int)TCP_CC_CUBIC &&
	       (int)TERN_TCP_CC_COUNT == (int)TCP_CC_COUNT,
	       "public and internal congestion control ids must agree");

void
tern_config_defaults(struct tern_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nb_mbufs = 16383;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->burst = 32;
	c->timer_tick_ns = 100000;
	c->arp_entries = 1024;
	c->arp_pending_max = 8;
	c->arp_retry_ms = 1000;
	c->arp_retries = 3;
	c->arp_reachable_ms = 60000;
	c->icmp_rate_per_s = 1000;
	c->icmp_burst = 50;
	c->chan_size = 4096;
	c->udp_max_socks = 256;
	c->tcp_max_conns = 65536;
	c->tcp_max_listeners = 64;
	c->tcp_backlog = 1024;
	c->tcp_rcvbuf = 256 * 1024;
	c->tcp_sndbuf = 256 * 1024;
	c->tcp_msl_ms = 30000;
	c->tcp_rto_min_ms = 200;
	c->tcp_rto_max_ms = 60000;
	c->tcp_rto_init_ms = 1000;
	c->tcp_syn_retries = 5;
	c->tcp_synack_retries = 5;
	c->tcp_max_retries = 8;
	c->tcp_delack_ms = 40;
	c->tcp_fin_wait2_ms = 60000;
	c->tcp_keepalive_ms = 0;
	c->tcp_keepalive_intvl_ms = 75000;
	c->tcp_keepalive_probes = 9;
	c->tcp_nodelay = 0;
	c->tcp_sack = 1;
	c->tcp_rack = 1;
	c->tcp_tlp = 1;
	c->tcp_timestamps = 1;
	c->tcp_wscale = 1;
	c->tcp_cc = TERN_TCP_CC_NEWRENO;
	c->tcp_syncookies = TERN_TCP_SYNCOOKIES_OVERFLOW;
	c->tcp_synack_rexmit_per_s = 1000;
	c->tcp_ecn = TERN_TCP_ECN_PASSIVE;
	c->tcp_secret_file[0] = '\0';		/* /run/tern/secret */
	c->fault.dir = TERN_FAULT_RX;
	c->fault.burst_len = 4;
	c->fault.reorder_pkts = 3;
	c->fault.reorder_us = 1000;
	c->fault.queue_kb = 64;
}

int
tern_config_parse_ip(const char *s, uint32_t *ip, uint8_t *prefix_len)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long n;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (prefix_len == NULL || slash[1] == '\0')
			return -EINVAL;
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	if (slash != NULL)
		*prefix_len = (uint8_t)n;
	return 0;
}

static int
parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (v[0] == '-' || v[0] == '\0')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -EINVAL;
	*out = n;
	return 0;
}

/* A decimal in [lo, hi] ("0.02", "1e-3"); no sign, no trailing text. */
static int
parse_decimal(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (v[0] == '-' || v[0] == '+' || v[0] == '\0')
		return -EINVAL;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d) || d < lo || d > hi)
		return -EINVAL;
	*out = d;
	return 0;
}

struct ini_ctx {
	struct tern_config *c;
	char *err;
	size_t err_len;
	int iface_open;			/* an [iface] section is being filled */
	char why[160];			/* the first bad line: section, key, reason */
};

#define NUM(sec, key, field, lo, hi) { sec, key, offsetof(struct tern_config, field), \
	sizeof(((struct tern_config *)0)->field), lo, hi }

struct num_key {
	const char *section;
	const char *key;
	size_t off;
	size_t size;
	uint64_t lo;
	uint64_t hi;
};

static const struct num_key num_keys[] = {
	NUM("mem", "mbufs", nb_mbufs, 1023, 16777215),
	NUM("mem", "rx_desc", rx_desc, 64, 16384),
	NUM("mem", "tx_desc", tx_desc, 64, 16384),
	NUM("mem", "burst", burst, 1, 256),
	NUM("timer", "tick_ns", timer_tick_ns, 1000, 100000000),
	NUM("arp", "entries", arp_entries, 16, 32768),
	NUM("arp", "pending", arp_pending_max, 1, 1024),
	NUM("arp", "retry_ms", arp_retry_ms, 1, 600000),
	NUM("arp", "retries", arp_retries, 1, 100),
	NUM("arp", "reachable_ms", arp_reachable_ms, 1000, 86400000),
	NUM("icmp", "rate_per_s", icmp_rate_per_s, 0, 1000000),
	NUM("icmp", "burst", icmp_burst, 1, 1000000),
	NUM("chan", "size", chan_size, 64, 1048576),
	NUM("udp", "max_socks", udp_max_socks, 1, 65535),
	NUM("tcp", "max_conns", tcp_max_conns, 16, 16777216),
	NUM("tcp", "max_listeners", tcp_max_listeners, 1, 4096),
	NUM("tcp", "backlog", tcp_backlog, 1, 65535),
	NUM("tcp", "rcvbuf", tcp_rcvbuf, 4096, 1073741824),
	NUM("tcp", "sndbuf", tcp_sndbuf, 4096, 1073741824),
	NUM("tcp", "msl_ms", tcp_msl_ms, 1, 600000),
	NUM("tcp", "rto_min_ms", tcp_rto_min_ms, 1, 60000),
	NUM("tcp", "rto_max_ms", tcp_rto_max_ms, 100, 600000),
	NUM("tcp", "rto_init_ms", tcp_rto_init_ms, 1, 60000),
	NUM("tcp", "syn_retries", tcp_syn_retries, 1, 100),
	NUM("tcp", "synack_retries", tcp_synack_retries, 1, 100),
	NUM("tcp", "max_retries", tcp_max_retries, 1, 100),
	NUM("tcp", "delack_ms", tcp_delack_ms, 1, 500),
	NUM("tcp", "fin_wait2_ms", tcp_fin_wait2_ms, 1, 3600000),
	NUM("tcp", "keepalive_ms", tcp_keepalive_ms, 0, 86400000),
	NUM("tcp", "keepalive_intvl_ms", tcp_keepalive_intvl_ms, 1, 3600000),
	NUM("tcp", "keepalive_probes", tcp_keepalive_probes, 1, 100),
	NUM("tcp", "nodelay", tcp_nodelay, 0, 1),
	NUM("tcp", "sack", tcp_sack, 0, 1),
	NUM("tcp", "rack", tcp_rack, 0, 1),
	NUM("tcp", "tlp", tcp_tlp, 0, 1),
	NUM("tcp", "timestamps", tcp_timestamps, 0, 1),
	NUM("tcp", "wscale", tcp_wscale, 0, 1),
	NUM("tcp", "synack_rexmit_per_s", tcp_synack_rexmit_per_s, 0, 10000000),
	NUM("tcp", "time_wait_max", tcp_time_wait_max, 0, TERN_TIME_WAIT_MAX),
	NUM("tcp", "full_rst", tcp_full_rst, 0, 1),
	NUM("fault", "seed", fault.seed, 0, UINT64_MAX),
	NUM("fault", "burst_len", fault.burst_len, 1, 1000000),
	NUM("fault", "burst_fixed", fault.burst_fixed, 0, 1),
	NUM("fault", "reorder_pkts", fault.reorder_pkts, 0, 1000000),
	NUM("fault", "reorder_us", fault.reorder_us, 0, 10000000),
	NUM("fault", "queue_kb", fault.queue_kb, 2, 65536),
};

/* [fault] probabilities: decimals 0..1 stored in parts per million. */
#define PPM(key, field) { key, offsetof(struct tern_config, fault.field) }

static const struct ppm_key {
	const char *key;
	size_t off;
} ppm_keys[] = {
	PPM("drop", drop_ppm),
	PPM("burst", burst_ppm),
	PPM("dup", dup_ppm),
	PPM("reorder", reorder_ppm),
	PPM("corrupt", corrupt_ppm),
};

static int
set_num(struct tern_config *c, const struct num_key *k, uint64_t v)
{
	void *p = (uint8_t *)c + k->off;

	switch (k->size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
	return 0;
}

static int
iface_key(struct ini_ctx *x, const char *key, const char *val)
{
	struct tern_iface_conf *ic = &x->c->iface[x->c->n_ifaces - 1];
	uint64_t v;

	if (strcmp(key, "port") == 0 && parse_u64(val, 0, RTE_MAX_ETHPORTS - 1, &v) == 0)
		ic->port_id = (uint16_t)v;
	else if (strcmp(key, "ip") == 0 && tern_config_parse_ip(val, &ic->ip, &ic->prefix_len) == 0)
		return 0;
	else if (strcmp(key, "gw") == 0 && tern_config_parse_ip(val, &ic->gw, NULL) == 0)
		return 0;
	else if (strcmp(key, "mtu") == 0 && parse_u64(val, 68, 9000, &v) == 0)
		ic->mtu = (uint16_t)v;
	else
		return -EINVAL;
	return 0;
}

/* The [fault] keys that are not plain numbers: dir, the probabilities
 * and the rate. 1 handled, 0 bad value (reason in x->why), -1 not one of
 * these keys. */
static int
fault_key(struct ini_ctx *x, const char *key, const char *val)
{
	struct tern_fault_conf *fc = &x->c->fault;
	double d;
	size_t i;

	if (strcmp(key, "dir") == 0) {
		if (strcmp(val, "rx") == 0)
			fc->dir = TERN_FAULT_RX;
		else if (strcmp(val, "tx") == 0)
			fc->dir = TERN_FAULT_TX;
		else if (strcmp(val, "both") == 0)
			fc->dir = TERN_FAULT_RX | TERN_FAULT_TX;
		else
			return 0;
		return 1;
	}
	if (strcmp(key, "rate_mbit") == 0) {
		if (parse_decimal(val, 0, 1e6, &d) != 0)
			return 0;
		fc->rate_bps = (uint64_t)(d * 1e6 + 0.5);
		return 1;
	}
	for (i = 0; i < RTE_DIM(ppm_keys); i++) {
		uint32_t ppm;

		if (strcmp(key, ppm_keys[i].key) != 0)
			continue;
		if (parse_decimal(val, 0, 1, &d) != 0)
			return 0;
		ppm = (uint32_t)(d * 1e6 + 0.5);
		memcpy((uint8_t *)x->c + ppm_keys[i].off, &ppm, sizeof(ppm));
		return 1;
	}
	return -1;
}

static const char *
fault_key_expects(const char *key)
{
	if (strcmp(key, "dir") == 0)
		return "rx, tx or both";
	if (strcmp(key, "rate_mbit") == 0)
		return "Mbit/s, a decimal 0..1000000";
	return "a probability, a decimal 0..1";
}

static const char *const syncookie_modes[TERN_TCP_SYNCOOKIES_COUNT] = {
	[TERN_TCP_SYNCOOKIES_OFF] = "off",
	[TERN_TCP_SYNCOOKIES_OVERFLOW] = "overflow",
	[TERN_TCP_SYNCOOKIES_ALWAYS] = "always",
};

static const char *const ecn_modes[TERN_TCP_ECN_COUNT] = {
	[TERN_TCP_ECN_OFF] = "off",
	[TERN_TCP_ECN_ON] = "on",
	[TERN_TCP_ECN_PASSIVE] = "passive",
};

/* The [tcp] keys that are words, not numbers: syncookies, ecn and
 * secret_file. 1 handled, 0 bad value (reason in x->why), -1 not one of
 * these keys. */
static int
tcp_text_key(struct ini_ctx *x, const char *key, const char *val)
{
	size_t i;

	if (strcmp(key, "ecn") == 0) {
		for (i = 0; i < RTE_DIM(ecn_modes); i++) {
			if (strcmp(val, ecn_modes[i]) == 0) {
				x->c->tcp_ecn = (uint8_t)i;
				return 1;
			}
		}
		snprintf(x->why, sizeof(x->why),
			 "[tcp] ecn = %s: bad value (off, on or passive)", val);
		return 0;
	}

	if (strcmp(key, "syncookies") == 0) {
		for (i = 0; i < RTE_DIM(syncookie_modes); i++) {
			if (strcmp(val, syncookie_modes[i]) == 0) {
				x->c->tcp_syncookies = (uint8_t)i;
				return 1;
			}
		}
		snprintf(x->why, sizeof(x->why),
			 "[tcp] syncookies = %s: bad value (off, overflow or always)", val);
		return 0;
	}
	if (strcmp(key, "secret_file") == 0) {
		if (val[0] == '\0' || strlen(val) >= sizeof(x->c->tcp_secret_file) ||
		    (val[0] != '/' && strcmp(val, "none") != 0)) {
			snprintf(x->why, sizeof(x->why), "[tcp] secret_file = %s: bad value "
				 "(an absolute path below %u bytes, or none)", val,
				 (unsigned int)sizeof(x->c->tcp_secret_file));
			return 0;
		}
		snprintf(x->c->tcp_secret_file, sizeof(x->c->tcp_secret_file), "%s", val);
		return 1;
	}
	return -1;
}

/* 1 applied, 0 bad value (reason in x->why), -1 unknown key. */
static int
config_ini_apply(struct ini_ctx *x, const char *section, const char *key, const char *val)
{
	size_t i;
	uint64_t v;
	int rc;

	if (strcmp(section, "iface") == 0)
		return x->iface_open && iface_key(x, key, val) == 0;
	if (strcmp(section, "tcp") == 0 && strcmp(key, "cc") == 0) {
		int id = tcp_cc_by_name(val);

		if (id < 0)
			return 0;
		x->c->tcp_cc = (uint8_t)id;
		return 1;
	}
	if (strcmp(section, "tcp") == 0) {
		rc = tcp_text_key(x, key, val);
		if (rc >= 0)
			return rc;
	}
	if (strcmp(section, "fault") == 0) {
		rc = fault_key(x, key, val);
		if (rc == 0)
			snprintf(x->why, sizeof(x->why), "[fault] %s = %s: bad value (%s)",
				 key, val, fault_key_expects(key));
		if (rc >= 0)
			return rc;
	}
	for (i = 0; i < RTE_DIM(num_keys); i++) {
		if (strcmp(section, num_keys[i].section) != 0 || strcmp(key, num_keys[i].key) != 0)
			continue;
		if (parse_u64(val, num_keys[i].lo, num_keys[i].hi, &v) != 0) {
			snprintf(x->why, sizeof(x->why), "[%s] %s = %s: bad value (%" PRIu64
				 "..%" PRIu64 ")", section, key, val, num_keys[i].lo,
				 num_keys[i].hi);
			return 0;
		}
		return set_num(x->c, &num_keys[i], v) == 0;
	}
	return -1;
}

static int
config_ini_key(void *user, const char *section, const char *key, const char *val)
{
	struct ini_ctx *x = user;
	int ok;

	if (key == NULL)			/* new section (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	ok = config_ini_apply(x, section, key, val);
	if (ok <= 0 && x->why[0] == '\0')
		snprintf(x->why, sizeof(x->why), "[%s] %s = %s: %s", section, key, val,
			 ok < 0 ? "unknown key" : "bad value");
	return ok > 0;
}

/* Text: no NUL and no control character other than tab, CR, LF, FF
 * (UTF-8 bytes pass). A binary file given by mistake is refused whole,
 * instead of whatever inih makes of it. */
static int
is_text(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\f') ||
		    ch == 0x7f)
			return 0;
	}
	return 1;
}

/* 1 when every byte of `f` is text (is_text), 0 when not, -errno. */
static int
file_is_text(FILE *f)
{
	char buf[4096];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (!is_text(buf, n))
			return 0;
	if (ferror(f))
		return errno != 0 ? -errno : -EIO;
	rewind(f);
	return 1;
}

/* inih reports sections only through keys; count [iface] headers first so
 * each starts a new interface. Also refuses what is not a text file: a
 * directory opens and reads as empty, and would "load" as no settings. */
static int
ini_section_scan(struct ini_ctx *x, const char *path)
{
	char line[512];
	struct stat st;
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		n = -EISDIR;
	else
		n = file_is_text(f);
	if (n <= 0) {
		fclose(f);
		return n == 0 ? -EILSEQ : n;
	}
	n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t");

		if (strncmp(p, "[iface]", 7) == 0)
			n++;
	}
	fclose(f);
	if (n + x->c->n_ifaces > TERN_MAX_IFACES)
		return -E2BIG;
	return n;
}

int
tern_config_load_ini(struct tern_config *c, const char *path, char *err, size_t err_len)
{
	struct ini_ctx x = { .c = c, .err = err, .err_len = err_len };
	int n, line;

	n = ini_section_scan(&x, path);
	if (n < 0) {
		snprintf(err, err_len, "%s: %s", path,
			 n == -E2BIG ? "too many [iface] sections" :
			 n == -EILSEQ ? "not a text file" : strerror(-n));
		return n;
	}
	if (n > 1) {
		snprintf(err, err_len, "%s: one [iface] section per file is supported", path);
		return -EINVAL;
	}
	if (n == 1) {
		c->n_ifaces++;
		memset(&c->iface[c->n_ifaces - 1], 0, sizeof(c->iface[0]));
		x.iface_open = 1;
	}
	line = ini_parse(path, config_ini_key, &x);
	if (line != 0) {
		snprintf(err, err_len, "%s:%d: %s", path, line,
			 x.why[0] != '\0' ? x.why : "syntax error");
		return -EINVAL;
	}
	return 0;
}

/* What single [fault] keys cannot check: combinations and API misuse. */
static int
fault_validate(const struct tern_fault_conf *f, char *err, size_t err_len)
{
	const uint32_t ppm[] = { f->drop_ppm, f->burst_ppm, f->dup_ppm,
				 f->reorder_ppm, f->corrupt_ppm };
	size_t i;

	for (i = 0; i < RTE_DIM(ppm); i++) {
		if (ppm[i] > 1000000) {
			snprintf(err, err_len, "[fault] probabilities are 0..1 (1000000 ppm)");
			return -EINVAL;
		}
	}
	if (f->dir == 0 || (f->dir & ~(TERN_FAULT_RX | TERN_FAULT_TX)) != 0) {
		snprintf(err, err_len, "[fault] dir must be rx, tx or both");
		return -EINVAL;
	}
	if (f->burst_ppm != 0 && f->burst_len == 0) {
		snprintf(err, err_len, "[fault] burst needs burst_len >= 1");
		return -EINVAL;
	}
	if (f->reorder_ppm != 0 && f->reorder_pkts == 0 && f->reorder_us == 0) {
		snprintf(err, err_len, "[fault] reorder needs reorder_pkts or reorder_us");
		return -EINVAL;
	}
	if (f->rate_bps != 0 && f->queue_kb < 2) {
		snprintf(err, err_len, "[fault] rate_mbit needs queue_kb >= 2 (a full frame)");
		return -EINVAL;
	}
	return 0;
}

/* Why `a` cannot be a host's unicast address on the subnet `mask`, or
 * NULL when it can (RFC 1122 3.2.1.3, RFC 5735/6890; RFC 3021: a /31 has
 * no network or broadcast address). */
static const char *
addr_not_unicast(uint32_t a, uint32_t mask)
{
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8 (\"this network\")";
	if ((a >> 24) == 127)
		return "a loopback address";
	if ((a >> 28) == 0xe)
		return "a multicast address";
	if (a == UINT32_MAX)
		return "the limited broadcast address";
	if ((a >> 28) == 0xf)
		return "reserved (240.0.0.0/4)";
	if (mask < 0xfffffffeu && (a & ~mask) == 0)
		return "the network address of its subnet";
	if (mask < 0xfffffffeu && (a & ~mask) == ~mask)
		return "the broadcast address of its subnet";
	return NULL;
}

static int
iface_validate(const struct tern_iface_conf *ic, uint16_t i, char *err, size_t err_len)
{
	uint32_t mask = ic->prefix_len ? ~0u << (32 - ic->prefix_len) : 0;
	const char *why;

	if (ic->ip == 0 || ic->prefix_len == 0 || ic->prefix_len > 32) {
		snprintf(err, err_len, "interface %u: address and prefix needed (A.B.C.D/N)", i);
		return -EINVAL;
	}
	why = addr_not_unicast(ic->ip, mask);
	if (why != NULL) {
		snprintf(err, err_len, "interface %u: address %u.%u.%u.%u/%u is %s", i,
			 ic->ip >> 24, (ic->ip >> 16) & 0xff, (ic->ip >> 8) & 0xff, ic->ip & 0xff,
			 ic->prefix_len, why);
		return -EINVAL;
	}
	if (ic->gw != 0 && (ic->gw & mask) != (ic->ip & mask)) {
		snprintf(err, err_len, "interface %u: gateway is outside its subnet", i);
		return -EINVAL;
	}
	if (ic->gw != 0 && ic->gw == ic->ip) {
		snprintf(err, err_len, "interface %u: gateway is the interface's own address", i);
		return -EINVAL;
	}
	why = ic->gw != 0 ? addr_not_unicast(ic->gw, mask) : NULL;
	if (why != NULL) {
		snprintf(err, err_len, "interface %u: gateway is %s", i, why);
		return -EINVAL;
	}
	if (ic->mtu != 0 && ic->mtu < TERN_MTU_MIN) {
		snprintf(err, err_len, "interface %u: MTU %u is too small for a TCP segment "
			 "(at least %u: IPv4 20 + TCP 20 + options 40 + 8 bytes of data)",
			 i, ic->mtu, TERN_MTU_MIN);
		return -EINVAL;
	}
	return 0;
}

/* RFC 6298 2.4/2.5: the bounds of the RTO must hold every value it takes. */
static int
rto_validate(const struct tern_config *c, char *err, size_t err_len)
{
	if (c->tcp_rto_min_ms > c->tcp_rto_max_ms) {
		snprintf(err, err_len, "[tcp] rto_min_ms %u is above rto_max_ms %u",
			 c->tcp_rto_min_ms, c->tcp_rto_max_ms);
		return -EINVAL;
	}
	if (c->tcp_rto_init_ms > c->tcp_rto_max_ms) {
		snprintf(err, err_len, "[tcp] rto_init_ms %u is above rto_max_ms %u",
			 c->tcp_rto_init_ms, c->tcp_rto_max_ms);
		return -EINVAL;
	}
	return 0;
}

int
tern_config_validate(const struct tern_config *c, char *err, size_t err_len)
{
	uint16_t i;
	int rc;

	if (c->n_ifaces == 0 || c->n_ifaces > TERN_MAX_IFACES) {
		snprintf(err, err_len, "need 1..%d interfaces (--ip)", TERN_MAX_IFACES);
		return -EINVAL;
	}
	for (i = 0; i < c->n_ifaces; i++) {
		rc = iface_validate(&c->iface[i], i, err, err_len);
		if (rc != 0)
			return rc;
	}
	rc = rto_validate(c, err, err_len);
	if (rc != 0)
		return rc;
	if (c->tcp_cc >= TERN_TCP_CC_COUNT) {
		snprintf(err, err_len, "unknown tcp congestion control %u", c->tcp_cc);
		return -EINVAL;
	}
	if (c->tcp_syncookies >= TERN_TCP_SYNCOOKIES_COUNT) {
		snprintf(err, err_len, "unknown tcp syncookies mode %u", c->tcp_syncookies);
		return -EINVAL;
	}
	if (c->tcp_ecn >= TERN_TCP_ECN_COUNT) {
		snprintf(err, err_len, "unknown tcp ecn mode %u", c->tcp_ecn);
		return -EINVAL;
	}
	if (memchr(c->tcp_secret_file, '\0', sizeof(c->tcp_secret_file)) == NULL) {
		snprintf(err, err_len, "tcp secret_file is not terminated");
		return -EINVAL;
	}
	if (c->tcp_time_wait_max > TERN_TIME_WAIT_MAX || c->tcp_full_rst > 1) {
		snprintf(err, err_len, "[tcp] time_wait_max %u (at most %u) or full_rst %u (0 or 1)",
			 c->tcp_time_wait_max, TERN_TIME_WAIT_MAX, c->tcp_full_rst);
		return -EINVAL;
	}
	if (c->chan_size == 0 || (c->chan_size & (c->chan_size - 1)) != 0) {
		snprintf(err, err_len, "chan size must be a power of two");
		return -EINVAL;
	}
	return fault_validate(&c->fault, err, err_len);
}
