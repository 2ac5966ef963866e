#!/usr/bin/env bash
# Makes sure Debian's nginx is installed: the load balancer of the two-host test
# (tests/integration/test_two_hosts.py). Only .ci/run calls it; `make run` never needs nginx.
# The test starts nginx itself, as a foreground process with a configuration in its own temporary
# directory; nothing here starts it.
set -euo pipefail

if command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; then
  echo "nginx: $(/usr/sbin/nginx -v 2>&1)"
  exit 0
fi
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
echo "nginx: installing Debian's nginx-light"
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx-light >/dev/null
echo "nginx: $(/usr/sbin/nginx -v 2>&1)"
