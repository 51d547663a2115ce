#!/usr/bin/env bash
# Installs the system packages the load test needs (`make bench`, section `load`):
# Debian's HAProxy, the local proxy put in front of two app servers (sticky sessions by
# cookie, websocket upgrade). Idempotent: does nothing when it is already present.
set -euo pipefail
install_haproxy() {
  if command -v haproxy >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "HAProxy is missing and apt-get is not available: install 'haproxy' by hand to run the two-server load test." >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends haproxy >/dev/null
}
install_haproxy
