#!/usr/bin/env bash
# A local stand-in for the python:3.11-slim base, made from Debian's packages with debootstrap: Debian 12's
# Python is 3.11 too. The image test builds the action's Dockerfile FROM it (BASE_IMAGE build argument), because
# these machines reach Debian, PyPI and npm but no container registry.
#
#   tests/image/build-base.sh [IMAGE]     (default localhost/symphony-test-base:bookworm; kept once built)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=tests/image/podman-env.sh
source ./podman-env.sh

IMAGE="${1:-localhost/symphony-test-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
install_podman_if_missing
work="$(mktemp -d /var/tmp/symphony-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
write_containers_conf "$work"

if podman image exists "$IMAGE"; then
  echo "base image $IMAGE exists"
  exit 0
fi
start=$(date +%s)
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$work/rootfs" "$MIRROR" \
  >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
tar -C "$work/rootfs" -c . | podman import --quiet - "$IMAGE" >/dev/null
echo "base image $IMAGE built in $(($(date +%s) - start)) s"
