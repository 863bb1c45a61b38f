# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Hugepages for the interop tests that need a DPDK secondary process
# (dpdk-dumpcap, an app in its own process): shared memory between
# processes needs hugepages. Sourced, not run. huge_setup adds N 2 MiB
# pages to the system's pool and mounts a hugetlbfs of our own under
# $WORK; huge_cleanup (from the sourcing script's EXIT trap) unmounts it
# and gives the pages back. Tests using it are not run in parallel.

HUGE_DIR=
HUGE_PREV=
HUGE_ADDED=0

huge_setup() {		# huge_setup N: 0, or 1 with the reason on stdout
	local n=$1 path=/proc/sys/vm/nr_hugepages free

	[[ -w $path ]] || { echo "cannot write $path"; return 1; }
	HUGE_PREV=$(<"$path")
	echo $((HUGE_PREV + n)) >"$path" 2>/dev/null || true
	HUGE_ADDED=1
	free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	if [[ ${free:-0} -lt $n ]]; then
		echo "only ${free:-0} free 2 MiB hugepages after asking for $n more"
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
	if [[ -n $HUGE_DIR ]]; then
		rm -f "$HUGE_DIR"/* 2>/dev/null
		umount "$HUGE_DIR" 2>/dev/null
		HUGE_DIR=
	fi
	if [[ $HUGE_ADDED -eq 1 && -n $HUGE_PREV ]]; then
		echo "$HUGE_PREV" >/proc/sys/vm/nr_hugepages 2>/dev/null
		HUGE_ADDED=0
	fi
}
