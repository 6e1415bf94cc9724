#!/usr/bin/env python3
"""iperf_wire.py JSON BYTES_PER_S - did a shaped wire carry what it was
set to?  JSON is `iperf3 -J` of a TCP run through the wire.  TCP's
goodput is 1448 of each 1514 bytes on the wire; within 10% of the
setting passes.  A correctness bound on the shaping (the settings the
tests use are far below what any cable here carries unshaped), not a
threshold on the machine's speed."""
import json
import sys

r = json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]
want = float(sys.argv[2])
wire = r / 8 * 1514 / 1448
print("# received %.0f bit/s: %.0f bytes/s on the wire for %.0f set" % (r, wire, want))
sys.exit(0 if abs(wire - want) <= 0.1 * want else 1)
