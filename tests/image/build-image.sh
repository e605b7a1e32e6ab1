#!/usr/bin/env bash
# Build the action's Dockerfile with podman FROM the local debootstrap base (build-base.sh).
#
#   tests/image/build-image.sh IMAGE [extra podman build arguments, e.g. --build-arg PREINSTALL_AGENT=claude]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=tests/image/podman-env.sh
source "$here/podman-env.sh"

IMAGE="${1:?usage: build-image.sh IMAGE [podman build arguments]}"
shift
BASE="${SYMPHONY_TEST_BASE:-localhost/symphony-test-base:bookworm}"
install_podman_if_missing
"$here/build-base.sh" "$BASE" >&2
conf="$(mktemp -d)"
trap 'rm -rf "$conf"' EXIT
write_containers_conf "$conf"
mapfile -t mounts < <(build_mounts "$conf")

start=$(date +%s)
podman build --quiet --network host --pull=never \
  --build-arg "BASE_IMAGE=$BASE" \
  "${mounts[@]}" \
  -t "$IMAGE" "$@" -f "$root/Dockerfile" "$root" >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "built $IMAGE in $(($(date +%s) - start)) s, $((size / 1000000)) MB"
