/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EAL bring-up for benches that do not link tests/harness (which has its
 * own, sized for tests): the real EAL without hugepages, PCI or a shared
 * config, a file prefix unique to the process, and as much memory as the
 * bench asks for (the 1M-connection flow table needs ~0.5 GiB). Its
 * runtime directory is removed at exit.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "shim.h"

/* EAL leaves its (empty) runtime directory behind: remove ours. */
static void
eal_done(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

void
bench_eal_cleanup_at_exit(void)
{
	static int registered;

	if (!registered && atexit(eal_done) == 0)
		registered = 1;
}

void
bench_eal_init(const char *tag, unsigned int mem_mb)
{
	static int done;	/* the process's EAL, brought up once */
	char prefix[64], mem[16];
	char *argv[16];
	int argc = 0;

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "--file-prefix=ternbench_%s_%d", tag,
		 (int)getpid());
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	argv[argc++] = (char *)"tern-bench";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--log-level=lib.*:error";
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	done = 1;
	bench_eal_cleanup_at_exit();
}
