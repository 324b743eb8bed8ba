#!/usr/bin/env bash
# Regenerate imports/ from the CRD copies in ../shared/crds (same blobs as the tags in cdk8s.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
crds="${SHARED_CRDS:-../shared/crds}"
if [ ! -f "$crds/workloads.x-k8s.io_rolebasedgroups.yaml" ]; then
  echo "import:offline: $crds/workloads.x-k8s.io_rolebasedgroups.yaml not found." >&2
  echo "Set SHARED_CRDS to a folder holding the RBG CRDs, or run 'npm run import' online." >&2
  exit 1
fi
npx cdk8s import "rbg:=$crds/workloads.x-k8s.io_rolebasedgroups.yaml"
npx cdk8s import "rbgv06:=$crds/rbg-v0.6-rolebasedgroups.yaml"
npx cdk8s import "rbgv04:=$crds/rbg-v0.4-rolebasedgroups.yaml"
