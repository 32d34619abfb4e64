"""Cycles in what links to what: skos:broader between themes, crossref between entries,
@string macros that use each other.  Each is reported once, deterministically."""
from __future__ import annotations


def find_cycles(links: dict[str, list[str]]) -> list[list[str]]:
    """One cycle of each strongly connected component of a directed graph (node -> nodes it
    links to; Tarjan's algorithm, without recursion), found from the component's
    smallest node through the smallest next node each time, and written from its own smallest
    node round to it again.  A node linked to itself is a cycle of one.  Sorted,
    deterministic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    comps: list[set[str]] = []
    for root in sorted(links):
        if root in index:
            continue
        work = [(root, iter(sorted(links.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(links.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.add(x)
                    if x == node:
                        break
                if len(comp) > 1 or node in links.get(node, ()):
                    comps.append(comp)
    out = []
    for comp in comps:
        start = min(comp)
        path, seen, x = [start], {start}, start
        while True:
            nxt = min(n for n in links.get(x, ()) if n in comp)
            path.append(nxt)
            if nxt in seen:
                break
            seen.add(nxt)
            x = nxt
        cycle = path[path.index(path[-1]):-1]
        k = cycle.index(min(cycle))
        cycle = cycle[k:] + cycle[:k]
        out.append([*cycle, cycle[0]])
    return sorted(out)
