#!/usr/bin/env bash
# Regenerates the Go code for every proto under proto/, offline.
# Installs protoc (Debian) and the plugins (tools/go.mod, exact versions) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/.bin"

if ! command -v protoc >/dev/null || [ ! -f /usr/include/google/protobuf/descriptor.proto ]; then
  echo "installing protoc from Debian packages"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq protobuf-compiler libprotobuf-dev >/dev/null
fi
if [ ! -x "$BIN/protoc-gen-gocosmos" ] || [ ! -x "$BIN/protoc-gen-grpc-gateway" ]; then
  echo "installing protoc plugins into $BIN"
  (cd tools && GOBIN="$BIN" go install github.com/cosmos/gogoproto/protoc-gen-gocosmos github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway)
fi

moddir() { go list -m -f '{{.Dir}}' "$1"; }
go mod download github.com/cosmos/cosmos-sdk github.com/cosmos/gogoproto github.com/cosmos/cosmos-proto github.com/grpc-ecosystem/grpc-gateway
INCLUDES=(
  -I proto
  -I "$(moddir github.com/cosmos/cosmos-sdk)/proto"
  -I "$(moddir github.com/cosmos/gogoproto)"
  -I "$(moddir github.com/cosmos/cosmos-proto)/proto"
  -I "$(moddir github.com/grpc-ecosystem/grpc-gateway)/third_party/googleapis"
  -I /usr/include
)

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export PATH="$BIN:$PATH"
for dir in $(find proto -name '*.proto' -exec dirname {} \; | sort -u); do
  echo "generating $dir"
  protoc "${INCLUDES[@]}" \
    --gocosmos_out="plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:$OUT" \
    --grpc-gateway_out="logtostderr=true,allow_colon_final_segments=true:$OUT" \
    "$dir"/*.proto
done
# Files land under their go_package path; copy them into this module.
cp -r "$OUT/github.com/verdict-chain/verdict/." "$ROOT/"
echo "done"
