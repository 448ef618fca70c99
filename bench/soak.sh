#!/usr/bin/env bash
# Endurance run (docs/reliability.md "Soak"): starts a fresh standalone ZooKeeper 3.8.0 on a free
# 127.0.0.1 port (four-letter words mntr/wchc/wchp allowed), builds bench/ZkDiscovery.Bench in Release and runs
# `ZkDiscovery.Bench soak` against it: W7-style churn, configuration writes and a connection cut every minute through
# a partition proxy, samples every 10 s, a PASS/FAIL verdict at the end. Not part of CI (a one-minute version is the
# test ZkDiscovery.Hosting.Tests SoakTests).
#
#   ./bench/soak.sh                      # 20 minutes (default)
#   ./bench/soak.sh --minutes 5          # any option of `ZkDiscovery.Bench soak` (see --help of the bench)
#
# Output: progress on stderr, the sample table and the verdict on stdout; exit 0 on PASS, 1 on FAIL.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# shellcheck source=bench/zk-server.sh
source "$repo_root/bench/zk-server.sh"
use_bench_workdir zkdiscovery-soak

zk_jar=/usr/share/java/zookeeper.jar
[[ -f "$zk_jar" ]] || "$repo_root/eng/install-zookeeper.sh"

echo "Building bench/ZkDiscovery.Bench (Release)..." >&2
dotnet build bench/ZkDiscovery.Bench/ZkDiscovery.Bench.csproj -c Release --nologo -v quiet >&2
bench_dll="$repo_root/bench/ZkDiscovery.Bench/bin/Release/net10.0/ZkDiscovery.Bench.dll"

start_bench_server "$work"
echo "Server on 127.0.0.1:$port (pid $server_pid)" >&2

dotnet "$bench_dll" soak --port "$port" "$@"
