/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EAL bring-up for tests: the real EAL, no hugepages, no PCI, no shared
 * config so parallel test binaries never collide. At exit the EAL is torn
 * down and its runtime directory (/var/run/dpdk/terntest<pid>, created
 * even with --no-shconf) removed, so test runs leave nothing behind.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "harness.h"

static struct rte_mempool *pool;	/* test process global, not library */
static unsigned int baseline;
static const char *lcores = "0";	/* EAL -l, before the first init */
static pid_t eal_owner;			/* the process that ran rte_eal_init */

void
harness_eal_lcores(const char *list)
{
	lcores = list;
}

/* Remove `dir` and the plain files in it (EAL leaves none with
 * --no-shconf --no-telemetry, but a socket or lock file must not keep the
 * directory alive). */
static void
runtime_dir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	if (rmdir(dir) != 0)
		fprintf(stderr, "harness: cannot remove %s\n", dir);
}

/* atexit: a forked child that calls exit() must not tear down its
 * parent's EAL nor remove the directory, hence the owner check. The pool
 * is not freed: rte_eal_cleanup releases all EAL memory at once. */
static void
harness_eal_fini(void)
{
	char dir[PATH_MAX];

	if (getpid() != eal_owner)
		return;
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	runtime_dir_remove(dir);
}

void
harness_eal_init(void)
{
	char prefix[64];
	char *argv[16];
	int argc = 0;

	if (pool != NULL)
		return;
	snprintf(prefix, sizeof(prefix), "--file-prefix=terntest%d", (int)getpid());
	argv[argc++] = (char *)"tern-test";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"256";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)lcores;
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=lib.*:error";
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "harness: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	eal_owner = getpid();
	atexit(harness_eal_fini);
	/* No per-lcore cache: the in-use count is then exact at any time. */
	pool = rte_pktmbuf_pool_create("harness_pool", HARNESS_POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "harness: mbuf pool: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	baseline = rte_mempool_in_use_count(pool);
}

struct rte_mempool *
harness_pool(void)
{
	harness_eal_init();
	return pool;
}

unsigned int
harness_pool_in_use(void)
{
	return rte_mempool_in_use_count(harness_pool()) - baseline;
}

int
harness_setup(void **state)
{
	(void)state;
	harness_eal_init();
	return 0;
}

int
harness_teardown(void **state)
{
	unsigned int leaked = harness_pool_in_use();

	(void)state;
	if (leaked != 0) {
		fprintf(stderr, "harness: %u mbufs not returned to the pool\n", leaked);
		/* report once: later tests are judged from here */
		baseline = rte_mempool_in_use_count(pool);
		return -1;
	}
	return 0;
}
