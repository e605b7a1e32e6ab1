#!/usr/bin/env bash
# The figures behind the README's choice of one image for every agent (agent CLI installed at run time) over
# one image per agent (CLI preinstalled): image size, build time, and cold start of `--install-agent`.
#
#   tests/image/measure.sh [AGENT]      (default claude; needs the npm registry)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/image/podman-env.sh
source "$here/podman-env.sh"
AGENT="${1:-claude}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
write_containers_conf "$work"
mapfile -t mounts < <(build_mounts "$work")

"$here/build-image.sh" localhost/symphony-action:test
"$here/build-image.sh" "localhost/symphony-action:test-$AGENT" --build-arg "PREINSTALL_AGENT=$AGENT"

for image in localhost/symphony-action:test "localhost/symphony-action:test-$AGENT"; do
  start=$(date +%s.%N)
  podman run --rm --network host "${mounts[@]}" "$image" --install-agent "$AGENT" >"$work/out" 2>&1 \
    || { cat "$work/out" >&2; exit 1; }
  end=$(date +%s.%N)
  size=$(podman image inspect --format '{{.Size}}' "$image")
  printf '%-45s %6d MB   cold start with %s ready: %5.1f s   (%s)\n' "$image" $((size / 1000000)) "$AGENT" \
    "$(echo "$end - $start" | bc)" "$(tail -1 "$work/out")"
done
