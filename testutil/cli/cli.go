// Package cli drives a running Verdict node the way a user does: the real
// verdictd binary for every transaction (signed with the node's test
// keyring, gas paid at the node's minimum price, the block awaited with a
// bound), typed gRPC query clients for reading state, and CometBFT's RPC
// for the transaction index. It is the harness the demo's scenes
// (testutil/demo), the end-to-end test and the network test share; the
// Cosmos SDK's systemtests CLI wrapper (cosmos-sdk/systemtests/cli.go) is
// its model.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
)

// Config says where the node and its keyring are.
type Config struct {
	// Bin is the verdictd binary.
	Bin string
	// Home holds the node's client config and test keyring.
	Home string
	// RPC is CometBFT's RPC address (host:port).
	RPC string
	// GRPC is the node's gRPC address (host:port).
	GRPC string
	// GasPrices every transaction pays (the node's minimum).
	GasPrices string
	// TxTimeout bounds the wait for a transaction's block.
	TxTimeout time.Duration
}

// Chain is a connection to one node.
type Chain struct {
	cfg  Config
	conn *grpc.ClientConn
	hc   *http.Client

	mu    sync.Mutex
	addrs map[string]string
	locks map[string]*sync.Mutex
}

// Dial connects to the node's gRPC endpoint (lazily: the first query
// connects).
func Dial(cfg Config) (*Chain, error) {
	if cfg.GasPrices == "" {
		cfg.GasPrices = "0.01uverd"
	}
	if cfg.TxTimeout == 0 {
		cfg.TxTimeout = 30 * time.Second
	}
	conn, err := grpc.NewClient(cfg.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Chain{
		cfg: cfg, conn: conn, hc: &http.Client{Timeout: 10 * time.Second},
		addrs: map[string]string{}, locks: map[string]*sync.Mutex{},
	}, nil
}

// Close closes the gRPC connection.
func (c *Chain) Close() error { return c.conn.Close() }

// GasPrices is what every transaction pays per gas (the node's minimum).
func (c *Chain) GasPrices() string { return c.cfg.GasPrices }

// Conn is the gRPC connection, for the modules' query clients.
func (c *Chain) Conn() *grpc.ClientConn { return c.conn }

// Node is CometBFT's RPC address as a --node flag takes it.
func (c *Chain) Node() string { return "tcp://" + c.cfg.RPC }

// Exec runs verdictd with args against the node's home, bounded by ctx
// and by a minute.
func (c *Chain) Exec(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	args = append(args, "--home", c.cfg.Home)
	out, err := exec.CommandContext(ctx, c.cfg.Bin, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("verdictd %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Addr is the address of a key in the node's keyring.
func (c *Chain) Addr(ctx context.Context, key string) (string, error) {
	c.mu.Lock()
	a, ok := c.addrs[key]
	c.mu.Unlock()
	if ok {
		return a, nil
	}
	out, err := c.Exec(ctx, "keys", "show", key, "-a", "--keyring-backend", "test")
	if err != nil {
		return "", err
	}
	a = strings.TrimSpace(out)
	c.mu.Lock()
	c.addrs[key] = a
	c.mu.Unlock()
	return a, nil
}

// EnsureKey adds key to the keyring if it is not there and returns its
// address.
func (c *Chain) EnsureKey(ctx context.Context, key string) (string, error) {
	if a, err := c.Addr(ctx, key); err == nil {
		return a, nil
	}
	if _, err := c.Exec(ctx, "keys", "add", key, "--keyring-backend", "test", "--output", "json"); err != nil {
		return "", err
	}
	return c.Addr(ctx, key)
}

func (c *Chain) signer(from string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.locks[from]
	if !ok {
		l = &sync.Mutex{}
		c.locks[from] = l
	}
	return l
}

// Event is an ABCI event as the node's RPC reports it.
type Event struct {
	Type       string `json:"type"`
	Attributes []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"attributes"`
}

// TxResult is an included transaction.
type TxResult struct {
	Hash   string
	Height int64
	Code   uint32
	Log    string
	Events []Event
}

// Attr is the first value of key in an event of type typ ("" if none),
// with the JSON quotes of a typed event's string values removed.
func (r *TxResult) Attr(typ, key string) string {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				if s, err := strconv.Unquote(a.Value); err == nil {
					return s
				}
				return a.Value
			}
		}
	}
	return ""
}

// ErrRejected is a transaction the chain refused (in CheckTx or in its
// block).
var ErrRejected = errors.New("transaction rejected")

// Tx signs args ("jobs", "submit-job", ...) with key from, broadcasts it,
// waits (bounded) for its block and returns it; a non-zero code is an
// ErrRejected error carrying the log. Gas is estimated (×1.5) unless args
// set --gas. Transactions of one signer are sent one at a time, so
// concurrent scenes never race for an account sequence.
func (c *Chain) Tx(ctx context.Context, from string, args ...string) (*TxResult, error) {
	l := c.signer(from)
	l.Lock()
	defer l.Unlock()
	fees := []string{"--gas", "auto", "--gas-adjustment", "1.5", "--gas-prices", c.cfg.GasPrices}
	for _, a := range args {
		if a == "--gas" || strings.HasPrefix(a, "--gas=") {
			fees = []string{"--gas-prices", c.cfg.GasPrices}
		}
	}
	full := append(append(append([]string{"tx"}, args...), fees...), "--from", from, "-y", "-o", "json", "--keyring-backend", "test")
	out, err := c.Exec(ctx, full...)
	if err != nil {
		// a Msg that fails fails gas estimation too: the chain refused it
		if strings.Contains(out, "failed to execute message") || strings.Contains(out, "rpc error") {
			return nil, fmt.Errorf("%w: %s", ErrRejected, strings.TrimSpace(out))
		}
		return nil, err
	}
	if i := strings.Index(out, "{"); i > 0 { // --gas auto prints the estimate first
		out = out[i:]
	}
	var res struct {
		Code   uint32 `json:"code"`
		TxHash string `json:"txhash"`
		RawLog string `json:"raw_log"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return nil, fmt.Errorf("verdictd tx output: %w: %s", err, out)
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("%w in CheckTx (code %d): %s", ErrRejected, res.Code, res.RawLog)
	}
	r, err := c.WaitTx(ctx, res.TxHash)
	if err != nil {
		return nil, err
	}
	if r.Code != 0 {
		return r, fmt.Errorf("%w in its block (code %d): %s", ErrRejected, r.Code, r.Log)
	}
	return r, nil
}

// WaitTx waits (bounded by TxTimeout) until the node has indexed hash.
func (c *Chain) WaitTx(ctx context.Context, hash string) (*TxResult, error) {
	deadline := time.Now().Add(c.cfg.TxTimeout)
	for {
		var res struct {
			Hash     string `json:"hash"`
			Height   string `json:"height"`
			TxResult struct {
				Code   uint32  `json:"code"`
				Log    string  `json:"log"`
				Events []Event `json:"events"`
			} `json:"tx_result"`
		}
		err := c.rpc(ctx, "/tx?hash=0x"+hash, &res)
		if err == nil {
			h, _ := strconv.ParseInt(res.Height, 10, 64)
			return &TxResult{Hash: hash, Height: h, Code: res.TxResult.Code, Log: res.TxResult.Log, Events: res.TxResult.Events}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("tx %s not in a block after %s: %w", hash, c.cfg.TxTimeout, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// rpc GETs a CometBFT RPC path and decodes its result into v.
func (c *Chain) rpc(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.cfg.RPC+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if env.Error != nil {
		return fmt.Errorf("rpc %s: %s %s", path, env.Error.Message, env.Error.Data)
	}
	return json.Unmarshal(env.Result, v)
}

// Status is the node's latest block.
func (c *Chain) Status(ctx context.Context) (chainID string, height int64, blockTime time.Time, err error) {
	var res struct {
		NodeInfo struct {
			Network string `json:"network"`
		} `json:"node_info"`
		SyncInfo struct {
			Height string    `json:"latest_block_height"`
			Time   time.Time `json:"latest_block_time"`
		} `json:"sync_info"`
	}
	if err = c.rpc(ctx, "/status", &res); err != nil {
		return "", 0, time.Time{}, err
	}
	height, err = strconv.ParseInt(res.SyncInfo.Height, 10, 64)
	return res.NodeInfo.Network, height, res.SyncInfo.Time, err
}

// Balance is addr's bank balance of denom.
func (c *Chain) Balance(ctx context.Context, addr, denom string) (math.Int, error) {
	res, err := banktypes.NewQueryClient(c.conn).Balance(ctx, &banktypes.QueryBalanceRequest{Address: addr, Denom: denom})
	if err != nil {
		return math.Int{}, err
	}
	return res.Balance.Amount, nil
}

// FeesPaid is the sum of the denom gas fees of every transaction addr paid
// for, from the node's transaction index.
func (c *Chain) FeesPaid(ctx context.Context, addr, denom string) (math.Int, error) {
	total := math.ZeroInt()
	for page := 1; page <= 100; page++ {
		var res struct {
			Txs []struct {
				TxResult struct {
					Events []Event `json:"events"`
				} `json:"tx_result"`
			} `json:"txs"`
			TotalCount string `json:"total_count"`
		}
		q := url.QueryEscape(fmt.Sprintf(`"tx.fee_payer='%s'"`, addr))
		if err := c.rpc(ctx, fmt.Sprintf("/tx_search?query=%s&page=%d&per_page=100", q, page), &res); err != nil {
			return math.Int{}, err
		}
		for _, tx := range res.Txs {
			r := TxResult{Events: tx.TxResult.Events}
			if fee := r.Attr(sdk.EventTypeTx, sdk.AttributeKeyFee); fee != "" {
				coins, err := sdk.ParseCoinsNormalized(fee)
				if err != nil {
					return math.Int{}, err
				}
				total = total.Add(coins.AmountOf(denom))
			}
		}
		n, _ := strconv.Atoi(res.TotalCount)
		if page*100 >= n {
			return total, nil
		}
	}
	return math.Int{}, fmt.Errorf("more than 10,000 transactions paid by %s", addr)
}

// Gross is addr's balance plus every gas fee it paid: the balance had it
// paid no gas, so a change in it is Verdict's own accounting.
func (c *Chain) Gross(ctx context.Context, addr, denom string) (math.Int, error) {
	// exact while addr sends nothing (a scene reads its accounts between
	// its own awaited transactions)
	b, err := c.Balance(ctx, addr, denom)
	if err != nil {
		return math.Int{}, err
	}
	f, err := c.FeesPaid(ctx, addr, denom)
	if err != nil {
		return math.Int{}, err
	}
	return b.Add(f), nil
}

// CommunityPool is the community pool's whole units of denom.
func (c *Chain) CommunityPool(ctx context.Context, denom string) (math.Int, error) {
	res, err := distrtypes.NewQueryClient(c.conn).CommunityPool(ctx, &distrtypes.QueryCommunityPoolRequest{})
	if err != nil {
		return math.Int{}, err
	}
	return res.Pool.AmountOf(denom).TruncateInt(), nil
}
