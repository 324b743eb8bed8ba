#!/usr/bin/env bash
# A throwaway Kubernetes control plane on 127.0.0.1: etcd + kube-apiserver only
# (no scheduler, controller-manager or kubelet: objects are stored and validated,
# nothing runs). No root-only features, no systemd, no containers.
#
#   bash scripts/e2e/cluster.sh start   # build (cached), start, wait for /readyz
#   bash scripts/e2e/cluster.sh env     # print `export KUBECONFIG=...` etc. for eval
#   bash scripts/e2e/cluster.sh stop    # kill what start started, remove the state dir
#   bash scripts/e2e/cluster.sh status
#
# State (certificates, tokens, etcd data, logs, pid files, kubeconfig) lives in
# $E2E_CLUSTER_DIR, default /tmp/cdk8s-sglang-pd-e2e. Ports are picked free at
# random unless E2E_ETCD_PORT / E2E_APISERVER_PORT are set. E2E_BIN_DIR: use these
# binaries instead of calling build.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR="${E2E_CLUSTER_DIR:-${TMPDIR:-/tmp}/cdk8s-sglang-pd-e2e}"
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"
# kubectl keeps its discovery and HTTP caches here, not in $HOME/.kube/cache.
export KUBECACHEDIR="${KUBECACHEDIR:-$CLUSTER_DIR/kube-cache}"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p tries=0
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! port_in_use "$p" && ! grep -qx "$p" "$CLUSTER_DIR/ports.used" 2>/dev/null; then
      echo "$p" >>"$CLUSTER_DIR/ports.used"
      echo "$p"
      return
    fi
    ((++tries < 200)) || e2e_die "cluster: no free port found"
  done
}

# A pid file names a process only while that process still runs one of our
# binaries with our state dir on its command line (guards against pid reuse).
our_pid() {
  local pidfile="$CLUSTER_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CLUSTER_DIR" || return 1
  echo "$pid"
}

# Starts "$@" in a session of its own (so a Ctrl-C or the caller's job kill does not reach it
# before cmd_stop does), logging to $CLUSTER_DIR/<name>.log, and records its pid.
# The background job is started from a subshell, where bash never has job control: so the job
# is not a process-group leader, setsid execs in place instead of forking, and the pid file
# names the daemon itself. Started from a shell with job control (SHELLOPTS with "monitor"
# exported, as one CI runner had), a plain `setsid cmd &` forks, and $! is a setsid that has
# already exited: the daemon ran on, unsupervised, and start reported it dead.
start_daemon() {
  local name="$1"
  shift
  (
    setsid "$@" </dev/null >"$CLUSTER_DIR/$name.log" 2>&1 &
    echo $! >"$CLUSTER_DIR/$name.pid"
  )
}

stop_one() {
  local name="$1" pid i
  pid="$(our_pid "$name")" || { rm -f "$CLUSTER_DIR/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    e2e_log "cluster: $name (pid $pid) ignored SIGTERM for 10s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$CLUSTER_DIR/$name.pid"
}

cmd_stop() {
  [[ -d "$CLUSTER_DIR" ]] || return 0
  stop_one kube-apiserver
  stop_one etcd
  # Only remove a directory that this script created.
  if [[ -f "$CLUSTER_DIR/.cdk8s-sglang-pd-e2e" ]]; then
    rm -rf "$CLUSTER_DIR"
  fi
  e2e_log "cluster: stopped"
}

cmd_env() {
  [[ -f "$CLUSTER_DIR/env" ]] || e2e_die "cluster: not started (no $CLUSTER_DIR/env)"
  cat "$CLUSTER_DIR/env"
}

cmd_status() {
  local n rc=0
  for n in etcd kube-apiserver; do
    if pid="$(our_pid "$n")"; then echo "$n: running (pid $pid)"; else echo "$n: not running"; rc=1; fi
  done
  return "$rc"
}

gen_certs() {
  local d="$CLUSTER_DIR/pki"
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -keyout ca.key -out ca.crt -subj "/CN=cdk8s-sglang-pd-e2e-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    printf '%s\n' \
      "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # Service-account token signing key pair.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
}

wait_ready() {
  local kubectl="$1" deadline=$((SECONDS + ${E2E_START_TIMEOUT:-120}))
  until "$kubectl" --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz >/dev/null 2>&1; do
    our_pid kube-apiserver >/dev/null || { tail -n 40 "$CLUSTER_DIR/kube-apiserver.log" >&2; e2e_die "cluster: kube-apiserver exited"; }
    ((SECONDS < deadline)) || { tail -n 40 "$CLUSTER_DIR/kube-apiserver.log" >&2; e2e_die "cluster: kube-apiserver not ready after ${E2E_START_TIMEOUT:-120}s"; }
    sleep 0.3
  done
  # The "default" namespace is created by a controller just after start.
  until "$kubectl" --kubeconfig "$KUBECONFIG_FILE" get namespace default >/dev/null 2>&1; do
    ((SECONDS < deadline)) || e2e_die "cluster: namespace default not created"
    sleep 0.3
  done
}

cmd_start() {
  local bin_dir etcd_port peer_port api_port token start
  start="$(e2e_now)"
  if [[ -d "$CLUSTER_DIR" ]]; then
    if our_pid kube-apiserver >/dev/null || our_pid etcd >/dev/null; then
      e2e_die "cluster: already running in $CLUSTER_DIR (run: cluster.sh stop)"
    fi
    [[ -f "$CLUSTER_DIR/.cdk8s-sglang-pd-e2e" || -z "$(ls -A "$CLUSTER_DIR")" ]] ||
      e2e_die "cluster: $CLUSTER_DIR exists and was not made by cluster.sh; set E2E_CLUSTER_DIR"
    rm -rf "$CLUSTER_DIR"
  fi
  e2e_ensure_cmds openssl:openssl flock:util-linux
  bin_dir="${E2E_BIN_DIR:-}"
  [[ -n "$bin_dir" && -f "$bin_dir/.complete" ]] || bin_dir="$(bash "$E2E_DIR/build.sh")"

  mkdir -p "$CLUSTER_DIR"
  chmod 700 "$CLUSTER_DIR"
  touch "$CLUSTER_DIR/.cdk8s-sglang-pd-e2e"
  gen_certs

  etcd_port="${E2E_ETCD_PORT:-$(free_port)}"
  peer_port="$(free_port)"
  api_port="${E2E_APISERVER_PORT:-$(free_port)}"
  token="$(openssl rand -hex 24)"
  printf '%s,e2e-admin,e2e-admin,"system:masters"\n' "$token" >"$CLUSTER_DIR/tokens.csv"
  chmod 600 "$CLUSTER_DIR/tokens.csv"

  # etcd: single member, loopback only. --unsafe-no-fsync: the data is thrown away.
  start_daemon etcd "$bin_dir/etcd" \
    --name e2e \
    --data-dir "$CLUSTER_DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "e2e=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync \
    --log-level warn

  local deadline=$((SECONDS + 30))
  until port_in_use "$etcd_port"; do
    our_pid etcd >/dev/null || { tail -n 20 "$CLUSTER_DIR/etcd.log" >&2; e2e_die "cluster: etcd exited"; }
    ((SECONDS < deadline)) || e2e_die "cluster: etcd did not listen on $etcd_port"
    sleep 0.1
  done

  # kube-apiserver: TLS on 127.0.0.1, static token auth (admin in system:masters), RBAC.
  # --endpoint-reconciler-type=none: Endpoints may not hold loopback addresses.
  start_daemon kube-apiserver "$bin_dir/kube-apiserver" \
    --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 \
    --secure-port "$api_port" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --tls-cert-file "$CLUSTER_DIR/pki/apiserver.crt" \
    --tls-private-key-file "$CLUSTER_DIR/pki/apiserver.key" \
    --client-ca-file "$CLUSTER_DIR/pki/ca.crt" \
    --token-auth-file "$CLUSTER_DIR/tokens.csv" \
    --authorization-mode RBAC \
    --anonymous-auth=false \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$CLUSTER_DIR/pki/sa.pub" \
    --service-account-signing-key-file "$CLUSTER_DIR/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 \
    --endpoint-reconciler-type none \
    --cert-dir "$CLUSTER_DIR/pki/generated" \
    --v "${E2E_APISERVER_VERBOSITY:-1}"

  cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $CLUSTER_DIR/pki/ca.crt
users:
- name: e2e-admin
  user:
    token: $token
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e-admin
    namespace: default
current-context: e2e
EOF
  chmod 600 "$KUBECONFIG_FILE"
  cat >"$CLUSTER_DIR/env" <<EOF
export E2E_CLUSTER_DIR='$CLUSTER_DIR'
export KUBECONFIG='$KUBECONFIG_FILE'
export E2E_KUBECTL='$bin_dir/kubectl'
export E2E_APISERVER_URL='https://127.0.0.1:$api_port'
export KUBECACHEDIR='$KUBECACHEDIR'
export PATH='$bin_dir':"\$PATH"
EOF

  wait_ready "$bin_dir/kubectl"
  e2e_log "cluster: ready at https://127.0.0.1:$api_port (etcd 127.0.0.1:$etcd_port) in $(e2e_secs "$start" "$(e2e_now)")s; state in $CLUSTER_DIR"
  [[ -n "${E2E_QUIET:-}" ]] || e2e_log "cluster: use it with: eval \"\$(bash scripts/e2e/cluster.sh env)\""
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
