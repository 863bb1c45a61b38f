/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The claim of an app process on a stack process's channels, and the
 * clean-up after an app process that died (app_proc.h). The claim is one
 * memzone both processes map; the pid in it is written with atomics, by
 * the app (claim, release) and by the last stack lcore that cleaned up.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include <tern/tern.h>

#include "app_proc.h"

struct app_proc_claim {
	int32_t pid;			/* the attached app process; 0: none */
	uint32_t n_stacks;		/* lcores that must clean up after a death */
	uint32_t cleaned;		/* lcores done with the current dead pid */
};

static void
claim_name(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "tapp_%s", name);
}

static struct app_proc_claim *
claim_lookup(const char *name)
{
	char mzn[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	claim_name(mzn, sizeof(mzn), name);
	mz = rte_memzone_lookup(mzn);
	return mz != NULL ? mz->addr : NULL;
}

static int
is_alive(int32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
app_proc_serve_init(const char *name, unsigned int n_stacks)
{
	char mzn[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct app_proc_claim *c;

	claim_name(mzn, sizeof(mzn), name);
	mz = rte_memzone_reserve(mzn, sizeof(*c), SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return -1;
	c = mz->addr;
	memset(c, 0, sizeof(*c));
	c->n_stacks = n_stacks;
	return 0;
}

int
app_proc_watch_start(struct app_proc_watch *w, const char *app, struct tern_stack *s,
		     const char *name)
{
	memset(w, 0, sizeof(*w));
	w->app = app;
	w->s = s;
	w->name = name;
	w->claim = claim_lookup(name);
	w->chan = tern_chan_create(s, name, 0);
	return w->chan != NULL ? 0 : -1;
}

void
app_proc_watch_poll(struct app_proc_watch *w, uint64_t now_ns)
{
	int32_t pid;

	if (now_ns < w->next_check_ns || w->claim == NULL)
		return;
	w->next_check_ns = now_ns + APP_PROC_CHECK_NS;
	pid = __atomic_load_n(&w->claim->pid, __ATOMIC_ACQUIRE);
	if (pid == 0 || pid == w->gone_pid || is_alive(pid))
		return;
	/* the app died: its sockets go (RSTs), the rings' mbufs go back */
	w->gone_pid = pid;
	if (w->chan != NULL)
		tern_chan_free(w->chan);
	w->chan = tern_chan_create(w->s, w->name, 0);
	printf("%s: lcore %u: app process %d gone, channel %s %s\n", w->app,
	       tern_stack_lcore(w->s), (int)pid, w->name,
	       w->chan != NULL ? "cleaned up and open again" : "cleaned up, cannot reopen");
	fflush(stdout);
	/* the last lcore frees the claim for the next app process */
	if (__atomic_add_fetch(&w->claim->cleaned, 1, __ATOMIC_ACQ_REL) == w->claim->n_stacks) {
		__atomic_store_n(&w->claim->cleaned, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w->claim->pid, 0, __ATOMIC_RELEASE);
	}
}

void
app_proc_watch_stop(struct app_proc_watch *w)
{
	if (w->chan != NULL)
		tern_chan_free(w->chan);
	w->chan = NULL;
}

int
app_proc_attach(const char *app, const char *name, unsigned int wait_s)
{
	struct app_proc_claim *c = claim_lookup(name);
	uint64_t end = rte_get_timer_cycles() + (uint64_t)wait_s * rte_get_timer_hz();
	int32_t me = (int32_t)getpid();

	if (c == NULL)
		return 0;
	for (;;) {
		int32_t pid = 0;

		if (__atomic_compare_exchange_n(&c->pid, &pid, me, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 0;
		if (is_alive(pid)) {
			fprintf(stderr, "%s: app process %d is attached to %s already\n", app,
				(int)pid, name);
			return -1;
		}
		if (rte_get_timer_cycles() > end) {
			fprintf(stderr, "%s: the stack process has not cleaned up after app "
				"process %d within %u s\n", app, (int)pid, wait_s);
			return -1;
		}
		rte_delay_ms(10);	/* the stack lcores clean up after it */
	}
}

void
app_proc_detach(const char *name)
{
	struct app_proc_claim *c = claim_lookup(name);
	int32_t me = (int32_t)getpid();

	if (c != NULL)
		__atomic_compare_exchange_n(&c->pid, &me, 0, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}
