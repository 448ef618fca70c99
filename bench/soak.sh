#!/usr/bin/env bash
# Endurance run (issue 17 item 4; docs/reliability.md "Soak"): starts a fresh standalone ZooKeeper 3.8.0 on a free
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

work="$(mktemp -d "${TMPDIR:-/tmp}/zkdiscovery-soak.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

zk_jar=/usr/share/java/zookeeper.jar
[[ -f "$zk_jar" ]] || "$repo_root/eng/install-zookeeper.sh"

echo "Building bench/ZkDiscovery.Bench (Release)..." >&2
dotnet build bench/ZkDiscovery.Bench/ZkDiscovery.Bench.csproj -c Release --nologo -v quiet >&2
bench_dll="$repo_root/bench/ZkDiscovery.Bench/bin/Release/net10.0/ZkDiscovery.Bench.dll"

port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/zk/data"
cat > "$work/zk/zoo.cfg" <<EOF
tickTime=2000
dataDir=$work/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
forceSync=no
preAllocSize=4096
maxClientCnxns=0
EOF
java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
  -cp "$zk_jar:/usr/share/java/slf4j-nop.jar" \
  org.apache.zookeeper.server.ZooKeeperServerMain "$work/zk/zoo.cfg" > "$work/zk/zk.log" 2>&1 &
server_pid=$!

serving() {
  /usr/bin/python3 - "$port" <<'PYEOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5)
    s.sendall(b"srvr")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print("yes" if b"Mode: " in data else "")
except OSError:
    pass
PYEOF
}
for _ in $(seq 1 600); do
  [[ -n "$(serving)" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "The ZooKeeper server exited:" >&2; cat "$work/zk/zk.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$(serving)" ]] || { echo "The ZooKeeper server did not start serving within 60 s." >&2; exit 1; }
echo "Server on 127.0.0.1:$port (pid $server_pid)" >&2

dotnet "$bench_dll" soak --port "$port" "$@"
