package agent

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reptypes "github.com/verdict-chain/verdict/x/reputation/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// Chain is an agent's view of the node: gRPC query and tx clients, and the
// CometBFT RPC endpoint whose websocket it follows.
type Chain struct {
	rpcAddr string
	conn    *grpc.ClientConn
	log     *slog.Logger
	metrics *Metrics

	Jobs       jobstypes.QueryClient
	Disputes   disputetypes.QueryClient
	Reputation reptypes.QueryClient
	SLA        slatypes.QueryClient
	Auth       authtypes.QueryClient
	Tx         txtypes.ServiceClient

	// StallTimeout: with no new block for this long the subscription is
	// presumed dead and is rebuilt.
	StallTimeout time.Duration
}

// Dial connects to the node's gRPC endpoint (plaintext: loopback or a
// private network; put TLS in front otherwise).
func Dial(rpcAddr, grpcAddr string, log *slog.Logger, m *Metrics) (*Chain, error) {
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("grpc %s: %w", grpcAddr, err)
	}
	return &Chain{
		rpcAddr: rpcAddr, conn: conn, log: log, metrics: m,
		Jobs:         jobstypes.NewQueryClient(conn),
		Disputes:     disputetypes.NewQueryClient(conn),
		Reputation:   reptypes.NewQueryClient(conn),
		SLA:          slatypes.NewQueryClient(conn),
		Auth:         authtypes.NewQueryClient(conn),
		Tx:           txtypes.NewServiceClient(conn),
		StallTimeout: 30 * time.Second,
	}, nil
}

// CommitmentKeyHash is the sha256 the chain registered for a version 3
// circuit's commitment key (bounded by a 10 s timeout).
func (c *Chain) CommitmentKeyHash(circuitID string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Disputes.Circuit(ctx, &disputetypes.QueryCircuitRequest{Id: circuitID})
	if err != nil {
		return nil, err
	}
	if len(r.Circuit.CommitmentKeyHash) == 0 {
		return nil, fmt.Errorf("circuit %q has no registered commitment key", circuitID)
	}
	return r.Circuit.CommitmentKeyHash, nil
}

// Close releases the gRPC connection.
func (c *Chain) Close() error { return c.conn.Close() }

// Block is one committed block as an agent sees it: every event of its
// transactions and of FinalizeBlock (begin/end block work: audits, expiries).
type Block struct {
	Height int64
	Time   time.Time
	Events []abci.Event
}

// Follower reacts to the chain.
type Follower interface {
	// CatchUp rebuilds the agent's work from gRPC queries: called on start,
	// after every reconnect and whenever a block was missed.
	CatchUp(ctx context.Context) error
	// OnBlock handles one new block's events.
	OnBlock(ctx context.Context, b Block) error
}

// Follow subscribes to new blocks over the CometBFT websocket and feeds f
// until ctx ends. A dropped connection, a stalled subscription or a gap in
// heights leads to a catch-up from gRPC, so nothing is lost. Reconnects
// back off from 500 ms to 5 s (a node's websocket costs nothing to retry,
// and a provider that stays away after its node restarts lets jobs
// expire), and start again from 500 ms once a subscription held.
func (c *Chain) Follow(ctx context.Context, f Follower) error {
	const minBackoff, maxBackoff = 500 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for ctx.Err() == nil {
		subscribed, err := c.followOnce(ctx, f)
		if ctx.Err() != nil {
			return nil
		}
		if subscribed {
			backoff = minBackoff
		}
		c.metrics.Errors.WithLabelValues("subscription").Inc()
		c.log.Warn("chain subscription ended; reconnecting", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
	return nil
}

const newBlockQuery = "tm.event='NewBlock'"

// followOnce follows one subscription until it ends; subscribed reports
// whether it got that far.
func (c *Chain) followOnce(ctx context.Context, f Follower) (subscribed bool, err error) {
	cli, err := rpchttp.New(c.rpcAddr, "/websocket")
	if err != nil {
		return false, err
	}
	if err := cli.Start(); err != nil {
		return false, fmt.Errorf("websocket %s: %w", c.rpcAddr, err)
	}
	defer func() { _ = cli.Stop() }()
	subCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ch, err := cli.Subscribe(subCtx, "verdict-agent", newBlockQuery, 64)
	cancel()
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	c.log.Info("following the chain", "rpc", c.rpcAddr)
	behind := !c.catchUp(ctx, f)
	var last int64
	stall := time.NewTimer(c.StallTimeout)
	defer stall.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-stall.C:
			return true, fmt.Errorf("no block for %s", c.StallTimeout)
		case ev := <-ch:
			stall.Reset(c.StallTimeout)
			data, ok := ev.Data.(cmttypes.EventDataNewBlock)
			if !ok || data.Block == nil {
				continue
			}
			h := data.Block.Height
			c.metrics.Height.Set(float64(h))
			if last != 0 && h > last+1 {
				c.log.Warn("missed blocks; catching up", "from", last+1, "to", h-1)
				behind = true
			}
			if behind {
				behind = !c.catchUp(ctx, f)
			}
			last = h
			b := Block{Height: h, Time: data.Block.Time, Events: data.ResultFinalizeBlock.Events}
			for _, tr := range data.ResultFinalizeBlock.TxResults {
				if tr != nil && tr.Code == 0 {
					b.Events = append(b.Events, tr.Events...)
				}
			}
			if err := f.OnBlock(ctx, b); err != nil {
				c.metrics.Errors.WithLabelValues("block").Inc()
				c.log.Error("handling block", "height", h, "err", err)
			}
		}
	}
}

// catchUp reports whether it succeeded; a failed one is retried at the
// next block.
func (c *Chain) catchUp(ctx context.Context, f Follower) bool {
	if err := f.CatchUp(ctx); err != nil {
		c.metrics.Errors.WithLabelValues("catch_up").Inc()
		c.log.Error("catch-up from gRPC failed; retried at the next block", "err", err)
		return false
	}
	return true
}

// NodeChainID asks the node which chain it runs.
func NodeChainID(ctx context.Context, rpcAddr string) (string, error) {
	c, err := rpchttp.New(rpcAddr, "/websocket")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("node %s: %w", rpcAddr, err)
	}
	return st.NodeInfo.Network, nil
}
