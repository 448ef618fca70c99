#!/usr/bin/env bash
# THE sample command: runs samples/WebApi against ZooKeeper on 127.0.0.1:2181.
#   ./eng/run-sample.sh [arguments for the sample]
# Imports samples/WebApi/fooservice.tree when /fooservice is missing.
# If nothing on 127.0.0.1:2181 answers `srvr`, starts a local standalone ZooKeeper (tickTime 2000,
# data, log and pid file in ./.zk/) and stops it when the sample exits. Installs ZooKeeper (and Java)
# from Debian packages when missing.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

"$repo_root/eng/install-zookeeper.sh"

zk_port=2181
zk_dir="$repo_root/.zk"
zk_pid_file="$zk_dir/zookeeper.pid"
zk_log="$zk_dir/zookeeper.log"
zk_pid=""

# Prints the server's Mode (standalone/leader/follower); fails when nothing serves on the port.
zk_mode() {
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf srvr >&3
    cat <&3' _ "$zk_port" 2>/dev/null | sed -n 's/^Mode: *//p' | grep .
}

stop_zookeeper() {
  [[ -n "$zk_pid" ]] || return 0
  if kill -0 "$zk_pid" 2>/dev/null; then
    echo "Stopping the local ZooKeeper (PID $zk_pid)..." >&2
    kill -TERM "$zk_pid" 2>/dev/null || true
    for _ in $(seq 100); do   # up to 10 s for a clean shutdown, then SIGKILL
      kill -0 "$zk_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$zk_pid" 2>/dev/null || true
  fi
  rm -f "$zk_pid_file"
  zk_pid=""
}

start_zookeeper() {
  local java classpath
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java="$JAVA_HOME/bin/java"; else java="$(command -v java)"; fi
  if [[ -n "${ZOOKEEPER_CLASSPATH:-}" ]]; then
    classpath="$ZOOKEEPER_CLASSPATH"
  elif [[ -f /usr/share/java/slf4j-simple.jar ]]; then
    classpath="/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
  else
    classpath="/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar"
  fi

  # A pid file from an earlier run whose process is still a ZooKeeper of ours: stop it first.
  if [[ -f "$zk_pid_file" ]]; then
    local old_pid
    old_pid="$(cat "$zk_pid_file")"
    if [[ -n "$old_pid" ]] && tr '\0' ' ' < "/proc/$old_pid/cmdline" 2>/dev/null | grep -q "$zk_dir/zoo.cfg"; then
      zk_pid="$old_pid"
      stop_zookeeper
    fi
    rm -f "$zk_pid_file"
  fi

  mkdir -p "$zk_dir/data"
  cat > "$zk_dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$zk_dir/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
CFG

  echo "Starting a local ZooKeeper on 127.0.0.1:$zk_port (data and log in $zk_dir)..." >&2
  "$java" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$classpath" org.apache.zookeeper.server.ZooKeeperServerMain "$zk_dir/zoo.cfg" \
    </dev/null >>"$zk_log" 2>&1 &
  zk_pid=$!
  echo "$zk_pid" > "$zk_pid_file"

  # Readiness: poll `srvr` until it reports a Mode (up to 60 s); fail early if the JVM exits.
  local deadline=$(( SECONDS + 60 ))
  until zk_mode >/dev/null; do
    if ! kill -0 "$zk_pid" 2>/dev/null; then
      echo "error: ZooKeeper exited at start. Last lines of $zk_log:" >&2
      tail -n 30 "$zk_log" >&2
      zk_pid=""
      rm -f "$zk_pid_file"
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      echo "error: ZooKeeper did not serve on 127.0.0.1:$zk_port within 60 s. Last lines of $zk_log:" >&2
      tail -n 30 "$zk_log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "ZooKeeper is serving on 127.0.0.1:$zk_port." >&2
}

trap stop_zookeeper EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if mode="$(zk_mode)"; then
  echo "Using the ZooKeeper already serving on 127.0.0.1:$zk_port (mode $mode)." >&2
else
  start_zookeeper
fi

# The sample's configuration lives in /fooservice: import samples/WebApi/fooservice.tree when it is missing, with
# zkd (src/ZkDiscovery.Cli) when present, else with the sample's own --import-sample-tree switch.
if [[ -f src/ZkDiscovery.Cli/ZkDiscovery.Cli.csproj ]]; then
  if ! dotnet run --project src/ZkDiscovery.Cli -c Release -- get -z "127.0.0.1:$zk_port" /fooservice >/dev/null 2>&1; then
    echo "Importing samples/WebApi/fooservice.tree (no /fooservice yet)..." >&2
    dotnet run --project src/ZkDiscovery.Cli -c Release -- import -z "127.0.0.1:$zk_port" samples/WebApi/fooservice.tree / >&2
  fi
else
  ZooKeeper__ConnectionString="127.0.0.1:$zk_port" dotnet run --project samples/WebApi -c Release -- --import-sample-tree >&2
fi

dotnet run --project samples/WebApi -c Release -- "$@"
