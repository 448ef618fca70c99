#!/usr/bin/env bash
# THE test command: builds ZkDiscovery.sln in Release and runs every test project in it.
#   ./eng/test.sh                                  # everything
#   ./eng/test.sh --filter FullyQualifiedName~TestRig   # extra arguments go to `dotnet test`
# Installs ZooKeeper (and Java), and chromium for the dashboard's browser tests, from Debian packages when
# missing. Integration tests start their own ZooKeeper servers on 127.0.0.1; any of those JVMs still
# alive when this script ends are killed.
# The last line printed is "N passed, N failed, N skipped" summed over all test projects; the exit
# status is non-zero when a test failed or the build/test run did not complete.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

"$repo_root/eng/install-zookeeper.sh"
"$repo_root/eng/install-browser.sh"

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/zkdiscovery-test.XXXXXX")"
log="$run_dir/dotnet-test.log"

# Kill only ZooKeeper JVMs started by this run: their command line names a zoo.cfg under $run_dir.
kill_leftover_servers() {
  local pid args
  while read -r pid args; do
    case "$args" in
      *"$run_dir/"*ZooKeeperServerMain*|*ZooKeeperServerMain*"$run_dir/"* \
      |*"$run_dir/"*QuorumPeerMain*|*QuorumPeerMain*"$run_dir/"*)
        echo "Killing leftover ZooKeeper server (PID $pid)" >&2
        kill -9 "$pid" 2>/dev/null || true ;;
    esac
  done < <(ps -eo pid=,args=)
}

cleanup() {
  kill_leftover_servers
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_status=0
dotnet build ZkDiscovery.sln -c Release --nologo || build_status=$?

test_status=0
if (( build_status == 0 )); then
  # Test servers put their directories under TMPDIR (see ZkDiscovery.Testing), i.e. under $run_dir.
  mkdir -p "$run_dir/tmp"
  set +e
  TMPDIR="$run_dir/tmp" dotnet test ZkDiscovery.sln -c Release --no-build --nologo \
    --blame-hang-timeout 5m --blame-hang-dump-type none \
    "$@" 2>&1 | tee "$log"
  test_status=${PIPESTATUS[0]}
  set -e
fi
kill_leftover_servers

# Sum the per-assembly summary lines ("Passed!  - Failed: 0, Passed: 7, Skipped: 0, Total: 7, ...").
read -r passed failed skipped < <(
  sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$log" 2>/dev/null \
  | grep -E '(Passed|Failed)!' \
  | sed -nE 's/.*Failed: *([0-9]+), *Passed: *([0-9]+), *Skipped: *([0-9]+).*/\2 \1 \3/p' \
  | awk '{ p += $1; f += $2; s += $3 } END { printf "%d %d %d\n", p, f, s }'
)

status=0
if (( build_status != 0 )); then
  echo "The build failed (exit $build_status); no tests ran. Counting it as 1 failure."
  failed=$(( failed + 1 ))
  status=$build_status
elif (( test_status != 0 )); then
  if (( failed == 0 )); then
    echo "dotnet test exited with $test_status without reporting a failed test (aborted or crashed test host?). Counting it as 1 failure."
    failed=1
  fi
  status=$test_status
elif (( failed > 0 )); then
  status=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
