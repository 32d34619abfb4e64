"""Human-readable summaries of a build or a check."""
from __future__ import annotations

from collections import Counter

MAX_LISTED = 20


def summary(result, quiet: bool = False) -> str:
    lines: list[str] = []
    errors, warnings = result.errors, result.warnings
    lines.extend(str(p) for p in errors)
    if quiet:
        return "\n".join(lines)
    if len(warnings) <= MAX_LISTED:
        lines.extend(str(p) for p in warnings)
    else:
        kinds = Counter(_kind(p.message) for p in warnings)
        lines.append(f"{len(warnings)} warnings (`kg check` lists them):")
        lines.extend(f"  {n:>5}  {k}" for k, n in kinds.most_common())
    c = result.counts
    lines.append(
        f"Built {result.out}/ in {result.seconds:.1f}s: {c['works']} works, {c['thinkers']} "
        f"thinkers, {c.get('contributors', 0)} other authors, {c['themes']} themes, "
        f"{c['quotes']} quotes, {c['claims']} claims "
        f"({result.triples} triples); {len(errors)} error(s), {len(warnings)} warning(s).")
    if result.store_later:
        lines.append("The SPARQL store (`kg query`, `kg work`, `kg export`, `kg viz`, `kg push`) "
                     "is "
                     + ("being made in the background; a command that needs it before it is "
                        "ready waits for it." if result.store_later == "after" else
                        "made by the first command that needs it (a few seconds)."))
    return "\n".join(lines)


def _kind(message: str) -> str:
    return message.split(":")[0].split("'")[0].strip()
