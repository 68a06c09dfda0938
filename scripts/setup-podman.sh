#!/usr/bin/env bash
# Podman with its Docker-compatible socket, and the base image in its store, for
# retinue-docker's Podman test (tests, CI, local use).
#
#   bash scripts/setup-podman.sh        # prints the socket's DOCKER_HOST on its last line
#
# 1. installs podman from apt when missing;
# 2. starts `podman system service` on $RETINUE_PODMAN_SOCKET when it does not answer;
# 3. copies the base image from the Docker engine (scripts/setup-docker.sh builds it
#    offline) into Podman's store when it is missing there.
# Idempotent: quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

socket="${RETINUE_PODMAN_SOCKET:-/run/retinue-podman/podman.sock}"
image="${RETINUE_DOCKER_IMAGE:-retinue-python:bookworm}"
say() { echo "setup-podman: $*" >&2; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
answers() { DOCKER_HOST="unix://$socket" timeout 10 docker version >/dev/null 2>&1; }

if ! command -v podman >/dev/null 2>&1; then
    say "installing podman from apt"
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
    as_root "${apt[@]}" install -y podman >/dev/null ||
        { as_root "${apt[@]}" update >/dev/null && as_root "${apt[@]}" install -y podman >/dev/null; }
fi

if ! answers; then
    say "starting podman system service on $socket"
    as_root mkdir -p "$(dirname "$socket")"
    as_root setsid nohup podman system service --time=0 "unix://$socket" \
        >"$(dirname "$socket")/service.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
        answers && break
        sleep 0.5
    done
    answers || { say "podman did not answer on $socket"; exit 1; }
fi

if ! as_root podman image exists "$image"; then
    bash scripts/setup-docker.sh >&2
    say "copying $image from the Docker engine into Podman's store"
    DOCKER_HOST= docker save "$image" | as_root podman load >/dev/null
fi
echo "unix://$socket"
