# Verdict — `make help` lists the targets.
SHELL := /usr/bin/env bash
BINDIR  := build
BIN     := $(BINDIR)/verdictd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/cosmos/cosmos-sdk/version.Name=verdict \
	-X github.com/cosmos/cosmos-sdk/version.AppName=verdictd \
	-X github.com/cosmos/cosmos-sdk/version.Version=$(VERSION) \
	-X github.com/cosmos/cosmos-sdk/version.Commit=$(COMMIT)
TOOLS_BIN := $(CURDIR)/.bin
# Unit tests use Go's test cache locally (a package whose code and inputs
# did not change is not run again); CI sets GOTEST_FLAGS=-count=1 (.ci/run).
# Tests of running processes (e2e, network) always run (-count=1).
GOTEST_FLAGS ?=

FUZZTIME ?= 5m

.PHONY: test-short bench-serve bench-batch bench-tx bench-endblock test-network testnet-start testnet-stop bench-agents bench-econ help build install proto-gen proto-check lint test test-unit test-fuzz test-e2e fuzz bench localnet-start localnet-stop localnet-reset demo clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build build/verdictd (version from git), build/verdict-teesim (the localnet's simulated SEV-SNP guest, test-only keys) and build/verdict-demo (the demo's scenes)
	@mkdir -p $(BINDIR)
	go build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/verdictd
	go build -o $(BINDIR)/verdict-teesim ./cmd/verdict-teesim
	go build -o $(BINDIR)/verdict-demo ./cmd/verdict-demo

install: ## install verdictd into GOBIN
	go install -ldflags '$(LDFLAGS)' ./cmd/verdictd

proto-gen: ## regenerate Go code from proto/ (offline; installs protoc and plugins if missing)
	./scripts/protocgen.sh

proto-check: proto-gen ## fail if the committed generated code or docs/openapi.json differs from proto/
	@git diff --exit-code -- '*.pb.go' '*.pb.gw.go' docs/openapi.json || (echo "generated code is stale: run make proto-gen and commit" && exit 1)
	@test -z "$$(git status --porcelain -- '*.pb.go' '*.pb.gw.go' docs/openapi.json)" || (echo "untracked generated files" && git status --porcelain -- '*.pb.go' && exit 1)

lint: ## golangci-lint (v2 config in .golangci.yml; forbids time.Now and math/rand under x/)
	@test -x $(TOOLS_BIN)/golangci-lint || (cd tools && GOBIN=$(TOOLS_BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
	$(TOOLS_BIN)/golangci-lint run ./...

test: build test-unit test-fuzz test-e2e ## everything CI runs: unit + integration tests, short fuzz runs, then the end-to-end test on the real binary

test-short: ## the edit-test loop: unit, app and agent tests with Go's test cache and -short (no simulation, fuzz or e2e); what did not change is not run again
	go test -short ./x/... ./zkml/... ./app/... ./cmd/... ./agent/... ./testutil/demo/...

test-unit: ## keeper unit tests (real Groth16 proofs), the prover's circuits against native inference, app-wiring integration and attack tests, the economic simulation, fuzz seed corpora
	go test $(GOTEST_FLAGS) ./x/... ./zkml/... ./app/... ./cmd/... ./agent/... ./testutil/econsim/... ./testutil/demo/...

# package:target:executions (scripts/fuzz.sh builds each package's fuzzing
# binary once). The short runs are bounded by a count of executions (about
# 4 s each here), not by a duration: Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" failure when a duration runs out
# (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZ_TARGETS := ./x/dispute/zkverify:FuzzVerifyProof:20000 ./x/dispute/zkverify:FuzzParseVerifyingKey:15000 \
	./x/dispute/zkverify:FuzzVerifyProofTwoCommitments:15000 ./zkml:FuzzCommitmentKeyFile:30000 \
	./zkml:FuzzModelFile:30000 ./zkml:FuzzTensorFile:30000 ./zkml:FuzzBatchFile:20000 ./x/jobs/batch:FuzzVerifyPath:40000 \
	./x/jobs/serving:FuzzParseBody:10000 \
	./x/attest/tee:FuzzVerifyTDX:3000 ./x/attest/tee:FuzzVerifySNP:5000 ./x/attest/tee:FuzzCheckCollateral:5000

test-fuzz: ## short fuzz runs (a fixed number of executions, ~4 s each; `make fuzz` runs long ones) of the proof (one and two commitments), VK, model, tensor, batch and commitment key file decoders, batch inclusion paths, serving receipt bodies and TEE evidence
	./scripts/fuzz.sh $(FUZZ_TARGETS)

fuzz: ## long fuzz runs: FUZZTIME per target (default 5m; a failure without a new testdata/fuzz file is the Go 1.26 deadline race, not a crash)
	./scripts/fuzz.sh --time $(FUZZTIME) $(FUZZ_TARGETS)

bench: build ## ratios: on-chain proof check vs raw gnark Verify, verify gas vs secp256k1, verification-tax table (MLP v1 and v2, LeNet-5 CNN, constraints by part, v2/v1 ratios), scheduler cost at 10/100/10,000 providers, TEE evidence gas vs secp256k1, batch jobs (tree leaves vs inference, batch pipeline vs native, an item's proof check vs a single job's), EndBlock at 10k vs 1M stored jobs, then bench-agents and bench-batch (~20 min)
	go run ./cmd/verdict-bench $(BENCH_FLAGS)
	go test -run '^$$' -bench BenchmarkSchedulerScaling -benchtime 2000x ./x/reputation/keeper
	go test -run '^$$' -bench BenchmarkVerifyGas -benchtime 500x ./x/attest/tee
	go test -run '^$$' -bench BenchmarkBatchItemCost -benchtime 2s ./zkml
	go test -run '^$$' -bench BenchmarkInferBatch -benchtime 3x ./agent
	go test -run '^$$' -bench BenchmarkItemCheck -benchtime 200x ./x/dispute/types
	go run ./cmd/verdict-bench-endblock $(BENCH_ENDBLOCK_FLAGS)
	./scripts/bench-agents.sh $(BENCH_AGENTS_FLAGS)
	./scripts/bench-batch.sh $(BENCH_BATCH_FLAGS)

bench-endblock: ## block execution with 10,000 vs 1,000,000 stored jobs (same work due per block), its ratio, and the memory of the 1M-job node (~6 min)
	go run ./cmd/verdict-bench-endblock $(BENCH_ENDBLOCK_FLAGS)

bench-agents: build ## the agents end to end on a localnet of their own: submit-to-result latency, provider CPU per 1,000 jobs proving 1% vs every job (~2 min)
	./scripts/bench-agents.sh $(BENCH_AGENTS_FLAGS)

ECON_BLOCKS ?= 1000

bench-batch: build ## batch jobs on a localnet of their own through the provider agent: 50 batches of 100,000 items (64-64-10), verified inferences/s vs native inference, submit-to-FINALIZED latency, gas per inference, an item's proof check vs a single job's (~1.5 min)
	./scripts/bench-batch.sh $(BENCH_BATCH_FLAGS)

bench-tx: build ## committed tx/s of bank send, MsgSubmitJob and MsgPostResult on a localnet of its own, as ratios to bank send, node CPU and gas per tx (PPROF=1: node pprof on 127.0.0.1:6061)
	./scripts/bench-tx.sh $(BENCH_TX_FLAGS)

bench-serve: ## serving sessions: requests/s and p50/p99 through the agent's session endpoint (vouchers, receipts) vs the same endpoint without them, LeNet-5 and a 64-64-10 MLP, and a checkpoint's gas per request (~1 min)
	go run ./cmd/verdict-bench-serve $(BENCH_SERVE_FLAGS)
	go run ./cmd/verdict-bench-serve -circuit mlp2-64-64-10 $(BENCH_SERVE_FLAGS)

bench-econ: ## the economic simulation's table: each strategy's net gain or loss per 1,000 jobs, default params (~2.5 min)
	go test -count=1 -run '^TestEconomicTable$$' ./testutil/econsim -v -args -econ.table -econ.blocks=$(ECON_BLOCKS) | grep -v '^=== \|^--- \|^PASS\|^ok '

test-e2e: build ## real verdictd localnets on loopback (scripts/localnet.sh), two side by side: the demo plus every query surface on one; the agents under faults on the other, then the demo's audit scene (it turns audits on chain-wide) on a third
	VERDICTD=$(CURDIR)/$(BIN) go test -count=1 -tags e2e -timeout 20m ./testutil/e2e/...

test-network: build ## four validators on loopback (scripts/testnet.sh) under faults while the demo runs against them: SIGKILL and restart, SIGSTOP/SIGCONT, a node joining by state sync, two of four stopped with txs in flight, app hashes compared at every height
	VERDICTD=$(CURDIR)/$(BIN) go test -count=1 -tags network -timeout 30m -v -run TestNetworkUnderFaults ./testutil/network/...

testnet-start: build ## start four validators on 127.0.0.1 (scripts/testnet.sh; ports 27000+10i)
	./scripts/testnet.sh start

testnet-stop: ## stop the four-validator testnet
	./scripts/testnet.sh stop

localnet-start: build ## start the one-validator localnet on 127.0.0.1
	./scripts/localnet.sh start

localnet-stop: ## stop the localnet
	./scripts/localnet.sh stop

localnet-reset: ## stop the localnet and delete its data
	./scripts/localnet.sh reset

SCENE ?=

demo: build ## the main job: a fresh localnet, then the demo's scenes by CLI, independent ones side by side (SCENE=disputes runs one; `build/verdict-demo --list` lists them)
	./scripts/localnet.sh reset
	./scripts/localnet.sh start
	$(BINDIR)/verdict-demo --scene '$(SCENE)'

clean: ## remove build outputs and the localnet
	./scripts/localnet.sh reset || true
	rm -rf $(BINDIR)
