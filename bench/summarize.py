#!/usr/bin/python3
"""Summarizes a bench/run.sh results file: medians over repetitions, ratios, CPU accounting (markdown)."""
import math
import re
import sys
from collections import defaultdict

CLIENTS = ["zkdiscovery", "zkdiscovery-persistent", "zkdiscovery-inline", "zkdiscovery-endpoints", "zkdiscovery-config", "java", "kazoo", "floor",
           "curator-cache", "curator-pcc"]
# W7's Java watchers (the references of the scale targets) and the ZkDiscovery clients measured against them.
JAVA_W7 = ["java", "curator-cache", "curator-pcc"]
# (workload, key, label, decimals)
ROWS = [
    ("W1", "ops_s", "W1 ops/s", 0),
    ("W1", "cpu_us_op", "W1 client CPU µs/op", 1),
    ("W1", "ops_s", "W1i ops/s (ratios: zkdiscovery-inline)", 0, "zkdiscovery-inline"),
    ("W1", "cpu_us_op", "W1i client CPU µs/op (ratios: zkdiscovery-inline)", 1, "zkdiscovery-inline"),
    ("W2", "p50_us", "W2 p50 µs", 0),
    ("W2", "p99_us", "W2 p99 µs", 0),
    ("W2", "cpu_us_op", "W2 client CPU µs/op", 1),
    ("W2", "tp_items_op", "W2 thread-pool items/call", 2),
    ("W2", "csw_op", "W2 voluntary context switches/call", 2),
    ("W3", "create_ops_s", "W3 create ops/s", 0),
    ("W3", "delete_ops_s", "W3 delete ops/s", 0),
    ("W3", "cpu_us_op", "W3 client CPU µs/op", 1),
    ("W3", "cpu_us_op", "W3i client CPU µs/op (ratios: zkdiscovery-inline)", 1, "zkdiscovery-inline"),
    ("W4", "p50_us", "W4 p50 µs", 0),
    ("W4", "p99_us", "W4 p99 µs", 0),
    ("W4", "cpu_us_op", "W4 client CPU µs/cycle", 1),
    ("W4", "tp_items_op", "W4 thread-pool items/cycle", 2),
    ("W2busy", "p50_us", "W2 busy host p50 µs", 0),
    ("W2busy", "p99_us", "W2 busy host p99 µs", 0),
    ("W2busy", "cpu_us_op", "W2 busy host client CPU µs/op", 1),
    ("W4busy", "p50_us", "W4 busy host p50 µs", 0),
    ("W4busy", "p99_us", "W4 busy host p99 µs", 0),
    ("W4busy", "cpu_us_op", "W4 busy host client CPU µs/cycle", 1),
    ("W5", "converge_ms", "W5 converge ms", 1),
    ("W5", "events", "W5 events", 0),
    ("W5", "all_acked_ms", "W5 all acked ms", 1),
    ("W5", "converge_ms", "W5e converge ms (ratios: zkdiscovery-endpoints)", 1, "zkdiscovery-endpoints"),
    ("W5", "events", "W5e events (ratios: zkdiscovery-endpoints)", 0, "zkdiscovery-endpoints"),
    ("W6", "p50_ms", "W6 p50 ms", 2),
    ("W6", "close_p50_ms", "W6 close p50 ms", 2),
    ("W7", "load_ms", "W7 load ms", 1),
    ("W7", "lag_p50_ms", "W7 lag p50 ms", 2),
    ("W7", "lag_p99_ms", "W7 lag p99 ms", 2),
    ("W7", "cpu_us_change", "W7 CPU µs/change", 1),
    ("W7", "heap_mb", "W7 heap MB", 1),
    ("W7", "final_ok", "W7 final_ok (min)", 0),
    ("W8", "all_p50_ms", "W8 all p50 ms", 2),
    ("W8", "all_p99_ms", "W8 all p99 ms", 2),
    ("W8", "cpu_us_notify", "W8 CPU µs/notify", 1),
    ("W8", "rss_mb", "W8 RSS MB", 1),
    ("W8", "all_p99_ms", "W8c all p99 ms (ratios: zkdiscovery-config)", 2, "zkdiscovery-config"),
    ("W8", "cpu_us_notify", "W8c CPU µs/notify (ratios: zkdiscovery-config)", 1, "zkdiscovery-config"),
]


def median(values):
    s = sorted(values)
    return s[int(math.ceil(0.5 * len(s))) - 1] if s else None


def fmt(v, decimals):
    if v is None:
        return "—"
    return "{:,.{d}f}".format(v, d=decimals)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return "%.2f" % (a / b)


def targets(results, present):
    """The W7/W8 targets as ratios in this run (only when W7 or W8 ran)."""
    def med(c, w, key):
        vals = results.get((c, w), {}).get(key) if (c, w) in results else None
        return median(vals) if vals else None

    def best(w, key, clients, pick=min):
        vals = [med(c, w, key) for c in clients]
        vals = [v for v in vals if v is not None]
        return pick(vals) if vals else None

    out = []
    # The floor's column shows what the least possible watcher that reads the data gets against the same references.
    w7 = [c for c in ("zkdiscovery-endpoints", "zkdiscovery", "floor") if c in present and (c, "W7") in results]
    w8 = [c for c in ("zkdiscovery-config", "zkdiscovery") if c in present and (c, "W8") in results]
    if not w7 and not w8:
        return out
    out.append("")
    out.append("## Scale targets, as ratios in this run (ZkDiscovery's median / the reference's median)")
    out.append("")
    out.append("| target | limit | " + " | ".join("W7: %s" % c for c in w7) + (" | " if w7 and w8 else "")
               + " | ".join("W8: %s" % c for c in w8) + " |")
    out.append("|---|---:|" + "---:|" * (len(w7) + len(w8)))
    rows = [
        ("W7 lag p50 / best Java watcher's", "≤ 0.5", "W7", "lag_p50_ms", best("W7", "lag_p50_ms", JAVA_W7)),
        ("W7 lag p99 / best Java watcher's", "≤ 0.5", "W7", "lag_p99_ms", best("W7", "lag_p99_ms", JAVA_W7)),
        ("W7 CPU per change / best Java watcher's", "≤ 0.5", "W7", "cpu_us_change", best("W7", "cpu_us_change", JAVA_W7)),
        ("W7 heap / smallest Java watcher's", "≤ 1", "W7", "heap_mb", best("W7", "heap_mb", JAVA_W7)),
        ("W7 load / raw Java watcher's", "≤ 1", "W7", "load_ms", med("java", "W7", "load_ms")),
        ("W8 all p99 / Java's", "≤ 1", "W8", "all_p99_ms", med("java", "W8", "all_p99_ms")),
        ("W8 CPU per notify / Java's", "≤ 0.6", "W8", "cpu_us_notify", med("java", "W8", "cpu_us_notify")),
    ]
    for label, limit, w, key, ref in rows:
        if not (w7 if w == "W7" else w8):
            continue
        cells = []
        for c in w7:
            cells.append(ratio(med(c, "W7", key), ref) if w == "W7" else "")
        for c in w8:
            cells.append(ratio(med(c, "W8", key), ref) if w == "W8" else "")
        out.append("| %s | %s | %s |" % (label, limit, " | ".join(cells)))
    if w7:
        cells = ["%d" % min(results[(c, "W7")]["final_ok"]) if results[(c, "W7")].get("final_ok") else "—" for c in w7]
        out.append("| W7 final_ok in every run | = 1 | %s%s |" % (" | ".join(cells), " |" * len(w8)))
    out.append("")
    if "floor" in w7:
        out.append("The W7: floor column is not ZkDiscovery: it is the raw-socket floor (no client library, the instances' data")
        out.append("read) against the same references: about the best a watcher that reads the data can do on this machine.")
    out.append("W7's CPU per change must also stay flat in N: compare this table's W7 CPU µs/change with a run at the other")
    out.append("scale (`summarize.py --scales RUN_0.1 RUN_1` prints both side by side).")
    return out


def scales(paths):
    """W7 CPU per change (and lag) of several runs side by side, one column per run's --scale."""
    rows = []
    for path in paths:
        scale = "?"
        vals = defaultdict(lambda: defaultdict(list))
        for line in open(path, encoding="utf-8"):
            if line.startswith("# scale="):
                scale = line.split()[1].split("=")[1]
            parts = line.split()
            if len(parts) > 3 and parts[0] == "RESULT" and parts[2] == "W7":
                for kv in parts[3:]:
                    k, _, v = kv.partition("=")
                    if re.fullmatch(r"-?[0-9.]+", v):
                        vals[parts[1]][k].append(float(v))
        rows.append((scale, vals))
    print("| client | " + " | ".join("CPU µs/change @ scale %s" % s for s, _ in rows) + " | ratio last/first |")
    print("|---|" + "---:|" * (len(rows) + 1))
    for c in CLIENTS:
        cells = [median(v[c]["cpu_us_change"]) if v[c]["cpu_us_change"] else None for _, v in rows]
        if all(x is None for x in cells):
            continue
        print("| %s | %s | %s |" % (c, " | ".join(fmt(x, 1) for x in cells), ratio(cells[-1], cells[0])))


def main(path):
    results = defaultdict(lambda: defaultdict(list))   # (client, W) -> key -> [values]
    cpu = defaultdict(lambda: defaultdict(list))       # (client, W) -> key -> [values]
    fails = defaultdict(int)
    header = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# ZkDiscovery") or line.startswith("# host") or line.startswith("# commit") or line.startswith("# scale"):
            header.append(line[2:])
        parts = line.split()
        if len(parts) < 3:
            continue
        if parts[0] in ("RESULT", "CPU"):
            target = results if parts[0] == "RESULT" else cpu
            for kv in parts[3:]:
                k, _, v = kv.partition("=")
                if re.fullmatch(r"-?[0-9.]+", v):
                    target[(parts[1], parts[2])][k].append(float(v))
        elif parts[0] == "FAIL":
            fails[(parts[1], parts[2])] += 1

    present = [c for c in CLIENTS if any(k[0] == c for k in list(results) + list(cpu))]
    out = []
    out.append("")
    out.append("## Summary (medians over repetitions)")
    out.append("")
    out.extend("    " + h for h in header)
    out.append("")
    cols = present + ["ZkD/Java", "ZkD/kazoo", "ZkD/floor"]
    out.append("| metric | " + " | ".join(cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for row in ROWS:
        w, key, label, d = row[:4]
        zclient = row[4] if len(row) > 4 else "zkdiscovery"
        values = {}
        cells = []
        for c in present:
            if (c, w) not in results or not results[(c, w)][key]:
                v = None
            elif key == "final_ok":
                v = min(results[(c, w)][key])  # every run must be 1
            else:
                v = median(results[(c, w)][key])
            values[c] = v
            cell = fmt(v, d)
            if fails.get((c, w)):
                cell += " (%d FAIL)" % fails[(c, w)]
            cells.append(cell)
        if all(values[c] is None for c in present):
            continue
        z = values.get(zclient)
        floor = values.get("floor") if w in ("W1", "W2", "W2busy") and key in ("ops_s", "p50_us", "p99_us") else None
        cells += [ratio(z, values.get("java")), ratio(z, values.get("kazoo")), ratio(z, floor)]
        out.append("| " + label + " | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Ratios are ZkDiscovery's value divided by the other's: above 1 is better for ops/s, below 1 is better")
    out.append("for latencies and CPU. zkdiscovery-persistent is W4 with one persistent watch (AddWatchAsync) instead")
    out.append("of re-armed one-shot watches; zkdiscovery-endpoints is W5 with a ZooKeeperServiceEndpointResolver as the")
    out.append("watcher (events = snapshot changes); the W5e rows repeat W5 with its value in the ratio columns.")
    out.append("zkdiscovery-inline is W1/W3 with --inline-permits: the issuer resumes on the thread that released a permit")
    out.append("(inside the completion callbacks) instead of on the thread pool; the W1i/W3i rows put it in the ratio columns.")
    out.append("In W7 zkdiscovery is the client's raw getChildren watcher (reads new children's data), zkdiscovery-endpoints")
    out.append("the discovery resolver; java is the raw Java getChildren watcher (no data), curator-* Curator 5.4's caches.")
    out.append("In W8 zkdiscovery is S raw getData watchers, zkdiscovery-config S configuration providers (ratios in W8c).")
    out.append("W2busy and W4busy are W2 and W4 while a CPU-bound neighbour process takes one of the two cores (--busy).")
    out.extend(targets(results, present))
    out.append("")
    out.append("## CPU during each process (seconds, median over repetitions; the whole process, warm-up included)")
    out.append("")
    out.append("| workload | client | wall_s | client_cpu_s | server_cpu_s | other_cpu_s (max) | steal_s |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for w in ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W2busy", "W4busy"):
        for c in present:
            m = cpu.get((c, w))
            if not m:
                continue
            out.append("| %s | %s | %s | %s | %s | %s (%s) | %s |" % (
                w, c, fmt(median(m["wall_s"]), 1), fmt(median(m["client_cpu_s"]), 2), fmt(median(m["server_cpu_s"]), 2),
                fmt(median(m["other_cpu_s"]), 2), fmt(max(m["other_cpu_s"]), 2), fmt(median(m["steal_s"]), 2)))
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--scales":
        scales(sys.argv[2:])
    else:
        main(sys.argv[1])
