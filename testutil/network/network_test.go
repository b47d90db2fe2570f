//go:build network

// Package network runs four real validators on loopback
// (scripts/testnet.sh) and puts them through faults: a validator killed
// and restarted, two of four stopped, one paused, while transactions and a
// dispute settled by a Groth16 proof run; app hashes are compared across
// nodes at the same heights. Run with `make test-network`.
package network

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/testutil/loopback"
)

const nodes = 4

type testnet struct {
	t    *testing.T
	root string
	bin  string
	home string
	base int
	env  []string
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func (n *testnet) script(timeout time.Duration, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(n.root, "scripts", "testnet.sh"), args...)
	cmd.Env = append(os.Environ(), n.env...)
	out, err := cmd.CombinedOutput()
	require.NoError(n.t, err, string(out))
	return string(out)
}

func (n *testnet) rpc(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", n.base+10*i+1) }

// rpcGet decodes the "result" of a CometBFT RPC call; ok false when the
// node does not answer.
func (n *testnet) rpcGet(i int, path string, v any) bool {
	c := &http.Client{Timeout: 3 * time.Second}
	res, err := c.Get(n.rpc(i) + path)
	if err != nil {
		return false
	}
	defer func() { _ = res.Body.Close() }()
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if json.NewDecoder(res.Body).Decode(&env) != nil || len(env.Result) == 0 {
		return false
	}
	return json.Unmarshal(env.Result, v) == nil
}

func (n *testnet) height(i int) int64 {
	var st struct {
		SyncInfo struct {
			Height string `json:"latest_block_height"`
		} `json:"sync_info"`
	}
	if !n.rpcGet(i, "/status", &st) {
		return -1
	}
	h, _ := strconv.ParseInt(st.SyncInfo.Height, 10, 64)
	return h
}

// appHash is the app hash a node's block at height h+1 commits to (the
// state after block h).
func (n *testnet) appHash(i int, h int64) string {
	var b struct {
		Block struct {
			Header struct {
				AppHash string `json:"app_hash"`
			} `json:"header"`
		} `json:"block"`
	}
	if !n.rpcGet(i, fmt.Sprintf("/block?height=%d", h+1), &b) {
		return ""
	}
	return b.Block.Header.AppHash
}

func (n *testnet) waitHeight(i int, h int64, within time.Duration) {
	n.t.Helper()
	require.Eventually(n.t, func() bool { return n.height(i) >= h }, within, 250*time.Millisecond, "node %d did not reach height %d (at %d)", i, h, n.height(i))
}

// sameAppHashes checks that every listed node reports the same app hash
// for each height in [from, to].
func (n *testnet) sameAppHashes(from, to int64, who ...int) {
	n.t.Helper()
	for h := from; h <= to; h++ {
		want := n.appHash(who[0], h)
		require.NotEmpty(n.t, want, "node %d has no block %d", who[0], h+1)
		for _, i := range who[1:] {
			require.Equal(n.t, want, n.appHash(i, h), "app hash after height %d: node %d differs from node %d", h, i, who[0])
		}
	}
}

// node0 runs the CLI against node i with node 0's keyring.
func (n *testnet) cliAt(i int, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, n.bin, append(args, "--home", filepath.Join(n.home, "node0"),
		"--node", fmt.Sprintf("tcp://127.0.0.1:%d", n.base+10*i+1))...).CombinedOutput()
	return string(out), err
}

func (n *testnet) addr(key string) string {
	out, err := exec.Command(n.bin, "keys", "show", key, "-a", "--keyring-backend", "test", "--home", filepath.Join(n.home, "node0")).CombinedOutput()
	require.NoError(n.t, err, string(out))
	return strings.TrimSpace(string(out))
}

// presign signs k bank sends from buyer offline with consecutive
// sequences (the chain is halted: no query would see the next sequence).
func (n *testnet) presign(k int) [][]byte {
	out, err := n.cliAt(0, 10*time.Second, "q", "auth", "account-info", n.addr("buyer"), "-o", "json")
	require.NoError(n.t, err, out)
	var acc struct {
		Info struct {
			AccountNumber string `json:"account_number"`
			Sequence      string `json:"sequence"`
		} `json:"info"`
	}
	require.NoError(n.t, json.Unmarshal([]byte(out), &acc), out)
	seq, _ := strconv.ParseUint(acc.Info.Sequence, 10, 64)
	dir := n.t.TempDir()
	var txs [][]byte
	for j := 0; j < k; j++ {
		unsigned := filepath.Join(dir, fmt.Sprintf("u%d.json", j))
		out, err := n.cliAt(0, 10*time.Second, "tx", "bank", "send", "buyer", n.addr("challenger"), fmt.Sprintf("%duverd", j+1),
			"--generate-only", "--gas", "100000", "--gas-prices", "0.01uverd", "--chain-id", chainID, "--keyring-backend", "test")
		require.NoError(n.t, err, out)
		require.NoError(n.t, os.WriteFile(unsigned, []byte(out), 0o644))
		signed, err := n.cliAt(0, 10*time.Second, "tx", "sign", unsigned, "--from", "buyer", "--offline", "--chain-id", chainID,
			"--account-number", acc.Info.AccountNumber, "--sequence", strconv.FormatUint(seq+uint64(j), 10), "--keyring-backend", "test")
		require.NoError(n.t, err, signed)
		sf := filepath.Join(dir, fmt.Sprintf("s%d.json", j))
		require.NoError(n.t, os.WriteFile(sf, []byte(signed), 0o644))
		enc, err := n.cliAt(0, 10*time.Second, "tx", "encode", sf)
		require.NoError(n.t, err, enc)
		txs = append(txs, []byte(strings.TrimSpace(enc)))
	}
	return txs
}

// broadcastSync sends a base64 tx to node i: the hash when CheckTx
// accepted it, the log when it refused.
func (n *testnet) broadcastSync(i int, tx []byte) (hash string, refused string) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":%q}}`, string(tx))
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Post(n.rpc(i), "application/json", strings.NewReader(body))
	require.NoError(n.t, err)
	defer func() { _ = res.Body.Close() }()
	var env struct {
		Result struct {
			Code uint32 `json:"code"`
			Log  string `json:"log"`
			Hash string `json:"hash"`
		} `json:"result"`
	}
	require.NoError(n.t, json.NewDecoder(res.Body).Decode(&env))
	if env.Result.Code != 0 {
		return "", env.Result.Log
	}
	return env.Result.Hash, ""
}

// committed reports the code of a tx in a block (found false if not yet).
func (n *testnet) committed(i int, hash string) (code uint32, found bool) {
	var r struct {
		TxResult struct {
			Code uint32 `json:"code"`
		} `json:"tx_result"`
	}
	if !n.rpcGet(i, "/tx?hash=0x"+hash, &r) {
		return 0, false
	}
	return r.TxResult.Code, true
}

const chainID = "verdict-testnet-1"

func TestNetworkUnderFaults(t *testing.T) {
	bin := os.Getenv("VERDICTD")
	if bin == "" {
		t.Skip("VERDICTD not set: run through `make test-network`")
	}
	n := &testnet{t: t, root: repoRoot(), bin: bin, home: filepath.Join(t.TempDir(), "testnet"), base: 27400}
	n.env = []string{"VERDICTD=" + bin, "TESTNET_HOME=" + n.home, fmt.Sprintf("BASE_PORT=%d", n.base), "SNAPSHOT_INTERVAL=10", "CHAIN_ID=" + chainID}
	began := time.Now()
	t.Log(n.script(3*time.Minute, "start"))
	t.Cleanup(func() { t.Log(n.script(time.Minute, "stop")) })
	n.waitHeight(0, 3, 30*time.Second)

	// The demo's flows (jobs, three disputes settled by Groth16 proofs, SLA
	// grading, TEE attestation, forwards, the agents) run against node 0
	// while the faults below happen. NETWORK_SKIP_DEMO=1 leaves it out
	// (working on the faults alone).
	withDemo := os.Getenv("NETWORK_SKIP_DEMO") == ""
	ap := loopback.FreePorts(t, 11)
	demo := exec.Command(filepath.Join(filepath.Dir(bin), "verdict-demo"))
	demo.Dir = n.root // the Groth16 keys are in the repository's .localnet/zk
	demo.Env = append(os.Environ(), "VERDICTD="+bin, "LOCALNET_HOME="+filepath.Join(n.home, "node0"), "CHAIN_ID="+chainID,
		fmt.Sprintf("RPC_PORT=%d", n.base+1), fmt.Sprintf("GRPC_PORT=%d", n.base+2), fmt.Sprintf("API_PORT=%d", n.base+3),
		"AGENT_PORTS="+strings.Trim(fmt.Sprint(ap), "[]"), "TX_TIMEOUT=60")
	demoLog := filepath.Join(n.home, "demo.log")
	lf, err := os.Create(demoLog)
	require.NoError(t, err)
	demo.Stdout, demo.Stderr = lf, lf
	demoDone := make(chan error, 1)
	if withDemo {
		require.NoError(t, demo.Start())
		go func() { demoDone <- demo.Wait(); _ = lf.Close() }()
		t.Cleanup(func() { _ = demo.Process.Kill() })
	}

	t.Run("SIGKILL one validator: the others commit; restarted, it catches up", func(t *testing.T) {
		n.t = t
		n.script(time.Minute, "kill", "3")
		h := n.height(0)
		n.waitHeight(0, h+5, 60*time.Second)
		restarted := time.Now()
		n.script(time.Minute, "start-node", "3")
		target := n.height(0)
		n.waitHeight(3, target, 90*time.Second)
		t.Logf("recovery: node 3 restarted after SIGKILL caught up %d blocks in %s", target-h, time.Since(restarted).Round(100*time.Millisecond))
	})

	t.Run("SIGSTOP one validator past a few rounds, then SIGCONT", func(t *testing.T) {
		n.t = t
		n.script(time.Minute, "pause", "1")
		h := n.height(0)
		n.waitHeight(0, h+5, 60*time.Second) // three of four keep committing
		n.script(time.Minute, "resume", "1")
		n.waitHeight(1, n.height(0), 60*time.Second)
	})

	t.Run("a fifth node joins by state sync and follows", func(t *testing.T) {
		n.t = t
		n.waitHeight(0, 12, 60*time.Second) // a snapshot exists (every 10 blocks)
		t.Log(n.script(time.Minute, "join", "4"))
		n.waitHeight(4, n.height(0), 2*time.Minute)
		var b struct{}
		require.False(t, n.rpcGet(4, "/block?height=1", &b), "node 4 replayed from genesis instead of restoring a snapshot")
		h := n.height(4)
		n.waitHeight(4, h+3, 30*time.Second)
	})

	t.Run("the demo passes on the faulted network", func(t *testing.T) {
		n.t = t
		if !withDemo {
			t.Skip("NETWORK_SKIP_DEMO set")
		}
		select {
		case err := <-demoDone:
			out, _ := os.ReadFile(demoLog)
			require.NoError(t, err, "demo log tail:\n%s", tail(string(out), 3000))
			require.Contains(t, string(out), "Demo complete")
		case <-time.After(15 * time.Minute):
			t.Fatal("demo did not finish in 15 minutes")
		}
	})

	t.Run("two of four stopped: no blocks; one back: every accepted tx is committed", func(t *testing.T) {
		n.t = t
		txs := n.presign(5)
		n.script(time.Minute, "stop-node", "2")
		n.script(time.Minute, "stop-node", "3")
		time.Sleep(3 * time.Second) // a block already in its last round may still commit
		h := n.height(0)
		var accepted []string
		for _, tx := range txs {
			hash, refused := n.broadcastSync(0, tx)
			if refused != "" {
				t.Logf("refused by CheckTx (reported, not lost): %s", refused)
				continue
			}
			accepted = append(accepted, hash)
		}
		require.NotEmpty(t, accepted)
		time.Sleep(6 * time.Second)
		require.LessOrEqual(t, n.height(0), h+1, "blocks committed with half the voting power down")
		halted := time.Now()
		n.script(time.Minute, "start-node", "2")
		n.waitHeight(0, h+3, 90*time.Second)
		t.Logf("blocks resumed %s after the third validator came back", time.Since(halted).Round(100*time.Millisecond))
		for _, hash := range accepted {
			require.Eventually(t, func() bool {
				code, found := n.committed(0, hash)
				return found && code == 0
			}, 60*time.Second, 500*time.Millisecond, "tx %s accepted during the halt was never committed", hash)
		}
		n.script(time.Minute, "start-node", "3")
		n.waitHeight(3, n.height(0), 90*time.Second)
	})

	t.Run("every node has the same app hash at every height", func(t *testing.T) {
		n.t = t
		top := n.height(0)
		for i := 1; i <= nodes; i++ { // the lowest tip of the five nodes
			top = min(top, n.height(i))
		}
		top-- // the app hash after block h is in block h+1
		n.sameAppHashes(1, top, 0, 1, 2, 3)
		var st struct {
			SyncInfo struct {
				Earliest string `json:"earliest_block_height"`
			} `json:"sync_info"`
		}
		require.True(t, n.rpcGet(4, "/status", &st))
		from, _ := strconv.ParseInt(st.SyncInfo.Earliest, 10, 64)
		n.sameAppHashes(from, top, 0, 4)
		t.Logf("app hashes equal on 4 validators for heights 1..%d and on the state-synced node from %d; whole test %s",
			top, from, time.Since(began).Round(time.Second))
	})
}

func tail(s string, k int) string {
	if len(s) > k {
		return s[len(s)-k:]
	}
	return s
}
