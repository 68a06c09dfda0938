#!/usr/bin/env bash
# Debian's Chromium, which retinue-magentic-one's web surfer drives through Playwright
# (Playwright's own browser download cannot work on machines without internet).
# Idempotent: quick when /usr/bin/chromium is already there. Needs root and apt.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-chromium: apt-get is required; install Chromium with your system's package manager" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
