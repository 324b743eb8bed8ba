#!/usr/bin/env bash
# Builds, once, the RoleBasedGroup controller (`rbgs`) of each release and the controller-layer
# test program (scripts/e2e/controllers), into the binary cache outside git:
#   ${CDK8S_SGLANG_PD_CACHE:-$HOME/.cache/cdk8s-sglang-pd}/bin/rbgs-<tag>_<go>_<hash>/rbgs
#   ${CDK8S_SGLANG_PD_CACHE:-$HOME/.cache/cdk8s-sglang-pd}/bin/rbg-e2e_<go>_<hash>/rbg-e2e
# <hash> covers what goes into the binary: go.mod, go.sum and every .go file (path and
# content, vendor/ and .git/ left out) plus this script, so the same tag checked out anywhere
# hits the same cache entry and any edit rebuilds.
#
#   bash scripts/e2e/build-rbg.sh [TAG...]      # default: v0.4.0 v0.6.0 v0.7.0
#       prints one line per tag: TAG RBGS_BINARY CRD_DIR
#   bash scripts/e2e/build-rbg.sh --harness     # prints the path of the rbg-e2e binary
#       (its unit tests, `go test`, run before it is built)
#
# Sources of release TAG (first that is set):
#   E2E_RBG_SRC_<TAG>   e.g. E2E_RBG_SRC_V0_7_0=/src/rbg-v0.7.0: one checkout of that tag
#   E2E_RBG_SRC/<TAG>/  a folder holding one checkout per tag
#   ../shared/rbg/<TAG>/ from the repository root (this project's CI)
# Outside CI: git clone --depth 1 --branch v0.7.0 https://github.com/sgl-project/rbg rbg/v0.7.0
# (same for v0.4.0, v0.6.0), then E2E_RBG_SRC=$PWD/rbg.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_ensure_go
e2e_ensure_cmds flock:util-linux sha256sum:coreutils

GOVERSION="$(go env GOVERSION)"
mkdir -p "$E2E_CACHE/bin"

# Hash of the Go inputs of a module tree (relative paths, so the location does not matter).
tree_hash() {
  (
    cd "$1"
    find . \( -path ./vendor -o -path ./.git \) -prune -o -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print |
      LC_ALL=C sort | xargs -d '\n' sha256sum
    sha256sum <"$E2E_DIR/build-rbg.sh"
  ) | sha256sum | cut -c1-12
}

# build NAME SRC_DIR PACKAGE OUT_NAME [test]: prints the cached binary, building it if needed
# (with `test`, after `go test` of the package passed).
build() {
  local name="$1" src="$2" pkg="$3" out="$4" with_tests="${5:-}" dir tmp start old
  dir="$E2E_CACHE/bin/${name}_${GOVERSION}_$(tree_hash "$src")"
  if [[ "${E2E_REBUILD:-0}" != 1 && -x "$dir/$out" && -f "$dir/.complete" ]]; then
    e2e_log "build: cached $name in $dir"
    echo "$dir/$out"
    return
  fi
  # One Go build at a time per cache (shared with build.sh).
  exec 9>"$E2E_CACHE/bin/.build.lock"
  flock 9
  if [[ "${E2E_REBUILD:-0}" != 1 && -x "$dir/$out" && -f "$dir/.complete" ]]; then
    exec 9>&-
    echo "$dir/$out"
    return
  fi
  e2e_log "build: compiling $name from $src with $GOVERSION (cold: about 3 minutes on 2 cores)"
  start="$(e2e_now)"
  tmp="$(mktemp -d "$E2E_CACHE/bin/.tmp.XXXXXX")"
  if [[ "$with_tests" == test ]] && ! (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=readonly" nice -n 5 go test "$pkg") >&2; then
    rm -rf "$tmp"
    exec 9>&-
    e2e_die "unit tests of $name failed"
  fi
  # -mod=readonly: the committed go.sum is complete; the source tree is never written to.
  if ! (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" nice -n 5 go build -trimpath -ldflags "-s -w" -o "$tmp/$out" "$pkg") >&2; then
    rm -rf "$tmp"
    exec 9>&-
    e2e_die "build of $name failed"
  fi
  touch "$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  for old in "$E2E_CACHE/bin/${name}_"*; do
    [[ -d "$old" && "$old" != "$dir" ]] && rm -rf "$old"
  done
  exec 9>&-
  e2e_log "build: $name done in $(e2e_secs "$start" "$(e2e_now)")s -> $dir"
  echo "$dir/$out"
}

if [[ "${1:-}" == "--harness" ]]; then
  build rbg-e2e "$E2E_DIR/controllers" . rbg-e2e test
  exit 0
fi

rbg_src() {
  local tag="$1" var
  var="E2E_RBG_SRC_$(tr 'a-z.-' 'A-Z__' <<<"$tag")"
  if [[ -n "${!var:-}" ]]; then echo "${!var}"; return; fi
  if [[ -n "${E2E_RBG_SRC:-}" ]]; then echo "$E2E_RBG_SRC/$tag"; return; fi
  echo "$E2E_REPO_ROOT/../shared/rbg/$tag"
}

tags=("$@")
[[ ${#tags[@]} -gt 0 ]] || tags=(v0.4.0 v0.6.0 v0.7.0)
for tag in "${tags[@]}"; do
  src="$(rbg_src "$tag")"
  if [[ ! -f "$src/go.mod" ]] || ! grep -qx 'module sigs.k8s.io/rbgs' "$src/go.mod"; then
    var="E2E_RBG_SRC_$(tr 'a-z.-' 'A-Z__' <<<"$tag")"
    e2e_die "no RoleBasedGroup controller source for $tag at $src (want a checkout of https://github.com/sgl-project/rbg at tag $tag:
  git clone --depth 1 --branch $tag https://github.com/sgl-project/rbg rbg/$tag
  then set E2E_RBG_SRC=\$PWD/rbg, or $var to that one checkout)"
  fi
  src="$(cd "$src" && pwd)"
  [[ -d "$src/config/crd/bases" ]] || e2e_die "$src has no config/crd/bases (the release's CRDs)"
  bin="$(build "rbgs-$tag" "$src" ./cmd/rbgs rbgs)"
  echo "$tag $bin $src/config/crd/bases"
done
