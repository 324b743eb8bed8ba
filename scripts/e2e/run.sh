#!/usr/bin/env bash
# End-to-end check of synthesized manifests against a real kube-apiserver and the real
# RoleBasedGroup controllers (npm run test:e2e).
#
#   bash scripts/e2e/run.sh                 # dist/, every dist/examples/*/ and the generated trees
#   bash scripts/e2e/run.sh DIR [DIR...]    # these manifest directories (plus the generated trees)
#
# Generated trees: scripts/e2e/gen-trees.ts writes the tutorial topology once per controller
# release (v0.4, v0.6, v0.7) and router discovery (static, kubernetes).
#
# Steps: build kube-apiserver/kubectl/etcd (cached, build.sh), start a private control plane
# (cluster.sh, stopped by a trap even on failure), install the CRDs from $SHARED_CRDS,
# prove that deliberately broken manifests are rejected, then for every directory:
#   dry-run   kubectl apply --server-side --dry-run=server --validate=strict
#   schema    every field of every custom resource is declared in the installed CRD
#   apply     kubectl apply --server-side --validate=strict into a fresh namespace e2e-N
#   readback  every field we set is stored unchanged (compare.mjs readback)
# then the controller layer (scripts/e2e/controllers, a Go program): for each RoleBasedGroup
# controller release it starts a fresh control plane with kube-controller-manager and that
# release's controller (built by build-rbg.sh, cached), applies every tree that targets it,
# writes Pod status as a kubelet would and checks the wiring (see README.md),
# and prints `e2e: N passed, M failed` last. Exit code 0 only if M = 0.
#
# Environment:
#   SHARED_CRDS               CRD folder (default ../shared/crds from the repo root)
#   CDK8S_SGLANG_PD_CACHE     binary cache (default ~/.cache/cdk8s-sglang-pd)
#   E2E_KEEP=1                leave the cluster running at the end (prints how to use/stop it)
#   E2E_CONTROLLERS=0         skip the controller layer
#   E2E_RBG_SRC               folder with one RoleBasedGroup checkout per tag (default ../shared/rbg)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$E2E_REPO_ROOT"

T_START="$(e2e_now)"
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'ok    %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$*"; }
indent() { sed 's/^/        /'; }

# ------------------------------------------------------------------ inputs
SHARED_CRDS="${SHARED_CRDS:-../shared/crds}"
[[ "$SHARED_CRDS" = /* ]] || SHARED_CRDS="$E2E_REPO_ROOT/$SHARED_CRDS"
CRD_CURRENT="workloads.x-k8s.io_rolebasedgroups.yaml"
declare -A RBG_CRD_FILE=([current]="$CRD_CURRENT" [v0.4]="rbg-v0.4-rolebasedgroups.yaml" [v0.6]="rbg-v0.6-rolebasedgroups.yaml")

missing_crds() {
  cat >&2 <<EOF
e2e: ERROR: CRD files missing from $SHARED_CRDS: $*
  Set SHARED_CRDS to a folder holding the RoleBasedGroup CRDs of https://github.com/sgl-project/rbg:
    $CRD_CURRENT (and the other workloads.x-k8s.io_*.yaml)
        = config/crd/bases/ at tag v0.8.0-alpha.5
    rbg-v0.4-rolebasedgroups.yaml = config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml at tag v0.4.0
    rbg-v0.6-rolebasedgroups.yaml = config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml at tag v0.6.0
  and optionally addons/*.yaml (Prometheus Operator, Gateway API, Inference Extension, Fluid CRDs).
  e.g. curl -fsSLo rbg-v0.4-rolebasedgroups.yaml https://raw.githubusercontent.com/sgl-project/rbg/v0.4.0/config/crd/bases/workloads.x-k8s.io_rolebasedgroups.yaml
EOF
  exit 1
}
[[ -f "$SHARED_CRDS/$CRD_CURRENT" ]] || missing_crds "$CRD_CURRENT"

e2e_ensure_cmds openssl:openssl flock:util-linux node:nodejs
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-sglang-pd-e2e-run.XXXXXX")"
export E2E_CLUSTER_DIR="$WORK/cluster"
# kubectl's discovery and HTTP caches stay in the run's own directory, never in $HOME.
export KUBECACHEDIR="$WORK/kube-cache"
# Until the cluster trap below is set, only the work dir needs removing.
trap 'rm -rf "$WORK"' EXIT

DIRS=()
if [[ $# -gt 0 ]]; then
  for d in "$@"; do [[ -d "$d" ]] || e2e_die "not a directory: $d"; DIRS+=("$(cd "$d" && pwd)"); done
else
  [[ -d dist ]] || e2e_die "no dist/ directory: run 'npm run synth' first (or pass manifest directories)"
  compgen -G 'dist/*.yaml' >/dev/null || compgen -G 'dist/*.yml' >/dev/null || compgen -G 'dist/*.json' >/dev/null && DIRS+=("$PWD/dist")
  for d in dist/examples/*/; do [[ -d "$d" ]] && DIRS+=("$(cd "$d" && pwd)"); done
  [[ ${#DIRS[@]} -gt 0 ]] || e2e_die "dist/ holds no manifests: run 'npm run synth' first"
fi
# The tutorial topology for every release x router discovery, from the library's public API.
mapfile -t GENERATED < <(node -r ./scripts/ts-register.cjs "$E2E_DIR/gen-trees.ts" "$WORK/trees") ||
  e2e_die "scripts/e2e/gen-trees.ts failed"
[[ ${#GENERATED[@]} -gt 0 ]] || e2e_die "scripts/e2e/gen-trees.ts wrote no trees"
DIRS+=("${GENERATED[@]}")
# Printed names: relative to the repository, generated trees as generated/<name>.
dir_name() { case "$1" in "$WORK/trees/"*) echo "generated/${1#"$WORK/trees/"}" ;; *) echo "${1#"$E2E_REPO_ROOT"/}" ;; esac; }

(cd "$E2E_DIR" && node --input-type=module -e "await import('yaml')") 2>/dev/null ||
  e2e_die "the npm package 'yaml' is not installed: run 'npm ci' in $E2E_REPO_ROOT"
COMPARE=(node "$E2E_DIR/compare.mjs")

# Read the manifests before spending time on the cluster: a bad annotation fails fast.
declare -A DIR_TARGET DIR_OBJECTS NEEDED_KINDS
for d in "${DIRS[@]}"; do
  info="$("${COMPARE[@]}" inspect "$d")" || e2e_die "cannot read manifests in $d"
  DIR_TARGET[$d]="$(sed -n 's/^rbg_target=//p' <<<"$info")"
  DIR_OBJECTS[$d]="$(sed -n 's/^objects=//p' <<<"$info")"
  IFS=, read -r -a kinds <<<"$(sed -n 's/^kinds=//p' <<<"$info")"
  for kind in "${kinds[@]}"; do NEEDED_KINDS[$kind]=1; done
  t="${DIR_TARGET[$d]}"
  if [[ "$t" != none && ! -f "$SHARED_CRDS/${RBG_CRD_FILE[$t]}" ]]; then missing_crds "${RBG_CRD_FILE[$t]} (needed by $d)"; fi
done

# ------------------------------------------------------------------ build + cluster
t0="$(e2e_now)"
bin_dir="$(bash "$E2E_DIR/build.sh" --print-dir)"
[[ -f "$bin_dir/.complete" ]] && BUILD_MODE=cached || BUILD_MODE=cold
bin_dir="$(bash "$E2E_DIR/build.sh")"
T_BUILD="$(e2e_secs "$t0" "$(e2e_now)")"

cleanup_trap_keep_message() {
  e2e_log "E2E_KEEP=1: cluster left running. Use it: export E2E_CLUSTER_DIR=$E2E_CLUSTER_DIR; eval \"\$(bash $E2E_DIR/cluster.sh env)\""
  e2e_log "  stop it: E2E_CLUSTER_DIR=$E2E_CLUSTER_DIR bash $E2E_DIR/cluster.sh stop && rm -rf $WORK"
}
# Keep the script's own stdout/stderr: a trap that fires inside a redirected function call
# (`k apply ... >file 2>&1`) would otherwise write into that file.
exec {E2E_STDOUT}>&1 {E2E_STDERR}>&2
cleanup() {
  local rc=$?
  set +e
  exec 1>&"$E2E_STDOUT" 2>&"$E2E_STDERR"
  # The controller layer stops its own control planes on SIGTERM; wait for it to do so.
  if [[ -n "${ctrl_pid:-}" ]] && kill -0 "$ctrl_pid" 2>/dev/null; then
    kill -TERM "$ctrl_pid" 2>/dev/null
    wait "$ctrl_pid" 2>/dev/null
  fi
  if [[ "${E2E_KEEP:-0}" == 1 && -d "$E2E_CLUSTER_DIR" ]]; then
    cleanup_trap_keep_message
  else
    bash "$E2E_DIR/cluster.sh" stop
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0="$(e2e_now)"
E2E_QUIET=1 E2E_BIN_DIR="$bin_dir" bash "$E2E_DIR/cluster.sh" start
T_CLUSTER="$(e2e_secs "$t0" "$(e2e_now)")"
export KUBECONFIG="$E2E_CLUSTER_DIR/kubeconfig"
KUBECTL="${E2E_KUBECTL_OVERRIDE:-$bin_dir/kubectl}"
KUBE_CACHE="$WORK/kube-cache"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" --cache-dir "$KUBE_CACHE" "$@"; }

# ------------------------------------------------------------------ CRDs
t0="$(e2e_now)"
# The current RBG CRD (the negative checks use it), plus every CRD whose kind a manifest uses
# (all of them with E2E_ALL_CRDS=1). The big ones take seconds each to install.
crd_kind() { awk '/^  group: /{g=$2} /^  names:/{n=1} n && /^    kind: /{k=$2; n=0} END{print g"/"k}' "$1"; }
crd_files=("$SHARED_CRDS/$CRD_CURRENT")
for f in "$SHARED_CRDS"/workloads.x-k8s.io_*.yaml "$SHARED_CRDS"/addons/*.yaml; do
  [[ -f "$f" && "$f" != "$SHARED_CRDS/$CRD_CURRENT" ]] || continue
  if [[ "${E2E_ALL_CRDS:-0}" == 1 || -n "${NEEDED_KINDS[$(crd_kind "$f")]:-}" ]]; then crd_files+=("$f"); fi
done
crd_args=()
for f in "${crd_files[@]}"; do crd_args+=(-f "$f"); done
# `kubectl wait` fails at once while a new CRD has no status.conditions yet: retry.
wait_established() {
  local deadline=$((SECONDS + 120))
  until k wait --for=condition=Established "$@" --timeout=60s; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
if k apply --server-side "${crd_args[@]}" >"$WORK/crd.log" 2>&1 &&
  wait_established crd --all >>"$WORK/crd.log" 2>&1; then
  pass "install ${#crd_files[@]} CRD file(s) from $SHARED_CRDS ($(e2e_secs "$t0" "$(e2e_now)")s)"
else
  fail "install CRDs from $SHARED_CRDS"; indent <"$WORK/crd.log"
  exit 1
fi
RBG_CRD_NAME="rolebasedgroups.workloads.x-k8s.io"
CURRENT_TARGET=current

# Replaces the RoleBasedGroup CRD: all of v0.4, v0.6 and current define the same name, and a
# CRD whose status.storedVersions would lose a version cannot be updated in place.
use_rbg_crd() {
  local target="$1" file t0
  [[ "$target" == none || "$target" == "$CURRENT_TARGET" ]] && return 0
  file="$SHARED_CRDS/${RBG_CRD_FILE[$target]}"
  t0="$(e2e_now)"
  if k delete crd "$RBG_CRD_NAME" --wait=true --timeout=120s >"$WORK/crd-swap.log" 2>&1 &&
    k apply --server-side -f "$file" >>"$WORK/crd-swap.log" 2>&1 &&
    wait_established crd "$RBG_CRD_NAME" >>"$WORK/crd-swap.log" 2>&1; then
    rm -rf "$KUBE_CACHE" # kubectl's discovery cache still lists the old versions
    CURRENT_TARGET="$target"
    pass "switch RoleBasedGroup CRD to $target (${RBG_CRD_FILE[$target]}, $(e2e_secs "$t0" "$(e2e_now)")s)"
  else
    fail "switch RoleBasedGroup CRD to $target"; indent <"$WORK/crd-swap.log"
    return 1
  fi
}

CLUSTER_SCOPED="$(k api-resources --namespaced=false --no-headers | awk '{ v = $(NF-2); g = (v ~ /\//) ? v : ""; sub(/\/.*/, "", g); printf "%s/%s,", g, $NF }')"

# Runs compare.mjs (readback|schema) and counts its PASS/FAIL lines as checks.
count_compare() {
  local out="$WORK/compare.out" p f
  "${COMPARE[@]}" "$@" >"$out" 2>&1 || true
  grep -E '^(PASS|FAIL|    )' "$out" | sed -E 's/^PASS /ok    /; s/^FAIL /FAIL  /; s/^    /        /' || true
  p="$(sed -n 's/^RESULT passed=\([0-9]*\) failed=\([0-9]*\)$/\1/p' "$out")"
  f="$(sed -n 's/^RESULT passed=\([0-9]*\) failed=\([0-9]*\)$/\2/p' "$out")"
  if [[ -z "$p" ]]; then
    fail "compare.mjs $1 crashed"; indent <"$out"
    return 1
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  [[ "$f" == 0 ]]
}

# Deletes what a directory created. Cluster-scoped objects (PersistentVolume...) would clash with
# the next directory; nothing runs the pv/pvc-protection controllers here, so drop finalizers.
cleanup_dir() {
  local prepared="$1"
  {
    k delete -f "$prepared" --wait=false --ignore-not-found
    k patch -f "$prepared" --type=merge -p '{"metadata":{"finalizers":null}}'
    k wait --for=delete -f "$prepared" --timeout=60s
  } >"$WORK/cleanup.log" 2>&1 || { e2e_log "cleanup of $prepared incomplete:"; indent <"$WORK/cleanup.log" >&2; }
}

# ------------------------------------------------------------------ negative checks
# Broken manifests must be rejected. `expect=server` demands the API server's strict
# validation rejects it; `expect=any` accepts a rejection by the harness's schema check or
# readback too: RBG spec.roles carries x-kubernetes-preserve-unknown-fields upstream, so the
# server keeps unknown fields at the role level and silently prunes deeper ones.
negative() {
  local name="$1" expect="$2" needle="$3" file="$4" dir="$WORK/negative/$1" ns="e2e-neg-$1" caught=() server
  mkdir -p "$dir.src"
  cp "$file" "$dir.src/manifest.yaml"
  k create namespace "$ns" >/dev/null
  "${COMPARE[@]}" prepare "$dir.src" "$dir" "$ns" "$CLUSTER_SCOPED"
  if k apply --server-side --dry-run=server --validate=strict -n "$ns" -f "$dir" >"$dir/out" 2>&1; then
    server="accepted"
  else
    server="rejected"
    grep -qF -- "$needle" "$dir/out" && caught+=("server strict dry-run") || server="rejected for another reason"
  fi
  if [[ "$expect" == server ]]; then
    if [[ ${#caught[@]} -gt 0 ]]; then
      pass "reject $name: server strict dry-run refused it ($(grep -m1 -F -- "$needle" "$dir/out" | cut -c1-160))"
    else
      fail "reject $name: server strict dry-run $server, expected a rejection naming '$needle'"; indent <"$dir/out"
    fi
    return 0
  fi
  "${COMPARE[@]}" schema "$dir" "$WORK/crds.json" >"$dir/schema" 2>&1 || { grep -qF -- "$needle" "$dir/schema" && caught+=("schema check"); }
  if k apply --server-side --validate=strict -n "$ns" -f "$dir" >"$dir/apply" 2>&1; then
    k get -n "$ns" -f "$dir" -o json --ignore-not-found >"$dir/server.json" 2>"$dir/get.err" || true
    "${COMPARE[@]}" readback "$dir" "$dir/server.json" >"$dir/readback" 2>&1 || { grep -qF -- "$needle" "$dir/readback" && caught+=("readback"); }
  fi
  if [[ ${#caught[@]} -gt 0 ]]; then
    pass "reject $name: caught by $(IFS=,; echo "${caught[*]}" | sed 's/,/, /g') (server strict dry-run: $server)"
  else
    fail "reject $name: nothing rejected it (server: $server)"; cat "$dir/out" "$dir/schema" "$dir/readback" 2>/dev/null | indent
  fi
}

write_negatives() {
  local d="$WORK/negative-src"
  mkdir -p "$d"
  rbg() { # $1 name, $2 extra spec line, $3 extra role line, $4 replicas, $5 extra container line
    cat <<EOF
apiVersion: workloads.x-k8s.io/v1alpha2
kind: RoleBasedGroup
metadata:
  name: $1
spec:
  ${2}
  roles:
    - name: worker
      replicas: $4
      ${3}
      standalonePattern:
        template:
          spec:
            containers:
              - name: main
                image: busybox:1.36
                ${5}
EOF
  }
  rbg good-rbg "" "" 1 "" >"$d/control.yaml"
  printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: good-svc\nspec:\n  ports:\n    - port: 8000\n' >>"$d/control.yaml"
  printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad-svc\nspec:\n  selector:\n    app: x\n  prots:\n    - port: 8000\n' >"$d/service-typo.yaml"
  rbg bad-spec "rolez: []" "" 1 "" >"$d/rbg-spec-field.yaml"
  rbg bad-type "" "" '"two"' "" >"$d/rbg-wrong-type.yaml"
  rbg bad-role "" "replicaz: 2" 1 "" >"$d/rbg-role-field.yaml"
  rbg bad-container "" "" 1 "imagePullPolicyy: Always" >"$d/rbg-container-field.yaml"
}

if [[ -z "${E2E_SKIP_NEGATIVE:-}" ]]; then
  write_negatives
  k get crd -o json >"$WORK/crds.json"
  mkdir -p "$WORK/negative/control.src"
  cp "$WORK/negative-src/control.yaml" "$WORK/negative/control.src/"
  k create namespace e2e-neg-control >/dev/null
  "${COMPARE[@]}" prepare "$WORK/negative/control.src" "$WORK/negative/control" e2e-neg-control "$CLUSTER_SCOPED"
  if k apply --server-side --dry-run=server --validate=strict -n e2e-neg-control -f "$WORK/negative/control" >"$WORK/negative/control.out" 2>&1 &&
    "${COMPARE[@]}" schema "$WORK/negative/control" "$WORK/crds.json" >>"$WORK/negative/control.out" 2>&1; then
    pass "control: the unbroken RoleBasedGroup and Service are accepted"
  else
    fail "control: the unbroken RoleBasedGroup and Service were refused"; indent <"$WORK/negative/control.out"
  fi
  negative service-typo server '.spec.prots' "$WORK/negative-src/service-typo.yaml"
  negative rbg-spec-field server '.spec.rolez' "$WORK/negative-src/rbg-spec-field.yaml"
  negative rbg-wrong-type server 'replicas' "$WORK/negative-src/rbg-wrong-type.yaml"
  negative rbg-role-field any 'replicaz' "$WORK/negative-src/rbg-role-field.yaml"
  negative rbg-container-field any 'imagePullPolicyy' "$WORK/negative-src/rbg-container-field.yaml"
fi

# ------------------------------------------------------------------ manifest directories
# Directories are visited grouped by CRD target (current first) to swap the RBG CRD at most twice.
ORDERED=()
for t in current none v0.6 v0.4; do
  for d in "${DIRS[@]}"; do [[ "${DIR_TARGET[$d]}" == "$t" ]] && ORDERED+=("$d"); done
done

n=0
for d in "${ORDERED[@]}"; do
  n=$((n + 1))
  rel="$(dir_name "$d")"
  t0="$(e2e_now)"
  echo "--- $rel (${DIR_OBJECTS[$d]} objects, RBG CRD: ${DIR_TARGET[$d]})"
  if [[ "${DIR_OBJECTS[$d]}" == 0 ]]; then fail "$rel: no manifests"; continue; fi
  use_rbg_crd "${DIR_TARGET[$d]}" || continue
  ns="e2e-$n"
  k create namespace "$ns" >/dev/null
  prepared="$WORK/dirs/$n"
  "${COMPARE[@]}" prepare "$d" "$prepared" "$ns" "$CLUSTER_SCOPED"

  if k apply --server-side --dry-run=server --validate=strict -n "$ns" -f "$prepared" >"$WORK/out" 2>&1; then
    pass "$rel: server-side strict dry-run"
  else
    fail "$rel: server-side strict dry-run"; indent <"$WORK/out"
  fi

  k get crd -o json >"$WORK/crds.json"
  count_compare schema "$prepared" "$WORK/crds.json" || true

  if k apply --server-side --validate=strict -n "$ns" -f "$prepared" >"$WORK/out" 2>&1; then
    pass "$rel: create in namespace $ns"
  else
    fail "$rel: create in namespace $ns"; indent <"$WORK/out"
  fi

  k get -n "$ns" -f "$prepared" -o json --ignore-not-found >"$WORK/server.json" 2>"$WORK/get.err" || indent <"$WORK/get.err"
  count_compare readback "$prepared" "$WORK/server.json" || true
  cleanup_dir "$prepared"
  e2e_log "$rel: $(e2e_secs "$t0" "$(e2e_now)")s"
done

# The controller layer starts control planes of its own: stop this one first (2 cores).
if [[ "${E2E_KEEP:-0}" == 1 ]]; then cleanup_trap_keep_message; else bash "$E2E_DIR/cluster.sh" stop; fi

# ------------------------------------------------------------------ controller layer
# Each tree reconciled by the real RoleBasedGroup controller of its release
# (scripts/e2e/controllers, README "Controller layer").
T_CTRL_BUILD=0 T_CTRL=0
if [[ "${E2E_CONTROLLERS:-1}" != 0 ]]; then
  echo "--- controller layer: RoleBasedGroup controllers ${E2E_RBG_TAGS:-v0.4.0 v0.6.0 v0.7.0}"
  t0="$(e2e_now)"
  # shellcheck disable=SC2086 # E2E_RBG_TAGS is a word list
  if builds="$(bash "$E2E_DIR/build-rbg.sh" ${E2E_RBG_TAGS:-})" && harness="$(bash "$E2E_DIR/build-rbg.sh" --harness)"; then
    T_CTRL_BUILD="$(e2e_secs "$t0" "$(e2e_now)")"
    ctrl_args=(-assets "$bin_dir" -state "$WORK/controllers" -timeout "${E2E_CONTROLLER_TIMEOUT:-60s}")
    while read -r tag bin crds; do ctrl_args+=(-release "${tag%.*}=$bin,$crds"); done <<<"$builds"
    for d in "${DIRS[@]}"; do ctrl_args+=(-tree "$(dir_name "$d")=$d"); done
    t0="$(e2e_now)"
    E2E_ADDON_CRDS="$SHARED_CRDS/addons" "$harness" "${ctrl_args[@]}" >"$WORK/controllers.out" 2>"$WORK/controllers.err" &
    ctrl_pid=$!
    # Stream the report as it comes; the RESULT line is for this script.
    tail -n +1 --pid="$ctrl_pid" -f "$WORK/controllers.out" | grep --line-buffered -v '^RESULT ' || true
    wait "$ctrl_pid" || true
    ctrl_pid="" # reaped: the cleanup trap must not signal a reused pid
    T_CTRL="$(e2e_secs "$t0" "$(e2e_now)")"
    result="$(grep '^RESULT ' "$WORK/controllers.out" || true)"
    if [[ "$result" =~ ^RESULT\ passed=([0-9]+)\ failed=([0-9]+)$ ]]; then
      PASSED=$((PASSED + BASH_REMATCH[1]))
      FAILED=$((FAILED + BASH_REMATCH[2]))
    else
      fail "controller layer: rbg-e2e ended without a result"; tail -n 30 "$WORK/controllers.err" | indent
    fi
  else
    fail "controller layer: build the RoleBasedGroup controllers and the test program (see the messages above)"
  fi
fi

# Clean up now so that the summary is the last thing printed.
trap - EXIT INT TERM
[[ "${E2E_KEEP:-0}" == 1 ]] || rm -rf "$WORK"
T_TOTAL="$(e2e_secs "$T_START" "$(e2e_now)")"
echo "e2e: timing: build ${T_BUILD}s ($BUILD_MODE), cluster start ${T_CLUSTER}s, controller builds ${T_CTRL_BUILD}s, controller layer ${T_CTRL}s, total ${T_TOTAL}s"
echo "e2e: ${PASSED} passed, ${FAILED} failed"
[[ "$FAILED" == 0 ]]
