# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Hugepages for the interop tests that need a DPDK secondary process
# (dpdk-dumpcap, an app in its own process): shared memory between
# processes needs hugepages. Sourced, not run. huge_setup makes sure N
# 2 MiB pages are free (adding only the missing ones to the system's pool)
# and mounts a hugetlbfs of our own under $WORK; huge_cleanup (from the
# sourcing script's EXIT trap) unmounts it and takes back the pages it
# added. Tests using it are not run in parallel.

HUGE_DIR=
HUGE_ADDED=0		# pages we added to the system's pool (given back)

huge_free() {
	awk '/^HugePages_Free/ {print $2}' /proc/meminfo
}

huge_setup() {		# huge_setup N: 0, or 1 with the reason on stdout
	local n=$1 path=/proc/sys/vm/nr_hugepages free

	free=$(huge_free)
	# others may use hugepages too: add only what is missing, and later
	# take back only that (relative, never an absolute value)
	if [[ ${free:-0} -lt $n ]]; then
		[[ -w $path ]] || { echo "cannot write $path"; return 1; }
		HUGE_ADDED=$((n - ${free:-0}))
		echo $(($(<"$path") + HUGE_ADDED)) >"$path" 2>/dev/null || true
		free=$(huge_free)
	fi
	if [[ ${free:-0} -lt $n ]]; then
		echo "only ${free:-0} free 2 MiB hugepages, $n needed"
		return 1
	fi
	HUGE_DIR=$WORK/huge
	mkdir -p "$HUGE_DIR"
	if ! mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_DIR" 2>/dev/null; then
		HUGE_DIR=
		echo "cannot mount hugetlbfs"
		return 1
	fi
	return 0
}

huge_cleanup() {
	local path=/proc/sys/vm/nr_hugepages cur

	if [[ -n $HUGE_DIR ]]; then
		rm -f "$HUGE_DIR"/* 2>/dev/null
		umount "$HUGE_DIR" 2>/dev/null
		HUGE_DIR=
	fi
	if [[ $HUGE_ADDED -gt 0 ]]; then
		cur=$(<"$path")
		echo $((cur > HUGE_ADDED ? cur - HUGE_ADDED : 0)) >"$path" 2>/dev/null
		HUGE_ADDED=0
	fi
}
