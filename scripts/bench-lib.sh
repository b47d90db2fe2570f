# Sourced by scripts/bench-*.sh: what the localnet benchmarks share.
# Expects LOCALNET_HOME and the port variables exported by the caller.

BIN=${VERDICTD:-build/verdictd}
ZK_DIR=${ZK_DIR:-.localnet/zk}
ZK_SHAPE=${ZK_SHAPE:-64-64-10}
V=("$BIN" --home "$LOCALNET_HOME")

# bench_localnet: a fresh localnet of the benchmark's own, stopped on exit.
bench_localnet() {
  ./scripts/localnet.sh reset >/dev/null
  ./scripts/localnet.sh start
  trap './scripts/localnet.sh stop >/dev/null 2>&1 || true' EXIT
}

# bench_provider MONIKER ENDPOINT CIRCUIT PRICES: registers the keyring's
# "provider" (bond 2,000 VERD, class inference) and waits (30 s at most)
# until the registration is committed.
bench_provider() {
  "${V[@]}" tx jobs register-provider "$1" "$2" 2000000000uverd --classes inference --circuit-ids "$3" --prices "$4" \
    --from provider -y -o json --gas auto --gas-adjustment 1.5 --gas-prices 0.01uverd >/dev/null
  local provider deadline
  provider=$("${V[@]}" keys show provider -a)
  deadline=$((SECONDS + 30))
  until "${V[@]}" q jobs provider "$provider" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "the provider's registration was not committed in 30 s" >&2; exit 1; }
    sleep 1
  done
}
