/* SPDX-License-Identifier: BSD-3-Clause
 *
 * An app in its own process (a DPDK secondary) and the stack process that
 * serves it, over the channels NAME of every stack. A memzone "tapp_NAME"
 * says which process is attached: the app claims it at start (one at a
 * time) and clears it when it leaves. If the app process dies instead,
 * each stack lcore notices within APP_PROC_CHECK_NS (the pid is gone),
 * frees its channel NAME -- every connection and listener of the app is
 * aborted (peers get RSTs), every mbuf queued in the rings goes back to
 * its pool -- and opens a fresh one; the last lcore to do so frees the
 * memzone's claim for the next app process.
 *
 * Stack side (tern-echo --serve-app), on the main lcore:
 * app_proc_serve_init(); on each stack's lcore: app_proc_watch_start(),
 * app_proc_watch_poll() in the loop, app_proc_watch_stop().
 * App side (tern-ext-echo): app_proc_attach() before using the channels,
 * app_proc_detach() after leaving them.
 */
#ifndef TERN_APP_PROC_H
#define TERN_APP_PROC_H

#include <stdint.h>

struct tern_chan;
struct tern_stack;

#define APP_PROC_CHECK_NS 100000000ull	/* is the app process still there? */

struct app_proc_claim;

/* One stack lcore's watch over its channel NAME. */
struct app_proc_watch {
	const char *app;		/* "tern-echo": its lines start with it */
	struct tern_stack *s;
	const char *name;
	struct tern_chan *chan;		/* NULL: could not be (re)opened */
	struct app_proc_claim *claim;
	int32_t gone_pid;		/* the dead app this lcore cleaned up after */
	uint64_t next_check_ns;
};

/* Stack side, main lcore, before the lcores start: the claim memzone for
 * `n_stacks` stacks. 0, or -1 with rte_errno set. */
int app_proc_serve_init(const char *name, unsigned int n_stacks);

/* Stack side, on the stack's lcore: open the channel. 0, or -1 with
 * rte_errno set. */
int app_proc_watch_start(struct app_proc_watch *w, const char *app, struct tern_stack *s,
			 const char *name);

/* Stack side, in the loop: every APP_PROC_CHECK_NS, whether the attached
 * app process died; if so, its channel is freed and opened afresh (one
 * line on stdout). */
void app_proc_watch_poll(struct app_proc_watch *w, uint64_t now_ns);

void app_proc_watch_stop(struct app_proc_watch *w);

/* App side: claim the stack process's channels NAME for this process,
 * waiting (up to `wait_s`) while a dead predecessor is being cleaned up.
 * 0; -1 with a one-line reason on stderr (another live app holds them).
 * A stack process without the claim memzone is taken as it is (0). */
int app_proc_attach(const char *app, const char *name, unsigned int wait_s);

/* App side: give the claim back (after leaving the channels cleanly). */
void app_proc_detach(const char *name);

#endif
