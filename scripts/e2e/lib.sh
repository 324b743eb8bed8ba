# Shared helpers for scripts/e2e/*.sh. Source it; it does nothing on its own.
# shellcheck shell=bash

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
E2E_GOMOD_DIR="$E2E_DIR/apiserver"
E2E_CACHE="${CDK8S_SGLANG_PD_CACHE:-${HOME:-/tmp}/.cache/cdk8s-sglang-pd}"

e2e_log() { printf 'e2e: %s\n' "$*" >&2; }
e2e_die() { printf 'e2e: ERROR: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with milliseconds, and a formatted difference.
e2e_now() { date +%s.%N; }
e2e_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Go lives in /usr/local/go on this machine kind; a non-login shell may lack it on PATH.
e2e_ensure_go() {
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || e2e_die "the Go toolchain is needed to build kube-apiserver/etcd (expected /usr/local/go/bin/go)"
}

# e2e_ensure_cmds CMD:DEBIAN_PACKAGE ... — installs the Debian package of each
# missing command (as root, with apt-get), or fails with a clear message.
e2e_ensure_cmds() {
  local spec cmd pkg missing=()
  for spec in "$@"; do
    cmd="${spec%%:*}" pkg="${spec#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    e2e_log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    e2e_die "missing Debian packages: ${missing[*]} (install them: apt-get install ${missing[*]})"
  fi
}

# Versions come from the committed go.mod, so bumping it changes the cache key.
e2e_mod_version() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$E2E_GOMOD_DIR/go.mod"; }
E2E_K8S_VERSION="$(e2e_mod_version k8s.io/kubernetes)"
E2E_ETCD_VERSION="$(e2e_mod_version go.etcd.io/etcd/server/v3)"

# Cache directory of the binaries: versions in clear, plus a hash of go.mod,
# go.sum and build.sh so that any change to the pins or the build flags rebuilds.
e2e_bin_dir() {
  local goversion hash
  e2e_ensure_go
  goversion="$(go env GOVERSION)"
  hash="$(cat "$E2E_GOMOD_DIR/go.mod" "$E2E_GOMOD_DIR/go.sum" "$E2E_DIR/build.sh" | sha256sum | cut -c1-12)"
  printf '%s/bin/kube-%s_etcd-%s_%s_%s\n' "$E2E_CACHE" "$E2E_K8S_VERSION" "$E2E_ETCD_VERSION" "$goversion" "$hash"
}
