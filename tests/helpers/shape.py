#!/usr/bin/env python3
"""shape.py - the switch's parts must not depend on each other in a circle.

  shape.py SRCDIR OBJDIR

A part is a file stem of applets/switch/ (X.c and X.h), with the console
(mgmt*.c) and the spanning tree (stp*.c) one part each.  Two graphs:
imports (header X.h includes "Y.h") and links (X.o uses a function or
variable Y.o defines, from nm).  Any cycle but port <-> stp fails, named.
A .c file may include the headers of the types it touches (tx.c counts
on struct port): that is no dependency on the other part's code, which
the link graph would show.  Prints each part's
dependencies, so a newcomer sees the layers."""
import os, re, subprocess, sys

ALLOWED = {frozenset({"port", "stp"})}


def part(stem):
    for group in ("mgmt", "stp"):
        if stem == group or stem.startswith(group + "_"):
            return group
    return stem


def imports(srcdir):
    g = {}
    for f in sorted(os.listdir(srcdir)):
        if not f.endswith(".h"):
            continue
        me = part(f[:-2])
        for line in open(os.path.join(srcdir, f)):
            m = re.match(r'\s*#\s*include\s+"([^"/]+)\.h"', line)
            if m and os.path.exists(os.path.join(srcdir, m.group(1) + ".h")):
                other = part(m.group(1))
                if other != me:
                    g.setdefault(me, set()).add(other)
        g.setdefault(me, set())
    return g


def links(srcdir, objdir):
    defs, uses = {}, {}
    for f in sorted(os.listdir(srcdir)):
        if not f.endswith(".c"):
            continue
        obj = os.path.join(objdir, f[:-2] + ".o")
        if not os.path.exists(obj):
            sys.exit("shape.py: no object %s (build first)" % obj)
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        me = part(f[:-2])
        for line in out.splitlines():
            w = line.split()
            if len(w) == 2 and w[0] == "U":
                uses.setdefault(me, set()).add(w[1])
            elif len(w) == 3 and w[1] in "TDBRCGSV":
                defs[w[2]] = me
        uses.setdefault(me, set())
    return {p: {defs[s] for s in u if s in defs and defs[s] != p} for p, u in uses.items()}


def cycles(g):
    """Strongly connected components with more than one part (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def main():
    srcdir, objdir = sys.argv[1], sys.argv[2]
    bad = 0
    for name, g in (("import", imports(srcdir)), ("link", links(srcdir, objdir))):
        print("%s graph:" % name)
        for p in sorted(g):
            print("  %-10s -> %s" % (p, " ".join(sorted(g[p])) or "-"))
        for comp in cycles(g):
            if frozenset(comp) in ALLOWED:
                continue
            print("%s cycle: %s" % (name, " <-> ".join(sorted(comp))))
            bad = 1
    sys.exit(bad)


if __name__ == "__main__":
    main()
