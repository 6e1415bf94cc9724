#!/usr/bin/env python3
"""tcpstream.py - a TCP stream whose bytes are checked end to end.

    tcpstream.py sink ADDR PORT READY PROGRESS
        listen on ADDR:PORT, create READY once listening; accept one
        connection, read it to EOF; PROGRESS holds the byte count so
        far (replaced atomically every MiB); print "BYTES SHA256" at EOF
    tcpstream.py source ADDR PORT STOP MIN_MIB RATE_MIB
        send fresh random bytes, at most RATE_MIB MiB/s, until the file
        STOP exists and at least MIN_MIB MiB went; then close our side,
        wait for the sink to close, print "BYTES SHA256"

The two lines must be equal.  Each side has a deadline for a stalled
stream (generous: it only turns a dead connection into a failure).
"""
import hashlib
import os
import socket
import sys
import time

MIB = 1 << 20
STALL = 120.0  # no byte moved for this long: the stream is dead


def sink(addr, port, ready, progress):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1)
    open(ready, 'w').close()
    c, _ = s.accept()
    c.settimeout(STALL)
    h, n, told = hashlib.sha256(), 0, 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
        if n - told >= MIB:
            with open(progress + '.tmp', 'w') as f:
                f.write('%d\n' % n)
            os.rename(progress + '.tmp', progress)
            told = n
    c.close()
    print(n, h.hexdigest())


def source(addr, port, stop, min_mib, rate_mib):
    s = socket.create_connection((addr, int(port)), timeout=STALL)
    h, n = hashlib.sha256(), 0
    least, rate = int(min_mib) * MIB, float(rate_mib) * MIB
    start = time.monotonic()
    while n < least or not os.path.exists(stop):
        b = os.urandom(MIB)
        s.sendall(b)
        h.update(b)
        n += len(b)
        ahead = start + n / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):  # the sink closes once it has read everything
        pass
    s.close()
    print(n, h.hexdigest())


if __name__ == '__main__':
    cmds = {'sink': (sink, 4), 'source': (source, 5)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])
