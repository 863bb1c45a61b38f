# SPDX-License-Identifier: BSD-3-Clause
#
# The tern bulk run of bench/e2e/run.sh (bulk_tern) as JSON: the bytes
# tern-tcp-client --source sent and its transfer time, from its log, and
# the bytes tern-echo --tcp-discard counted, from the server's log; written
# to OUT with the throughput and whether both ends agree. Prints one line
# for the run's console. summary.py reads the result.
#
# usage: bulk_json.py CLIENT_LOG ECHO_LOG OUT
import json
import re
import sys

log, echo_log, out = sys.argv[1:4]
m = re.search(r"^tern-tcp-client: sent (\d+) rcvd (\d+) bytes in ([\d.]+) s", open(log).read(), re.M)
d = re.findall(r"discarded (\d+) bytes", open(echo_log).read())
sent, secs = (int(m.group(1)), float(m.group(3))) if m else (0, 0.0)
discarded = sum(map(int, d)) if d else None
json.dump({"tool": "tern-tcp-client --source -> tern-echo --tcp-discard",
	   "sent_bytes": sent, "discarded_bytes": discarded, "transfer_s": secs,
	   "counts_match": discarded == sent,
	   "gbit_per_s": sent * 8 / secs / 1e9 if secs > 0 else None},
	  open(out, "w"), indent=1)
print("tern: %d bytes in %.2f s: %.2f Gbit/s; the sink counted %s" %
      (sent, secs, sent * 8 / secs / 1e9 if secs > 0 else 0, discarded))
