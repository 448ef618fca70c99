#!/usr/bin/env bash
# Installs Apache ZooKeeper (Debian package `zookeeper`, 3.8 on Debian 12) and, when `java` is missing,
# a headless Java runtime -- only if /usr/share/java/zookeeper.jar is missing (or java is).
# Used by eng/test.sh and eng/run-sample.sh. Installs no service: nothing listens after installation.
# Skipped entirely when ZOOKEEPER_CLASSPATH is set (you provide ZooKeeper yourself).
set -euo pipefail

zk_jar=/usr/share/java/zookeeper.jar
packages=()
if [[ -z "${ZOOKEEPER_CLASSPATH:-}" && ! -f "$zk_jar" ]]; then
  packages+=(zookeeper)
fi
if ! command -v java >/dev/null 2>&1 && [[ ! -x "${JAVA_HOME:-/nonexistent}/bin/java" ]]; then
  packages+=(default-jre-headless)
fi
if (( ${#packages[@]} == 0 )); then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: ${packages[*]} missing and apt-get is not available." >&2
  echo "Install ZooKeeper 3.8+ and Java 11+ yourself, then set JAVA_HOME and ZOOKEEPER_CLASSPATH" >&2
  echo "(a class path containing zookeeper.jar and its dependencies)." >&2
  exit 1
fi

sudo=()
if (( EUID != 0 )); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "error: installing ${packages[*]} needs root (run as root, or install sudo)." >&2
    exit 1
  fi
fi

echo "Installing ${packages[*]} from Debian packages..." >&2
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"

if [[ -z "${ZOOKEEPER_CLASSPATH:-}" && ! -f "$zk_jar" ]]; then
  echo "error: $zk_jar is still missing after installing the zookeeper package." >&2
  exit 1
fi
