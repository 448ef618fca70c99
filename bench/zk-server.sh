# Sourced by bench/run.sh and bench/soak.sh: one fresh standalone ZooKeeper server for a benchmark run, on a free
# 127.0.0.1 port, with the four-letter words allowed (the soak reads wchc/wchp/mntr) and no limit of connections per
# client address (W8 opens 1,000 sessions from one address).
#
#   use_bench_workdir NAME   makes $work, a temporary directory, and arranges that on exit the server is stopped and
#                            $work removed (INT and TERM exit with 130 and 143)
#   start_bench_server DIR   starts it under DIR/zk and waits until it serves (at most 60 s; exits the script on
#                            failure, printing the server's log); sets $port and $server_pid
#   bench_server_mode        prints the server's mode ("standalone") once it serves, nothing before
#   stop_bench_server        stops it (TERM, then KILL after 3 s); does nothing when it is not running
# Needs $zk_jar.

bench_server_mode() {
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
    for line in data.decode("ascii", "replace").splitlines():
        if line.startswith("Mode: "):
            print(line[6:].strip())
except OSError:
    pass
PYEOF
}

start_bench_server() {
  local dir="$1"
  port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkdir -p "$dir/zk/data"
  cat > "$dir/zk/zoo.cfg" <<EOF
tickTime=2000
dataDir=$dir/zk/data
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
    org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zk/zoo.cfg" > "$dir/zk/zk.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    [[ -n "$(bench_server_mode)" ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "The ZooKeeper server exited:" >&2; cat "$dir/zk/zk.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "The ZooKeeper server did not start serving within 60 s." >&2
  exit 1
}

stop_bench_server() {
  if [[ -n "${server_pid:-}" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}

use_bench_workdir() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  server_pid=""
  trap 'stop_bench_server; rm -rf "$work"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
