#!/usr/bin/env bash
# A Docker engine and the offline base image for retinue-docker (tests, CI, local use).
#
#   bash scripts/setup-docker.sh
#
# 1. installs docker.io (and debootstrap, for the image) from apt when missing;
# 2. starts dockerd in the background when no engine answers (overlay2, no iptables,
#    no bridge: containers get no network but `--network none`), and waits until it
#    answers;
# 3. builds the base image (Debian bookworm minbase + python3) offline with debootstrap
#    from the apt mirror when it is missing, and reuses it when it is there.
# Idempotent: quick when everything is already in place. Prints what it did.
#
# Environment: RETINUE_DOCKER_IMAGE (image name, default retinue-python:bookworm),
# RETINUE_DOCKER_DATA_ROOT (dockerd --data-root, default /var/lib/retinue-docker),
# DOCKER_HOST (an engine elsewhere, or Podman's socket: then nothing is started here).
set -euo pipefail

image="${RETINUE_DOCKER_IMAGE:-retinue-python:bookworm}"
data_root="${RETINUE_DOCKER_DATA_ROOT:-/var/lib/retinue-docker}"
say() { echo "setup-docker: $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]} from apt"
    export DEBIAN_FRONTEND=noninteractive
    # Wait for a concurrent apt run rather than failing on its lock.
    local apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
    as_root "${apt[@]}" install -y "${missing[@]}" >/dev/null ||
        { as_root "${apt[@]}" update >/dev/null && as_root "${apt[@]}" install -y "${missing[@]}" >/dev/null; }
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || apt_install docker.io

if engine_answers; then
    say "engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
elif [ -n "${DOCKER_HOST:-}" ]; then
    echo "setup-docker: no engine answers at DOCKER_HOST=$DOCKER_HOST; start it (or unset DOCKER_HOST to start one here)" >&2
    exit 1
else
    say "starting dockerd (data root $data_root, log $data_root.log)"
    as_root mkdir -p "$data_root"
    # setsid + nohup: the engine outlives this script and the shell that ran it.
    as_root setsid nohup dockerd --storage-driver=overlay2 --iptables=false --bridge=none \
        --data-root "$data_root" >"$data_root.log" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        engine_answers && break
        sleep 0.5
    done
    if ! engine_answers; then
        echo "setup-docker: dockerd did not answer within 60 s; its log:" >&2
        tail -n 30 "$data_root.log" >&2 || true
        exit 1
    fi
    say "engine started"
fi

if docker image inspect "$image" >/dev/null 2>&1; then
    say "image $image is present; reusing it"
    exit 0
fi

apt_install debootstrap
# The mirror apt already uses (deb822 "URIs:" or a one-line "deb URL bookworm ..." entry),
# never the commented snapshot URL beside it: no other registry is reachable.
mirror=$(
    { grep -hs '^URIs:' /etc/apt/sources.list.d/debian.sources || true
      grep -hs '^deb .*bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true
    } | awk '$0 !~ /security/ {print $2; exit}'
)
mirror="${mirror:-http://deb.debian.org/debian}"
rootfs=$(mktemp -d)
trap 'as_root rm -rf "$rootfs"' EXIT
say "building $image offline with debootstrap from $mirror (a few minutes, once)"
as_root debootstrap --variant=minbase --include=python3 bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -n 30 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
as_root tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
say "image $image built"
