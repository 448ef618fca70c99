#!/usr/bin/env bash
# Installs Apache ZooKeeper (Debian package `zookeeper`, 3.8 on Debian 12) and, when `java` is missing,
# a headless Java runtime -- only if /usr/share/java/zookeeper.jar is missing (or java is).
# Also installs Apache Curator 5.4 (`libcurator-discovery-java`, plus `libcurator-recipes-java`, which
# x-discovery needs at run time but does not depend on; Jackson and Guava come with them) and, when `javac`
# is missing, a headless JDK: the interop tests compile a small Curator peer (tests/Shared/CuratorPeer).
# Skip Curator with ZKD_SKIP_CURATOR=1 (the interop tests then fail to find it).
# Used by eng/test.sh and eng/run-sample.sh. Installs no service: nothing listens after installation.
# Skipped entirely when ZOOKEEPER_CLASSPATH is set (you provide ZooKeeper yourself).
set -euo pipefail

zk_jar=/usr/share/java/zookeeper.jar
packages=()
if [[ -z "${ZOOKEEPER_CLASSPATH:-}" && ! -f "$zk_jar" ]]; then
  packages+=(zookeeper)
fi
if [[ -z "${ZKD_SKIP_CURATOR:-}" ]]; then
  if [[ ! -f /usr/share/java/curator-x-discovery.jar ]]; then
    packages+=(libcurator-discovery-java)
  fi
  if [[ ! -f /usr/share/java/curator-recipes.jar ]]; then
    packages+=(libcurator-recipes-java)
  fi
  if ! command -v javac >/dev/null 2>&1 && [[ ! -x "${JAVA_HOME:-/nonexistent}/bin/javac" ]]; then
    packages+=(default-jdk-headless)
  fi
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
