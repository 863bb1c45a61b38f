#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern's built-in packet capture (--pcap, issue 13 item 2) against the
# Linux kernel. One network namespace of our own with a veth pair
# (offloads off on both ends, so the kernel's frames carry full checksums):
# tern-httpd on two lcores (EAL -l 0-1, net_af_packet qpairs=2,
# 198.18.46.2) writes a pcapng file while kernel sockets (capture_it.py)
# make three HTTP/1.1 requests of 100 kB, 2 kB and 0 B. After tern-httpd
# has exited: tcpdump reads the file; capture_it.py walks its blocks and
# finds, per connection, the three-way handshake in order and both byte
# streams exactly as the kernel sent and received them, with a direction
# and a queue (0 or 1) on every frame. Then tern-echo with --pcap-max 16k
# echoes 256 kB: the file stays within 16 KiB, is still readable, and the
# exit line counts the frames left out. Then tern-echo on net_tap, whose
# TX checksum offload leaves sent frames with the pseudo-header sum only:
# the file holds them with their checksums completed (every checksum in
# every file is verified). Bad --pcap/--pcap-max values are one-line
# errors, exit 2, before the EAL.
# Run by `meson test` (suite interop) with TERN_HTTPD and TERN_ECHO set;
# runnable by hand as root. Every process is bounded by timeout(1) and
# stopped by pid; the namespace and DPDK runtime directories go on exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
IT=$SCRIPT_DIR/capture_it.py
ID=tern-cap-$$
NS=$ID
PREFIX=$ID
TERN_IP=198.18.46.2
EAL=(--no-huge --no-pci -m 512 --no-shconf)
APP_LIMIT=120		# timeout(1) of every tern app, a safety net

option_errors() {	# bad values: one line on stderr, exit 2, no EAL
	local out rc

	for args in "--pcap-max 1k" "--pcap-max lots" "--pcap $WORK/no/such/dir/x.pcapng"; do
		rc=0
		# shellcheck disable=SC2086  # split on purpose
		out=$("$ECHO_BIN" -- --ip "$TERN_IP/24" --tcp 7 $args 2>&1 >/dev/null) || rc=$?
		if [[ $rc -eq 2 && $(wc -l <<<"$out") -eq 1 && $out == *--pcap* ]]; then
			tap_line ok "tern-echo $args: exit 2, '$out'"
		else
			tap_line "not ok" "tern-echo $args: exit 2 with one line (got $rc: $out)"
		fi
	done
}

need_root "network namespaces, veth, DPDK"
need_bins HTTPD_BIN ECHO_BIN
need_cpus 2
need_tools ip ethtool timeout tcpdump

it_begin
ns_add "$NS"
veth_add tca tck 198.18.46.1/24

option_errors

# 1. tern-httpd on two lcores, three requests, the capture checked after exit
must_start "tern-httpd starts with --pcap on two lcores" HTTPD_PID "$WORK/httpd.log" \
	'^tern-httpd: ready' ip netns exec "$NS" "$HTTPD_BIN" "${EAL[@]}" -l 0-1 \
	--file-prefix "$ID-h" --vdev net_af_packet0,iface=tca,qpairs=2 -- --ip "$TERN_IP/24" \
	--port 80 --pcap "$WORK/httpd.pcapng" --duration 100
ns_step "kernel requests" 60 http "$TERN_IP" 80 "$WORK/http.json" 3 100000 2048 0
stop_checked "$HTTPD_PID" tern-httpd "$WORK/httpd.log"
if line=$(grep -m1 "^tern-httpd: pcap .*: [1-9][0-9]* frames" "$WORK/httpd.log"); then
	tap_line ok "tern-httpd reports the capture: ${line#tern-httpd: }"
else
	tap_line "not ok" "tern-httpd reports the frames it captured"
fi
if tcpdump -nr "$WORK/httpd.pcapng" >"$WORK/tcpdump.txt" 2>"$WORK/tcpdump.err" &&
	grep -q "Flags \[S\]" "$WORK/tcpdump.txt" && grep -q "Flags \[S\.\]" "$WORK/tcpdump.txt" &&
	grep -q "HTTP" "$WORK/tcpdump.txt"; then
	tap_line ok "tcpdump reads the file: $(wc -l <"$WORK/tcpdump.txt") frames, SYN, SYN-ACK, HTTP"
else
	tap_line "not ok" "tcpdump reads the file and shows SYN, SYN-ACK and HTTP"
	head -n 5 "$WORK/tcpdump.err" "$WORK/tcpdump.txt" | diag
fi
[[ -s $WORK/http.json ]] &&
	it_step "capture contents" 60 check "$WORK/httpd.pcapng" "$WORK/http.json" \
		"$TERN_IP" 2

# 2. the size bound: 256 kB echoed through a 16 KiB capture
if start_app ECHO_PID "$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS" \
	"$ECHO_BIN" "${EAL[@]}" -l 0 --file-prefix "$ID-e" --vdev net_af_packet0,iface=tca -- \
	--ip "$TERN_IP/24" --tcp 7 --pcap "$WORK/echo.pcapng" --pcap-max 16k --duration 100; then
	ns_step "echo through a bounded capture" 60 echo "$TERN_IP" 7 "$WORK/echo.json" 262144
	stop_pid "$ECHO_PID"
	size=$(stat -c %s "$WORK/echo.pcapng")
	if [[ $STOP_RC -eq 0 && $size -le 16384 ]]; then
		tap_line ok "--pcap-max 16k: the file holds $size bytes, tern-echo exits cleanly"
	else
		tap_line "not ok" "--pcap-max 16k: file $size bytes, exit status $STOP_RC"
	fi
	if grep -q "^tern-echo: pcap .*[1-9][0-9]* past --pcap-max" "$WORK/echo.log" &&
		tcpdump -nr "$WORK/echo.pcapng" >/dev/null 2>&1; then
		tap_line ok "the frames left out are counted, the file stays readable"
	else
		tap_line "not ok" "the frames left out are counted, the file stays readable"
		grep "pcap" "$WORK/echo.log" | diag
	fi
else
	tap_line "not ok" "tern-echo starts with --pcap-max"
	tail -n 5 "$WORK/echo.log" | diag
fi
# 3. net_tap, whose checksum offload leaves tern's sent frames with the
# pseudo-header sum only: the capture completes them
if start_app ECHO2_PID "$WORK/tap.log" '^tern-echo: ready' ip netns exec "$NS" \
	"$ECHO_BIN" "${EAL[@]}" -l 0 --file-prefix "$ID-t" --vdev net_tap0,iface=tct0 -- \
	--ip 198.18.50.2/24 --tcp 7 --pcap "$WORK/tap.pcapng" --duration 100; then
	tap_kernel_side tct0 02:00:c6:12:32:01 198.18.50.1/24
	ns_step "echo over net_tap" 60 echo 198.18.50.2 7 "$WORK/tap.json" 20000
	stop_checked "$ECHO2_PID" "tern-echo on net_tap" "$WORK/tap.log"
	grep -q "offloads:.*tx-tcp-cksum" "$WORK/tap.log" &&
		tap_line ok "net_tap offloads TCP checksums (what this part is about)" ||
		tap_line ok "# SKIP net_tap offers no TCP checksum offload here"
	[[ -s $WORK/tap.json ]] &&
		it_step "capture contents (tap)" 60 check "$WORK/tap.pcapng" \
			"$WORK/tap.json" 198.18.50.2 1
else
	tap_line "not ok" "tern-echo starts with --pcap on net_tap"
	tail -n 5 "$WORK/tap.log" | diag
fi
it_end
