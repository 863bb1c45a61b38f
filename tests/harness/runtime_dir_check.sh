#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The test harness leaves no DPDK runtime directory behind (issue 13 item
# 6): run a C test that brings up the EAL through tests/harness (its
# --file-prefix is terntest<pid>) and check, once it has exited 0, that
# its directory is gone. The EAL creates the directory even with
# --no-shconf, so before the harness removed it every test binary left
# one. TAP output.
#   runtime_dir_check.sh TEST-BINARY
set -u

bin=$1
if [[ $EUID -eq 0 ]]; then base=/var/run/dpdk; else base=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
log=$(mktemp /tmp/tern-rtdir.XXXXXX)
trap 'rm -f "$log"' EXIT
rc=0
CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$log" 2>&1 &
pid=$!
wait "$pid" || rc=$?
if [[ $rc -eq 0 ]]; then
	echo "ok - $(basename "$bin") passed (pid $pid)"
else
	echo "not ok - $(basename "$bin") passed (exit $rc)"
	sed 's/^/# /' "$log" | tail -n 20
fi
if [[ ! -e $base/terntest$pid ]]; then
	echo "ok - $base/terntest$pid is gone"
else
	echo "not ok - $base/terntest$pid is gone (left: $(ls -A "$base/terntest$pid" | tr '\n' ' '))"
	rm -rf "${base:?}/terntest$pid"
	rc=1
fi
echo "1..2"
exit $((rc != 0))
