#!/usr/bin/env bash
# Workload benchmarks W1-W8 (docs/benchmarks.md): ZkDiscovery, the official
# Java client 3.8.0, kazoo 2.8.0 and the raw-socket floor against one fresh standalone ZooKeeper 3.8.0 server.
#
#   ./bench/run.sh                                  # everything: 3 repetitions, full counts (about 20-25 min)
#   ./bench/run.sh --scale 0.05 --reps 1            # quick check (about 2-3 min)
#   ./bench/run.sh --workloads W1,W2 --clients zkdiscovery,java --reps 2
#   ./bench/run.sh --busy                           # also W2 and W4 on a busy host (W2busy, W4busy): a CPU-bound
#                                                   # neighbour process (a shell busy loop) takes one core meanwhile
#   ./bench/run.sh --workloads W7,W8 --scale 0.1    # scale workloads (W7 churn in a large service, W8 configuration
#                                                   # fan-out; not in the default list); report --scale 0.1 and 1
#
# Options: --scale S (multiplies the counts of W1-W4 and W6, N of W7 and S of W8; W5 and W7's C are fixed), --reps N (default 3),
#          --workloads LIST (default W1,...,W6; W7,W8 on request), --clients LIST (default zkdiscovery,zkdiscovery-persistent,
#          zkdiscovery-inline,zkdiscovery-endpoints,zkdiscovery-config,java,kazoo,floor,curator-cache,curator-pcc; each runs the workloads it takes part in),
#          --out FILE (raw results; default bench/results/run-<UTC time>.txt), --busy (adds W2busy,W4busy to the workloads;
#          they can also be listed by name).
# Every (client, workload, repetition) is a fresh process. Within a workload the clients run interleaved, their
# order rotated by one each repetition. After each process a `CPU ...` line records client_cpu_s (the process and
# its children), server_cpu_s (the ZooKeeper JVM), other_cpu_s (everything else on the machine: busy CPU from
# /proc/stat minus the two) and steal_s. The summary table (medians, ratios) is printed at the end and appended to
# the results file. Not part of eng/test.sh.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

scale=1
reps=3
workloads="W1,W2,W3,W4,W5,W6"
clients="zkdiscovery,zkdiscovery-persistent,zkdiscovery-inline,zkdiscovery-endpoints,zkdiscovery-config,java,kazoo,floor,curator-cache,curator-pcc"
out=""
busy=0
while (( $# > 0 )); do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --workloads) workloads="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --busy) busy=1; shift ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "Unknown argument: $1" >&2; exit 2 ;;
  esac
done

(( busy == 0 )) || workloads="$workloads,W2busy,W4busy"

# shellcheck source=bench/zk-server.sh
source "$repo_root/bench/zk-server.sh"
use_bench_workdir zkdiscovery-bench

# ---- prerequisites ----
zk_jar=/usr/share/java/zookeeper.jar
if [[ ! -f "$zk_jar" ]]; then
  "$repo_root/eng/install-zookeeper.sh"
fi
if [[ ",$clients," == *",kazoo,"* && ",$workloads," == *,W[1-6],* ]] && ! /usr/bin/python3 -c 'import kazoo' 2>/dev/null; then
  echo "Installing python3-kazoo (Debian package)..." >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-kazoo >&2
fi

# W7's Curator watchers: Debian's Curator 5.4 (recipes, framework, client; apt pulls Guava and Jackson).
curator_jars=/usr/share/java/curator-recipes.jar:/usr/share/java/curator-framework.jar:/usr/share/java/curator-client.jar:/usr/share/java/guava.jar
if [[ ",$workloads," == *",W7,"* && ",$clients," == *",curator-"* ]] && [[ ! -f /usr/share/java/curator-recipes.jar ]]; then
  echo "Installing Apache Curator (Debian packages)..." >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    libcurator-recipes-java libcurator-framework-java libcurator-client-java >&2
fi

echo "Building bench/ZkDiscovery.Bench (Release)..." >&2
dotnet build bench/ZkDiscovery.Bench/ZkDiscovery.Bench.csproj -c Release --nologo -v quiet >&2
bench_dll="$repo_root/bench/ZkDiscovery.Bench/bin/Release/net10.0/ZkDiscovery.Bench.dll"

echo "Compiling the Java drivers..." >&2
mkdir -p "$work/classes"
javac -nowarn -d "$work/classes" -cp "$zk_jar" bench/java/ZkBench.java bench/java/ScaleBench.java bench/java/RawFloor.java >&2
java_cp="$work/classes:$zk_jar:/usr/share/java/slf4j-nop.jar"
if [[ -f /usr/share/java/curator-recipes.jar ]]; then
  javac -nowarn -d "$work/classes" -cp "$work/classes:$curator_jars:$zk_jar" bench/java/CuratorBench.java >&2
fi
curator_cp="$work/classes:$curator_jars:$zk_jar:/usr/share/java/slf4j-nop.jar"
# W7's registrars and churner run in a child process of every W7 driver (this command), so the watcher's process CPU
# is the watcher's alone.
export BENCH_W7_CHURNER="dotnet $bench_dll w7-churner"

# ---- the server ----
start_bench_server "$work"

mkdir -p "$repo_root/bench/results"
[[ -n "$out" ]] || out="$repo_root/bench/results/run-$(date -u +%Y%m%dT%H%M%SZ).txt"
hz="$(getconf CLK_TCK)"
{
  echo "# ZkDiscovery benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# host $(hostname) cpus=$(nproc) kernel=$(uname -r) model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo '?') dotnet $(dotnet --version) $(java -version 2>&1 | head -1)"
  echo "# scale=$scale reps=$reps workloads=$workloads clients=$clients port=$port"
} > "$out"
echo "Server on 127.0.0.1:$port (pid $server_pid); raw results: $out" >&2

client_cmd() {
  case "$1" in
    zkdiscovery) echo "dotnet $bench_dll" ;;
    zkdiscovery-persistent) echo "dotnet $bench_dll --w4-watch persistent" ;;
    zkdiscovery-inline) echo "dotnet $bench_dll --inline-permits" ;;
    zkdiscovery-endpoints) echo "dotnet $bench_dll --w5-endpoints" ;;
    zkdiscovery-config) echo "dotnet $bench_dll --w8-configuration" ;;
    curator-cache) echo "java -Dzookeeper.sasl.client=false -cp $curator_cp CuratorBench --engine cache" ;;
    curator-pcc) echo "java -Dzookeeper.sasl.client=false -cp $curator_cp CuratorBench --engine pcc" ;;
    java) echo "java -Dzookeeper.sasl.client=false -cp $java_cp ZkBench" ;;
    kazoo) echo "/usr/bin/python3 $repo_root/bench/kazoo/zkbench.py" ;;
    floor) echo "java -Dzookeeper.sasl.client=false -cp $java_cp RawFloor" ;;
    *) echo "Unknown client $1" >&2; return 1 ;;
  esac
}

runs_workload() {  # client workload -> true when the client takes part in the workload
  [[ "$2" == *busy ]] && { [[ "$1" == zkdiscovery || "$1" == java || "$1" == kazoo || "$1" == floor && "$2" == W2busy ]]; return; }
  case "$1" in
    floor) [[ "$2" == W1 || "$2" == W2 || "$2" == W7 ]] ;;
    zkdiscovery-persistent) [[ "$2" == W4 ]] ;;
    zkdiscovery-inline) [[ "$2" == W1 || "$2" == W3 ]] ;;
    zkdiscovery-endpoints) [[ "$2" == W5 || "$2" == W7 ]] ;;
    zkdiscovery-config) [[ "$2" == W8 ]] ;;
    curator-cache|curator-pcc) [[ "$2" == W7 ]] ;;
    kazoo) [[ "$2" != W7 && "$2" != W8 ]] ;;
    *) true ;;
  esac
}

proc_busy_steal() {  # prints "busy steal" ticks over all CPUs
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat
}

server_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$server_pid/stat"
}

IFS=, read -r -a wl_list <<< "$workloads"
IFS=, read -r -a client_list <<< "$clients"
failures=0
started=$SECONDS
for w in "${wl_list[@]}"; do
  for (( rep = 1; rep <= reps; rep++ )); do
    n=${#client_list[@]}
    for (( i = 0; i < n; i++ )); do
      c="${client_list[$(( (i + rep - 1) % n ))]}"
      runs_workload "$c" "$w" || continue
      cmd="$(client_cmd "$c")"
      run_w="${w%busy}"
      neighbour=""
      if [[ "$w" == *busy ]]; then
        # The busy host: a CPU-bound neighbour takes one of the cores while the client runs (its CPU shows in
        # other_cpu_s). Started a moment before the client so that the scheduler already spreads the two.
        bash -c 'while :; do :; done' &
        neighbour=$!
        sleep 0.2
      fi
      read -r busy0 steal0 < <(proc_busy_steal)
      s0="$(server_ticks)"
      t0=$(date +%s.%N)
      rc=0
      TIMEFORMAT='%3U %3S'
      { time timeout 1800 $cmd --port "$port" --client "$c" --workloads "$run_w" --scale "$scale" \
          > "$work/stdout" 2> "$work/stderr" ; } 2> "$work/time" || rc=$?
      if [[ -n "$neighbour" ]]; then
        kill "$neighbour" 2>/dev/null || true
        wait "$neighbour" 2>/dev/null || true
        sed -i "s/^RESULT $c $run_w /RESULT $c $w /" "$work/stdout"
      fi
      t1=$(date +%s.%N)
      read -r busy1 steal1 < <(proc_busy_steal)
      s1="$(server_ticks)"
      read -r cu cs < <(tail -1 "$work/time")
      cpu_line="$(awk -v hz="$hz" -v cu="$cu" -v cs="$cs" -v b0="$busy0" -v b1="$busy1" -v st0="$steal0" -v st1="$steal1" \
          -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" -v c="$c" -v w="$w" -v rep="$rep" -v rc="$rc" 'BEGIN {
        client = cu + cs; server = (s1 - s0) / hz; busy = (b1 - b0) / hz
        printf "CPU %s %s rep=%d exit=%d wall_s=%.2f client_cpu_s=%.2f server_cpu_s=%.2f other_cpu_s=%.2f steal_s=%.2f",
          c, w, rep, rc, t1 - t0, client, server, busy - client - server, (st1 - st0) / hz }')"
      {
        grep -E '^RESULT ' "$work/stdout" || true
        grep -E '^(WARMUP|FAIL) ' "$work/stderr" | sed 's/^/# /' || true
        echo "$cpu_line"
      } >> "$out"
      if (( rc != 0 )) || ! grep -q "^RESULT $c $w " "$work/stdout"; then
        failures=$(( failures + 1 ))
        echo "FAIL $c $w rep=$rep exit=$rc; last stderr lines:" >&2
        tail -5 "$work/stderr" | sed 's/^/    /' >&2
        echo "FAIL $c $w rep=$rep exit=$rc" >> "$out"
      fi
      printf '%5ds  %s\n' $(( SECONDS - started )) "$cpu_line" >&2
    done
  done
done

/usr/bin/python3 "$repo_root/bench/summarize.py" "$out" | tee -a "$out"
echo "Raw results: $out" >&2
(( failures == 0 ))
