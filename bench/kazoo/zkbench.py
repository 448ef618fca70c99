#!/usr/bin/python3
"""W1-W6 of docs/benchmarks.md with kazoo (Debian python3-kazoo 2.8.0, threading handler).

Output contract: RESULT lines on stdout, WARMUP and diagnostics on stderr, exit 1 on failure.
Async completion callbacks are AsyncResult.rawlink callbacks (run on kazoo's completion thread);
watch callbacks run on kazoo's callback thread.
"""
import argparse
import math
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError, NoNodeError
from kazoo.protocol.states import EventType

READ, WRITE, WATCH, SVC = "/bench/r", "/bench/w", "/bench/watch", "/bench/svc"
WINDOW, PAYLOAD_SIZE, REGISTRARS, PER_REGISTRAR, ROUNDS = 1000, 100, 10, 100, 5
PAYLOAD = b"x" * PAYLOAD_SIZE
WAIT = 30.0

opts = None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def scaled(n):
    return max(1, int(round(n * opts.scale)))


def warmups(standard):
    if opts.no_warmup:
        return 0
    return opts.warmup_passes if opts.warmup_passes is not None else standard


def session():
    zk = KazooClient(hosts="127.0.0.1:%d" % opts.port, timeout=30.0)
    zk.start(timeout=WAIT)
    return zk


def close(zk):
    zk.stop()
    zk.close()


def percentile(sorted_values, p):
    rank = int(math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def latency_line(samples, cpu_s, ops):
    mean = sum(samples) / len(samples)
    samples.sort()
    return "p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f cpu_ms=%.0f cpu_us_op=%.1f n=%d" % (
        percentile(samples, 50), percentile(samples, 99), mean, samples[-1], cpu_s * 1e3, cpu_s * 1e6 / ops, len(samples))


class Failure:
    def __init__(self):
        self.first = None

    def fail(self, why):
        if self.first is None:
            self.first = why

    def check(self):
        if self.first is not None:
            raise RuntimeError(self.first)


def set_up_tree():
    zk = session()
    try:
        for p in ("/bench", READ, WRITE, WATCH, SVC):
            try:
                zk.create(p, b"")
            except NodeExistsError:
                pass
        zk.set(READ, PAYLOAD)
        for parent in (WRITE, SVC):
            for child in zk.get_children(parent):
                try:
                    zk.delete(parent + "/" + child)
                except NoNodeError:
                    pass
    finally:
        close(zk)


def w1():
    n = scaled(200_000)
    zk = session()
    try:
        window = threading.Semaphore(WINDOW)
        failure = Failure()

        def done(result):
            try:
                data, _ = result.get_nowait()
                if len(data) != PAYLOAD_SIZE:
                    failure.fail("getData returned %d bytes" % len(data))
            except Exception as e:  # noqa: BLE001
                failure.fail(repr(e))
            window.release()

        cpu0 = time.process_time()
        t0 = time.perf_counter_ns()
        for _ in range(n):
            window.acquire()
            zk.get_async(READ).rawlink(done)
        for _ in range(WINDOW):
            window.acquire()
        elapsed = time.perf_counter_ns() - t0
        cpu = time.process_time() - cpu0
        failure.check()
        return "ops_s=%.0f cpu_ms=%.0f cpu_us_op=%.1f ops=%d" % (n / (elapsed / 1e9), cpu * 1e3, cpu * 1e6 / n, n)
    finally:
        close(zk)


def w2():
    n = scaled(20_000)
    zk = session()
    try:
        samples = [0.0] * n
        cpu0 = time.process_time()
        for i in range(n):
            s = time.perf_counter_ns()
            data, _ = zk.get(READ)
            samples[i] = (time.perf_counter_ns() - s) / 1e3
            if len(data) != PAYLOAD_SIZE:
                raise RuntimeError("getData returned %d bytes" % len(data))
        cpu = time.process_time() - cpu0
        return latency_line(samples, cpu, n)
    finally:
        close(zk)


def w3():
    n = scaled(20_000)
    paths = ["%s/n%05d" % (WRITE, i) for i in range(n)]
    zk = session()
    try:
        window = threading.Semaphore(WINDOW)
        failure = Failure()

        def done(result):
            try:
                result.get_nowait()
            except Exception as e:  # noqa: BLE001
                failure.fail(repr(e))
            window.release()

        cpu0 = time.process_time()
        t0 = time.perf_counter_ns()
        for p in paths:
            window.acquire()
            zk.create_async(p, PAYLOAD).rawlink(done)
        for _ in range(WINDOW):
            window.acquire()
        t1 = time.perf_counter_ns()
        for _ in range(WINDOW):
            window.release()
        failure.check()
        for p in paths:
            window.acquire()
            zk.delete_async(p, version=-1).rawlink(done)
        for _ in range(WINDOW):
            window.acquire()
        t2 = time.perf_counter_ns()
        cpu = time.process_time() - cpu0
        failure.check()
        return "create_ops_s=%.0f delete_ops_s=%.0f cpu_ms=%.0f cpu_us_op=%.1f ops=%d" % (
            n / ((t1 - t0) / 1e9), n / ((t2 - t1) / 1e9), cpu * 1e3, cpu * 1e6 / (2 * n), 2 * n)
    finally:
        close(zk)


def w4():
    n = scaled(2_000)
    a = session()
    b = session()
    try:
        signal = threading.Semaphore(0)
        state = {"entry": 0, "version": -1}
        failure = Failure()

        def rearmed(result):
            try:
                _, stat = result.get_nowait()
                state["version"] = stat.version
            except Exception as e:  # noqa: BLE001
                failure.fail(repr(e))
            signal.release()

        def watcher(event):
            if event.type != EventType.CHANGED:
                return
            state["entry"] = time.perf_counter_ns()
            b.get_async(WATCH, watch=watcher).rawlink(rearmed)

        _, first = b.get(WATCH, watch=watcher)
        state["version"] = first.version
        samples = [0.0] * n
        cpu0 = time.process_time()
        for i in range(n):
            t0 = time.perf_counter_ns()
            written = a.set(WATCH, PAYLOAD, version=-1)
            if not signal.acquire(timeout=WAIT):
                raise RuntimeError("no notification for set %d" % i)
            failure.check()
            if state["version"] < written.version:
                raise RuntimeError("B re-read version %d, A wrote %d" % (state["version"], written.version))
            samples[i] = (state["entry"] - t0) / 1e3
        cpu = time.process_time() - cpu0
        return latency_line(samples, cpu, n)
    finally:
        close(a)
        close(b)


def w5_round(names):
    w = session()
    registrars = []
    try:
        for _ in range(REGISTRARS):
            registrars.append(session())
        state = {"events": 0, "converged": 0}
        converged = threading.Event()
        failure = Failure()

        def listed(result):
            try:
                children = result.get_nowait()
                if len(children) >= REGISTRARS * PER_REGISTRAR and state["converged"] == 0:
                    state["converged"] = time.perf_counter_ns()
                    converged.set()
            except Exception as e:  # noqa: BLE001
                failure.fail(repr(e))
                converged.set()

        def watcher(event):
            if event.type != EventType.CHILD:
                return
            state["events"] += 1
            w.get_children_async(SVC, watch=watcher).rawlink(listed)

        if w.get_children(SVC, watch=watcher):
            raise RuntimeError(SVC + " is not empty before the round")
        gate = threading.Event()
        acked = [0] * REGISTRARS

        def register(k):
            gate.wait()
            results = [registrars[k].create_async(name, b"", ephemeral=True) for name in names[k]]
            for r in results:
                try:
                    r.get(timeout=WAIT)
                except Exception as e:  # noqa: BLE001
                    failure.fail(repr(e))
            acked[k] = time.perf_counter_ns()

        threads = [threading.Thread(target=register, args=(k,)) for k in range(REGISTRARS)]
        for t in threads:
            t.start()
        t0 = time.perf_counter_ns()
        gate.set()
        for t in threads:
            t.join(WAIT)
        if not converged.wait(WAIT):
            raise RuntimeError("W did not see all children within %.0f s" % WAIT)
        failure.check()
        return ((state["converged"] - t0) / 1e6, state["events"], (max(acked) - t0) / 1e6)
    finally:
        close(w)
        for zk in registrars:
            close(zk)


def w5():
    names = [["%s/10.0.0.%d:%d" % (SVC, k + 1, 8000 + j) for j in range(PER_REGISTRAR)] for k in range(REGISTRARS)]
    for i in range(warmups(3)):
        r = w5_round(names)
        log("WARMUP %s W5 round=%d converge_ms=%.1f events=%d all_acked_ms=%.1f" % (opts.client, i + 1, r[0], r[1], r[2]))
    rounds = [w5_round(names) for _ in range(ROUNDS)]

    def med(c):
        return percentile(sorted(r[c] for r in rounds), 50)

    return "converge_ms=%.2f events=%d all_acked_ms=%.2f rounds_converge_ms=%s rounds_events=%s rounds_all_acked_ms=%s" % (
        med(0), med(1), med(2),
        ",".join("%.2f" % r[0] for r in rounds), ",".join("%d" % r[1] for r in rounds), ",".join("%.2f" % r[2] for r in rounds))


def w6():
    n = scaled(200)
    setup, closing = [], []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        zk = KazooClient(hosts="127.0.0.1:%d" % opts.port, timeout=30.0)
        zk.start(timeout=WAIT)
        t1 = time.perf_counter_ns()
        setup.append((t1 - t0) / 1e6)
        close(zk)
        closing.append((time.perf_counter_ns() - t1) / 1e6)
    mean = sum(setup) / n
    setup.sort()
    closing.sort()
    return "p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f close_p50_ms=%.3f n=%d" % (
        percentile(setup, 50), percentile(setup, 99), mean, percentile(closing, 50), n)


def passes(name, count, fn):
    for i in range(count):
        log("WARMUP %s %s pass=%d %s" % (opts.client, name, i + 1, fn()))
    return fn()


def main():
    global opts
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client", default="kazoo")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--warmup-passes", type=int, default=None)
    opts = parser.parse_args()
    runs = {
        "W1": lambda: passes("W1", warmups(2), w1),
        "W2": lambda: passes("W2", warmups(3), w2),
        "W3": lambda: passes("W3", warmups(3), w3),
        "W4": lambda: passes("W4", warmups(3), w4),
        "W5": w5,
        "W6": lambda: passes("W6", warmups(1), w6),
        "SETUP": lambda: "ok=1",
    }
    failed = False
    for w in opts.workloads.split(","):
        w = w.strip().upper()
        try:
            set_up_tree()
            result = runs[w]()
            print("RESULT %s %s %s" % (opts.client, w, result), flush=True)
        except Exception as e:  # noqa: BLE001
            log("FAIL %s %s: %r" % (opts.client, w, e))
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
