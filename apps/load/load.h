/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's shared declarations: the parsed command line (load_opts.c,
 * load_url.c), one worker per lcore running the connections and measuring
 * (load_worker.c, load_conn.c), and the merged result printed in wrk's
 * format and as JSON (load_report.c) and as an HdrHistogram percentile file
 * (load_hgrm.c);
 * --merge folds the JSON results of several runs into one (load_merge.c).
 * main.c owns the EAL, the pool, the ports and the lcores; everything else
 * takes what it needs as arguments.
 */
#ifndef TERN_LOAD_H
#define TERN_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tern/tern.h>

#include "../common/cli.h"
#include "../common/hist.h"
#include "../common/http.h"
#include "../common/ports.h"
#include "../common/sched.h"

#define LOAD_MAX_CONNS 1000000u
/* Keep-alive connections pick their own local ports: connection g goes to
 * server port dst.lo + g % dst.n from local port LOAD_LPORT_LO + g / dst.n,
 * so one source address reaches LOAD_LPORTS connections per server port.
 * With several lcores each lcore takes, per server port, the local ports
 * whose replies its stack owns (tern_tcp_port_is_home), in order.
 * --close connections take the stack's ephemeral ports instead. */
#define LOAD_LPORT_LO 1024u
#define LOAD_LPORTS (65536u - LOAD_LPORT_LO)
#define LOAD_EPHEMERAL_PORTS 16384u	/* the stack's 49152..65535 */
#define LOAD_MAX_HEADERS 32
#define LOAD_MAX_REQUEST 8192		/* request head, bytes */
#define LOAD_HIST_LO_NS 1000ull		/* 1 us */
#define LOAD_HIST_HI_NS 60000000000ull	/* 60 s */
#define LOAD_HIST_DIGITS 3

/* http://A.B.C.D[:port]/path */
struct load_url {
	uint32_t addr;			/* host order */
	uint16_t port;
	char host[32];			/* "A.B.C.D" or "A.B.C.D:port" (Host header) */
	char path[HTTP_MAX_PATH + 1];
	const char *text;		/* as given */
};

struct load_opts {
	struct tern_config cfg;
	struct load_url url;
	struct port_range dst;		/* server ports: --dst-ports, else the URL's */
	uint32_t conns;
	uint64_t duration_ns;
	uint64_t rate;			/* total requests/s; 0 = closed loop */
	uint32_t in_flight;		/* closed loop: requests outstanding at most; 0 = conns */
	uint32_t threads;		/* lcores to use; 0 = every EAL lcore */
	int close_mode;			/* --close: one connection per request */
	uint64_t timeout_ns;
	uint64_t warmup_ns;
	int latency;			/* --latency: print the distribution */
	int hold;			/* --hold: keep the port after the run */
	const char *json_path;
	const char *hgrm_path;		/* --hgrm: HdrHistogram percentile text */
	int merge;			/* --merge: merge the result files below */
	int n_files;
	char **files;
	struct cli_capture cap;		/* --pcap, --pcap-max */
	const char *stats_path;		/* --stats: tern's counters as JSON at exit */
	const char *config_path;
	unsigned int n_headers;
	const char *headers[LOAD_MAX_HEADERS];
	char request[LOAD_MAX_REQUEST];	/* the request bytes, built once */
	uint32_t request_len;
};

/* Parse `argv` (the part after the EAL's `--`, argv[0] a program name).
 * Returns enum cli_result (cli.h): CLI_RUN, CLI_HELP, CLI_VERSION, or
 * CLI_ERROR with a one-line reason in `err`. */
int load_opts_parse(struct load_opts *o, int argc, char **argv, char *err, size_t err_len);
void load_usage(FILE *f);

/* Parse a URL; returns 0 or -1 with the reason in `err`. */
int load_url_parse(struct load_url *u, const char *s, char *err, size_t err_len);

/* Requests per second, one sample per lcore per whole second of the
 * measured window (exact: few samples, zeros included). */
struct load_rps {
	uint64_t *v;
	uint32_t n, cap;
};

int load_rps_init(struct load_rps *r, uint32_t cap);
void load_rps_add(struct load_rps *r, uint64_t v);
void load_rps_free(struct load_rps *r);

/* Counters of one phase (warm-up, measured window, drain). */
struct load_count {
	uint64_t requests;		/* responses completed */
	uint64_t bytes;			/* bytes received (heads and bodies) */
	uint64_t connects;		/* connections established */
	uint64_t err_connect;
	uint64_t err_read;
	uint64_t err_write;
	uint64_t err_timeout;
	uint64_t err_reset;
	uint64_t non2xx;		/* responses outside 200..399 */
	uint64_t status[6];		/* by class: [1] 1xx .. [5] 5xx, [0] other */
};

/* Phases in run order: keep-alive ramp-up (until every connection is up,
 * bounded by --timeout; none with --close), warm-up, the measured window,
 * the drain after it. */
enum load_phase { LOAD_RAMP, LOAD_WARMUP, LOAD_RUN, LOAD_DRAIN, LOAD_PHASE_COUNT };

/* What the main lcore reads while the workers run (relaxed atomics). */
struct load_live {
	uint64_t requests;
	uint64_t connects;
	uint64_t errors;
	uint64_t p99_ns;		/* of the measured window so far */
};

struct load_conn;

/* One lcore's share of the load. */
struct load_worker {
	const struct load_opts *o;
	unsigned int lcore;
	uint16_t queue;
	struct rte_mempool *pool;
	struct tern_stack *stack;
	struct tern_chan *chan;
	uint32_t first;			/* global index of conns[0] (schedule) */
	uint32_t n;			/* connections on this lcore */
	struct load_conn *conns;
	struct sched sched;
	uint64_t t_start, t_run, t_end;	/* load clock, ns */
	struct hist *lat;		/* measured window */
	struct load_rps rps;		/* requests per second, one sample per second */
	struct load_count count[LOAD_PHASE_COUNT];
	uint64_t sent;			/* requests sent, all phases */
	uint64_t aborted_at_end;	/* still unanswered after the drain */
	uint64_t ramp_ns;		/* keep-alive: start until every connection was up */
	uint32_t left_open;		/* connections not closed within the bound */
	uint32_t conns_up;		/* connections that were up at least once */
	struct load_live live;
	const volatile int *quit;	/* set by a signal: end the run now */
	uint32_t *ready;		/* workers past their probe (atomic) */
	uint32_t *finished;		/* workers past their close (atomic) */
	uint32_t n_workers;
	volatile uint64_t *go_ns;	/* start time: the last one ready sets it */
	int rc;
	void *priv;			/* struct worker_priv (load_worker_private.h) */
};

/* The load clock: ns from the TSC, one base for every lcore. */
struct load_clock {
	uint64_t base_tsc;
	uint64_t mult;			/* ns per tick << 32 */
};

void load_clock_init(struct load_clock *c);
uint64_t load_clock_ns(const struct load_clock *c);

/* Run a worker to the end (on its lcore): a probe connection (resolves
 * ARP, so the first burst of SYNs is not dropped waiting for it), then
 * wait for *go_ns, connect, load, drain, close.
 * `progress` is called about once a second on worker 0 only (may be NULL).
 * Returns 0 or -1 (setup failure). */
int load_worker_run(struct load_worker *w, const struct load_clock *clk,
		    void (*progress)(uint64_t now_ns));
void load_worker_fini(struct load_worker *w);

/* The merged result. */
struct load_result {
	const struct load_opts *o;
	uint32_t workers;
	double run_s;			/* measured window */
	struct hist *lat;
	struct load_rps rps;
	struct load_count count[LOAD_PHASE_COUNT];
	uint64_t sent;
	uint64_t aborted_at_end;
	uint32_t left_open;
	uint32_t conns_up;		/* connections that were up at least once */
	double ramp_s;			/* slowest lcore's ramp-up (keep-alive) */
	int64_t mbufs_leaked;		/* -1 = not checked */
	char *lcores;			/* more than one lcore: flat "lcore<N>_<name>"
					 * JSON members (main.c), or NULL */
	/* --merge: the runs were concurrent (several machines), so their
	 * rates add up; count / run_s would not give that sum when the
	 * windows differ a little. runs == 0: a single run, rates computed. */
	uint32_t runs;
	double req_per_s, bytes_per_s, conns_per_s;
};

int load_result_merge(struct load_result *r, struct load_worker *w, uint32_t n);
void load_result_fini(struct load_result *r);
void load_report_header(const struct load_opts *o, uint32_t workers);
void load_report_text(const struct load_result *r);
int load_report_json(const struct load_result *r, const char *path);
/* --hgrm (load_hgrm.c): the latency histogram in HdrHistogram's
 * percentile-distribution text, values in ms. Returns 0 or -1 (errno). */
void load_hgrm_write(FILE *f, const struct hist *h);
int load_report_hgrm(const struct load_result *r, const char *path);
/* --merge FILE... (load_merge.c): result files of concurrent runs merged
 * into one report, printed and written like a run's. Returns the exit
 * status: 0, 1 (a write failed), 2 (unreadable or mismatched files). */
int load_merge(const struct load_opts *o);
/* The live line on stderr: rates since the previous call. */
struct load_progress {
	uint64_t t_prev_ns;
	uint64_t requests_prev;
	uint64_t connects_prev;
};
void load_report_progress(struct load_progress *pr, const struct load_worker *w, uint32_t n,
			  uint64_t now_ns);

#endif
