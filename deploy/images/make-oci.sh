#!/usr/bin/env bash
# Builds both images as OCI image archives without a container engine (no base
# image can be pulled here): each root filesystem holds only its binary, the
# shared libraries `ldd` says it loads (copied from this Debian machine, the
# same packages the Dockerfiles install), /etc/passwd and /etc/group with the
# non-root user 65532, and an empty /tmp. No shell, no package manager.
#
# usage: deploy/images/make-oci.sh STAGING_DIR OUT_DIR
#   STAGING_DIR: what deploy/images/build.sh staged (usr/local/bin/redis-cluster-*)
#   OUT_DIR:     gets redis-cluster-webhook-VERSION.oci.tar and
#                redis-cluster-agent-VERSION.oci.tar (an OCI image layout, tarred;
#                `skopeo copy oci-archive:FILE docker://REGISTRY/NAME:VERSION` pushes one)
# env: IMAGE_VERSION (default: the binaries' own --version)
# needs: umoci (Debian package umoci), ldd, tar.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 STAGING_DIR OUT_DIR" >&2; exit 2; }
STAGING=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
command -v umoci >/dev/null || { echo "$0: umoci is missing (apt-get install umoci)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/rc-oci-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Copies FILE and every library it loads into ROOTFS at the same paths.
copy_with_libraries() {
  local file=$1 rootfs=$2 lib
  for lib in $(ldd "$file" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

make_rootfs() {
  local bin=$1 rootfs=$2
  install -D -m 0755 "$STAGING/usr/local/bin/$bin" "$rootfs/usr/local/bin/$bin"
  copy_with_libraries "$rootfs/usr/local/bin/$bin" "$rootfs"
  install -d -m 0755 "$rootfs/etc"
  echo "nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin" > "$rootfs/etc/passwd"
  echo "nonroot:x:65532:" > "$rootfs/etc/group"
  install -d -m 1777 "$rootfs/tmp"
}

for bin in redis-cluster-webhook redis-cluster-agent; do
  version=${IMAGE_VERSION:-$("$STAGING/usr/local/bin/$bin" --version | awk '{ print $NF }')}
  layout="$WORK/$bin"
  umoci init --layout "$layout"
  umoci new --image "$layout:$version"
  umoci unpack --image "$layout:$version" "$WORK/bundle-$bin" > /dev/null
  make_rootfs "$bin" "$WORK/bundle-$bin/rootfs"
  umoci repack --image "$layout:$version" "$WORK/bundle-$bin"
  umoci config --image "$layout:$version" --config.user 65532:65532 \
    --config.entrypoint "/usr/local/bin/$bin" --config.workingdir / \
    --config.label "org.opencontainers.image.title=$bin" \
    --config.label "org.opencontainers.image.version=$version"
  umoci gc --layout "$layout"
  tar -C "$layout" -cf "$OUT/$bin-$version.oci.tar" .
  echo "$OUT/$bin-$version.oci.tar: $(du -h "$OUT/$bin-$version.oci.tar" | cut -f1)"
done
