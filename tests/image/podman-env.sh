# Sourced by the image test scripts: a podman set up the way it works on these machines and on CI.
#
# * rootful podman from Debian's packages, installed here when missing (apt-get update first, packages by name);
# * runtime runc (Debian's crun build fails to set up the container here);
# * nofile/nproc limits at the shell's hard limits (nproc at most kernel.pid_max): podman's defaults ask for
#   more than the machine allows, and runc then cannot start any container;
# * the host's CA bundle and pip configuration are mounted into each build step, so pip (and npm at run time)
#   reach their registries through whatever TLS setup the host has.
# shellcheck shell=bash

IMAGE_TEST_PACKAGES="podman debootstrap runc uidmap fuse-overlayfs"

install_podman_if_missing() {
  if command -v podman >/dev/null && command -v debootstrap >/dev/null && command -v runc >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "image test: podman/debootstrap/runc are missing and this is not root; install: $IMAGE_TEST_PACKAGES" >&2
    return 1
  fi
  echo "image test: installing $IMAGE_TEST_PACKAGES from Debian" >&2
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086  # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    $IMAGE_TEST_PACKAGES >/dev/null
}

write_containers_conf() {
  local dir="$1"
  local nofile nproc
  nofile="$(ulimit -Hn)"
  nproc="$(ulimit -Hu)"
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=1048576
  # Measured here: runc may not set nproc above kernel.pid_max (32768), even under the shell's hard limit.
  local pid_max
  pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$nproc")"
  [ "$nproc" -gt "$pid_max" ] && nproc="$pid_max"
  cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF="$dir/containers.conf"
}

# Mounts for `podman build` and `podman run` (each RUN step sees them; none ends up in the image): the CA
# bundle, pip's configuration, and an npmrc pointing npm at that bundle (node ships its own CA list otherwise).
# $1: a directory for the generated npmrc.
build_mounts() {
  local dir="$1" mounts=()
  for path in /etc/ssl/certs/ca-certificates.crt /etc/pip.conf /etc/xdg/pip; do
    [ -e "$path" ] && mounts+=(-v "$path:$path:ro")
  done
  if [ -e /etc/ssl/certs/ca-certificates.crt ]; then
    printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$dir/npmrc"
    mounts+=(-v "$dir/npmrc:/root/.npmrc:ro")
  fi
  printf '%s\n' "${mounts[@]}"
}
