package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosmos/cosmos-sdk/client"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// ErrTxFailed: the transaction was included in a block but its messages
// failed; nothing changed but the fee.
var ErrTxFailed = errors.New("transaction failed in the block")

// Signer signs and broadcasts an agent's transactions with the SDK's
// client machinery: a keyring key, the account's number and sequence
// tracked locally (re-read from the chain after any mismatch), gas from a
// simulation times a margin, fees at a gas price. Sends are serialised, so
// sequences never collide within the agent.
type Signer struct {
	chain   *Chain
	kr      keyring.Keyring
	txCfg   client.TxConfig
	keyName string
	chainID string
	prices  string
	adjust  float64
	timeout time.Duration
	log     *slog.Logger
	metrics *Metrics
	Address sdk.AccAddress
	mu      sync.Mutex
	synced  bool
	// hasAccount: the account number was read once (a mismatch error then
	// gives the sequence without another query)
	hasAccount bool
	accNum     uint64
	sequence   uint64
}

// NewSigner finds the key and its address. The key is unlocked once, at
// start, into an in-memory keyring: file-backed keyrings otherwise derive
// the decryption key (PBKDF2) at every signature, half of an agent's CPU.
func NewSigner(c *Chain, kr keyring.Keyring, cdc codec.Codec, txCfg client.TxConfig, keyName, chainID, gasPrices string, gasAdjust float64, timeout time.Duration, log *slog.Logger, m *Metrics) (*Signer, error) {
	if _, err := kr.Key(keyName); err != nil {
		return nil, fmt.Errorf("key %q: %w", keyName, err)
	}
	pass := make([]byte, 16)
	if _, err := rand.Read(pass); err != nil {
		return nil, err
	}
	armor, err := kr.ExportPrivKeyArmor(keyName, hex.EncodeToString(pass))
	if err != nil {
		return nil, fmt.Errorf("unlock key %q: %w", keyName, err)
	}
	mem := keyring.NewInMemory(cdc)
	if err := mem.ImportPrivKey(keyName, armor, hex.EncodeToString(pass)); err != nil {
		return nil, fmt.Errorf("unlock key %q: %w", keyName, err)
	}
	kr = mem
	rec, err := kr.Key(keyName)
	if err != nil {
		return nil, err
	}
	addr, err := rec.GetAddress()
	if err != nil {
		return nil, err
	}
	if gasAdjust < 1 {
		return nil, fmt.Errorf("gas adjustment %v: must be at least 1", gasAdjust)
	}
	return &Signer{
		chain: c, kr: kr, txCfg: txCfg, keyName: keyName, chainID: chainID, prices: gasPrices,
		adjust: gasAdjust, timeout: timeout, log: log, metrics: m, Address: addr,
	}, nil
}

func (s *Signer) sync(ctx context.Context) error {
	res, err := s.chain.Auth.AccountInfo(ctx, &authtypes.QueryAccountInfoRequest{Address: s.Address.String()})
	if err != nil {
		return fmt.Errorf("account %s: %w", s.Address, err)
	}
	s.accNum, s.sequence, s.synced, s.hasAccount = res.Info.AccountNumber, res.Info.Sequence, true, true
	return nil
}

func isSequenceMismatch(msg string) bool {
	return strings.Contains(msg, "account sequence mismatch") || strings.Contains(msg, "incorrect account sequence")
}

var expectedSeq = regexp.MustCompile(`account sequence mismatch, expected (\d+), got \d+`)

// expectedSequence reads the sequence the node expects from its mismatch
// error. The node checks against its check state, which counts the
// account's transactions still in the mempool; the account query reads the
// last committed state and lags by exactly those. Under a pipelined load a
// signer that re-read the committed sequence would sign with a used one
// again and again.
func expectedSequence(msg string) (uint64, bool) {
	m := expectedSeq.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	return n, err == nil
}

// resequence takes the node's expected sequence from a mismatch error, or
// marks the signer for a re-read of the account.
func (s *Signer) resequence(msg string) {
	if n, ok := expectedSequence(msg); ok && s.hasAccount {
		s.sequence, s.synced = n, true
		return
	}
	s.synced = false
}

// Send simulates, signs, broadcasts and waits (bounded by the signer's
// timeout) until the transaction is in a block. A message the chain would
// refuse fails in simulation and costs nothing. On a sequence mismatch the
// account is re-read and the send retried (at most three times).
func (s *Signer) Send(ctx context.Context, what string, msgs ...sdk.Msg) (*sdk.TxResponse, error) {
	hash, err := s.Broadcast(ctx, what, nil, msgs...)
	if err != nil {
		return nil, err
	}
	return s.Await(ctx, what, hash)
}

// Broadcast signs and broadcasts; it returns once the node's CheckTx
// accepted the transaction, so an agent can pipeline many (sequences are
// tracked locally). before, if set, is called with the transaction's hash
// before it leaves the agent: record the intent there, and a restart finds
// the transaction instead of sending the same message again.
func (s *Signer) Broadcast(ctx context.Context, what string, before func(hash string) error, msgs ...sdk.Msg) (string, error) {
	hash, err := s.broadcast(ctx, what, before, msgs...)
	if err != nil {
		s.metrics.Txs.WithLabelValues(what, "refused").Inc()
	}
	return hash, err
}

// Await waits (bounded by the signer's timeout) for a broadcast
// transaction to be in a block.
func (s *Signer) Await(ctx context.Context, what, hash string) (*sdk.TxResponse, error) {
	res, err := s.wait(ctx, hash)
	switch {
	case err == nil:
		s.metrics.Txs.WithLabelValues(what, "ok").Inc()
	case errors.Is(err, ErrTxFailed):
		s.metrics.Txs.WithLabelValues(what, "failed").Inc()
	default:
		s.metrics.Txs.WithLabelValues(what, "unknown").Inc()
	}
	return res, err
}

func (s *Signer) broadcast(ctx context.Context, what string, before func(string) error, msgs ...sdk.Msg) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		if !s.synced {
			if err := s.sync(ctx); err != nil {
				return "", err
			}
		}
		txf := clienttx.Factory{}.
			WithTxConfig(s.txCfg).WithKeybase(s.kr).WithFromName(s.keyName).WithChainID(s.chainID).
			WithAccountNumber(s.accNum).WithSequence(s.sequence).
			WithSignMode(signing.SignMode_SIGN_MODE_DIRECT).WithGasPrices(s.prices)
		simBytes, err := txf.BuildSimTx(msgs...)
		if err != nil {
			return "", err
		}
		sim, err := s.chain.Tx.Simulate(ctx, &txtypes.SimulateRequest{TxBytes: simBytes})
		if err != nil {
			if isSequenceMismatch(err.Error()) {
				s.resequence(err.Error())
				last = err
				continue
			}
			return "", fmt.Errorf("%s: simulation: %w", what, err)
		}
		gas := uint64(float64(sim.GasInfo.GasUsed) * s.adjust)
		txf = txf.WithGas(gas)
		b, err := txf.BuildUnsignedTx(msgs...)
		if err != nil {
			return "", err
		}
		if err := clienttx.Sign(ctx, txf, s.keyName, b, true); err != nil {
			return "", err
		}
		bz, err := s.txCfg.TxEncoder()(b.GetTx())
		if err != nil {
			return "", err
		}
		hash := strings.ToUpper(hex.EncodeToString(tmhash(bz)))
		if before != nil {
			if err := before(hash); err != nil {
				return "", err
			}
		}
		res, err := s.chain.Tx.BroadcastTx(ctx, &txtypes.BroadcastTxRequest{TxBytes: bz, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
		if err != nil {
			s.synced = false // unknown whether the node took it
			return "", fmt.Errorf("%s: broadcast: %w", what, err)
		}
		r := res.TxResponse
		if r.Code == sdkerrors.ErrWrongSequence.ABCICode() && r.Codespace == sdkerrors.RootCodespace {
			s.resequence(r.RawLog)
			last = errors.New(r.RawLog)
			continue
		}
		if r.Code != 0 {
			return "", fmt.Errorf("%s: refused by CheckTx (code %d): %s", what, r.Code, r.RawLog)
		}
		s.sequence++
		s.log.Debug("broadcast", "what", what, "tx", r.TxHash, "gas", gas)
		return r.TxHash, nil
	}
	return "", fmt.Errorf("%s: sequence mismatch after retries: %w", what, last)
}

// wait polls for the transaction until it is in a block or the timeout.
func (s *Signer) wait(ctx context.Context, hash string) (*sdk.TxResponse, error) {
	deadline := time.Now().Add(s.timeout)
	for {
		res, err := s.chain.Tx.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
		if err == nil && res.TxResponse != nil {
			if res.TxResponse.Code != 0 {
				return res.TxResponse, fmt.Errorf("%w: tx %s code %d: %s", ErrTxFailed, hash, res.TxResponse.Code, res.TxResponse.RawLog)
			}
			return res.TxResponse, nil
		}
		if time.Now().After(deadline) {
			s.mu.Lock()
			s.synced = false // the tx may still be pending; re-read the sequence
			s.mu.Unlock()
			return nil, fmt.Errorf("tx %s not in a block after %s", hash, s.timeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// tmhash is CometBFT's transaction hash: sha256 of the encoded bytes.
func tmhash(bz []byte) []byte {
	h := sha256.Sum256(bz)
	return h[:]
}
