#!/usr/bin/python3
"""Summarizes a bench/run.sh results file: medians over repetitions, ratios, CPU accounting (markdown)."""
import math
import re
import sys
from collections import defaultdict

CLIENTS = ["zkdiscovery", "zkdiscovery-persistent", "zkdiscovery-endpoints", "java", "kazoo", "floor"]
# (workload, key, label, decimals)
ROWS = [
    ("W1", "ops_s", "W1 ops/s", 0),
    ("W1", "cpu_us_op", "W1 client CPU µs/op", 1),
    ("W2", "p50_us", "W2 p50 µs", 0),
    ("W2", "p99_us", "W2 p99 µs", 0),
    ("W2", "cpu_us_op", "W2 client CPU µs/op", 1),
    ("W3", "create_ops_s", "W3 create ops/s", 0),
    ("W3", "delete_ops_s", "W3 delete ops/s", 0),
    ("W3", "cpu_us_op", "W3 client CPU µs/op", 1),
    ("W4", "p50_us", "W4 p50 µs", 0),
    ("W4", "p99_us", "W4 p99 µs", 0),
    ("W4", "cpu_us_op", "W4 client CPU µs/cycle", 1),
    ("W5", "converge_ms", "W5 converge ms", 1),
    ("W5", "events", "W5 events", 0),
    ("W5", "all_acked_ms", "W5 all acked ms", 1),
    ("W5", "converge_ms", "W5e converge ms (ratios: zkdiscovery-endpoints)", 1, "zkdiscovery-endpoints"),
    ("W5", "events", "W5e events (ratios: zkdiscovery-endpoints)", 0, "zkdiscovery-endpoints"),
    ("W6", "p50_ms", "W6 p50 ms", 2),
    ("W6", "close_p50_ms", "W6 close p50 ms", 2),
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
            v = median(results[(c, w)][key]) if (c, w) in results else None
            values[c] = v
            cell = fmt(v, d)
            if fails.get((c, w)):
                cell += " (%d FAIL)" % fails[(c, w)]
            cells.append(cell)
        if all(values[c] is None for c in present):
            continue
        z = values.get(zclient)
        floor = values.get("floor") if w in ("W1", "W2") and key != "cpu_us_op" else None
        cells += [ratio(z, values.get("java")), ratio(z, values.get("kazoo")), ratio(z, floor)]
        out.append("| " + label + " | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Ratios are ZkDiscovery's value divided by the other's: above 1 is better for ops/s, below 1 is better")
    out.append("for latencies and CPU. zkdiscovery-persistent is W4 with one persistent watch (AddWatchAsync) instead")
    out.append("of re-armed one-shot watches; zkdiscovery-endpoints is W5 with a ZooKeeperServiceEndpointResolver as the")
    out.append("watcher (events = snapshot changes); the W5e rows repeat W5 with its value in the ratio columns.")
    out.append("")
    out.append("## CPU during each process (seconds, median over repetitions; the whole process, warm-up included)")
    out.append("")
    out.append("| workload | client | wall_s | client_cpu_s | server_cpu_s | other_cpu_s (max) | steal_s |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for w in ("W1", "W2", "W3", "W4", "W5", "W6"):
        for c in present:
            m = cpu.get((c, w))
            if not m:
                continue
            out.append("| %s | %s | %s | %s | %s | %s (%s) | %s |" % (
                w, c, fmt(median(m["wall_s"]), 1), fmt(median(m["client_cpu_s"]), 2), fmt(median(m["server_cpu_s"]), 2),
                fmt(median(m["other_cpu_s"]), 2), fmt(max(m["other_cpu_s"]), 2), fmt(median(m["steal_s"]), 2)))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
