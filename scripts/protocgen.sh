#!/usr/bin/env bash
# Regenerates, offline, the Go code for every proto under proto/ and the
# OpenAPI (Swagger 2.0) document docs/openapi.json that the node serves at
# /swagger/: the REST routes of Verdict's modules and of the SDK modules the
# app wires (and no others).
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
if [ ! -x "$BIN/protoc-gen-gocosmos" ] || [ ! -x "$BIN/protoc-gen-grpc-gateway" ] || [ ! -x "$BIN/protoc-gen-swagger" ]; then
  echo "installing protoc plugins into $BIN"
  (cd tools && GOBIN="$BIN" go install github.com/cosmos/gogoproto/protoc-gen-gocosmos \
    github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway github.com/grpc-ecosystem/grpc-gateway/protoc-gen-swagger)
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

# OpenAPI: the query services whose REST routes app.RegisterAPIRoutes
# serves. Keep SDK_SERVICES in step with the SDK modules wired in app/app.go
# (app's TestOpenAPIDocument checks it).
SDK_SERVICES=(
  cosmos/auth/v1beta1/query.proto cosmos/bank/v1beta1/query.proto
  cosmos/staking/v1beta1/query.proto cosmos/distribution/v1beta1/query.proto
  cosmos/slashing/v1beta1/query.proto cosmos/gov/v1/query.proto cosmos/gov/v1beta1/query.proto
  cosmos/mint/v1beta1/query.proto cosmos/consensus/v1/query.proto
  cosmos/upgrade/v1beta1/query.proto cosmos/evidence/v1beta1/query.proto
  cosmos/tx/v1beta1/service.proto cosmos/base/tendermint/v1beta1/query.proto
  cosmos/base/node/v1beta1/query.proto
)
echo "generating docs/openapi.json"
SW="$OUT/swagger"
mkdir -p "$SW" docs
# One Swagger file per service file (fully qualified definition names, so the
# merge below cannot confuse two types), then one document.
for f in $(cd proto && find . -name query.proto | sed 's|^\./||' | sort) "${SDK_SERVICES[@]}"; do
  protoc "${INCLUDES[@]}" \
    --swagger_out="fqn_for_swagger_name=true,include_package_in_tags=true,logtostderr=true:$SW" "$f"
done
find "$SW" -name '*.swagger.json' | LC_ALL=C sort | xargs jq -s --sort-keys '
  {
    swagger: "2.0",
    info: {
      title: "Verdict REST API",
      version: "v1",
      description: "REST (gRPC-gateway) routes of a verdictd node: the Verdict modules (/verdict/...) and the Cosmos SDK modules the app wires. Signed transactions are broadcast with POST /cosmos/tx/v1beta1/txs. Generated from the proto files by scripts/protocgen.sh."
    },
    consumes: ["application/json"],
    produces: ["application/json"],
    paths: (map(.paths // {}) | add),
    definitions: (map(.definitions // {}) | add)
  }' > docs/openapi.json
echo "done"
