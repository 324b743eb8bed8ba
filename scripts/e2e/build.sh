#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd from the Go module in scripts/e2e/apiserver
# (k8s.io/kubernetes and go.etcd.io/etcd/server/v3 at the versions pinned in its go.mod),
# once, into a cache outside git:
#   ${CDK8S_SGLANG_PD_CACHE:-$HOME/.cache/cdk8s-sglang-pd}/bin/kube-<v>_etcd-<v>_<go>_<hash>/
# A second run finds the binaries and returns at once.
#
#   bash scripts/e2e/build.sh            # build if needed; prints the bin dir on stdout
#   bash scripts/e2e/build.sh --print-dir  # print the bin dir, build nothing
#   E2E_REBUILD=1 bash scripts/e2e/build.sh  # rebuild even if cached
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin_dir="$(e2e_bin_dir)"
if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$bin_dir"
  exit 0
fi

binaries=(kube-apiserver kube-controller-manager kubectl etcd)
is_complete() { [[ -f "$bin_dir/.complete" ]] && for b in "${binaries[@]}"; do [[ -x "$bin_dir/$b" ]] || return 1; done; }

if [[ "${E2E_REBUILD:-0}" != 1 ]] && is_complete; then
  e2e_log "build: cached binaries in $bin_dir (kube-apiserver $E2E_K8S_VERSION, etcd $E2E_ETCD_VERSION)"
  echo "$bin_dir"
  exit 0
fi

mkdir -p "$E2E_CACHE/bin"
# One build at a time per cache.
exec 9>"$E2E_CACHE/bin/.build.lock"
flock 9
if [[ "${E2E_REBUILD:-0}" != 1 ]] && is_complete; then
  echo "$bin_dir"
  exit 0
fi

e2e_log "build: compiling kube-apiserver, kube-controller-manager and kubectl $E2E_K8S_VERSION and etcd $E2E_ETCD_VERSION with $(go env GOVERSION) (cold: about 10 minutes on 2 cores)"
start="$(e2e_now)"
tmp="$(mktemp -d "$E2E_CACHE/bin/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Same version stamps as Kubernetes' hack/lib/version.sh sets.
minor="${E2E_K8S_VERSION#v1.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$E2E_K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

(
  cd "$E2E_GOMOD_DIR"
  # -mod=readonly: go.sum must already be complete (it is committed); never edit it here.
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
  go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl \
    go.etcd.io/etcd/server/v3
)
# `go build` names the binary of go.etcd.io/etcd/server/v3 after its path: "server".
mv "$tmp/server" "$tmp/etcd"
# (No `| head`: with pipefail, SIGPIPE on the writer would fail the build here.)
version="$("$tmp/kube-apiserver" --version)"; e2e_log "build: $version"
version="$("$tmp/etcd" --version)"; e2e_log "build: ${version%%$'\n'*}"
touch "$tmp/.complete"
rm -rf "$bin_dir"
mv "$tmp" "$bin_dir"
trap - EXIT
# Drop binaries of other versions/keys (about 190 MB each).
for old in "$E2E_CACHE"/bin/kube-*; do
  [[ -d "$old" && "$old" != "$bin_dir" ]] && rm -rf "$old"
done

e2e_log "build: done in $(e2e_secs "$start" "$(e2e_now)")s -> $bin_dir"
echo "$bin_dir"
