package agent

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// An SLA probe is `POST /infer?job=<id>` with the job's input as body,
// signed by the prober's account key:
//
//	X-Verdict-Prober:    bech32 address
//	X-Verdict-Pubkey:    base64 compressed secp256k1 key of that address
//	X-Verdict-Time:      unix seconds when signed
//	X-Verdict-Signature: base64 secp256k1 signature of
//	                     sha256("verdict-probe/v1" | job id | prober | time | sha256(body))
//
// The provider answers only for a job of its own that is running now and
// has SLA terms, only to that job's buyer or a registered SLA monitor, and
// only within probeSkew of its own clock: /infer is not an open oracle of
// the buyers' models.
//
// A serving session with SLA terms is probed the same way at
// `POST /v1/sessions/<id>/probe`, by registered monitors only (its buyer
// has its paid requests: a probe of its own would be free inference), with
// any input of the session model's size, signed under the domain
// "verdict-session-probe/v1" and the session id (a job's probe is never a
// session's). A probe is answered with the model's output and no receipt:
// it is not one of the session's requests and nobody pays for it.
const (
	probeDomain        = "verdict-probe/v1"
	sessionProbeDomain = "verdict-session-probe/v1"
	hdrProber          = "X-Verdict-Prober"
	hdrProbeTime       = "X-Verdict-Time"
	hdrProbeSig        = "X-Verdict-Signature"
	hdrProbeKey        = "X-Verdict-Pubkey"
	probeSkew          = 2 * time.Minute
	monitorsTTL        = time.Minute
	monitorsRetry      = 5 * time.Second
)

// ErrProbeRefused: a probe the provider does not answer.
var ErrProbeRefused = errors.New("probe refused")

func probeDigest(domain string, id uint64, prober string, unix int64, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(domain))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	h.Write(b[:])
	h.Write([]byte(prober))
	binary.BigEndian.PutUint64(b[:], uint64(unix))
	h.Write(b[:])
	sum := sha256.Sum256(body)
	h.Write(sum[:])
	return h.Sum(nil)
}

// SignProbe sets the headers of a probe of job jobID with this body.
func (s *Signer) SignProbe(req *http.Request, jobID uint64, body []byte, now time.Time) error {
	return s.signProbe(req, probeDomain, jobID, body, now)
}

// SignSessionProbe sets the headers of a probe of serving session id.
func (s *Signer) SignSessionProbe(req *http.Request, id uint64, body []byte, now time.Time) error {
	return s.signProbe(req, sessionProbeDomain, id, body, now)
}

func (s *Signer) signProbe(req *http.Request, domain string, id uint64, body []byte, now time.Time) error {
	unix := now.Unix()
	sig, pk, err := s.kr.Sign(s.keyName, probeDigest(domain, id, s.Address.String(), unix, body), signing.SignMode_SIGN_MODE_DIRECT)
	if err != nil {
		return err
	}
	req.Header.Set(hdrProbeKey, base64.StdEncoding.EncodeToString(pk.Bytes()))
	req.Header.Set(hdrProber, s.Address.String())
	req.Header.Set(hdrProbeTime, strconv.FormatInt(unix, 10))
	req.Header.Set(hdrProbeSig, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// probeAuth checks probes against the registered SLA monitors (re-read
// from the chain at most once a minute) and the job's buyer.
type probeAuth struct {
	chain    *Chain
	mu       sync.Mutex
	monitors []string
	readAt   time.Time // last successful read
	triedAt  time.Time // last query, failed or not
}

func newProbeAuth(c *Chain) *probeAuth { return &probeAuth{chain: c} }

// allowed is the check of a probe's headers alone: the prober is the
// job's buyer or a registered monitor.
func (a *probeAuth) allowed(ctx context.Context, r *http.Request, buyer string) error {
	prober := r.Header.Get(hdrProber)
	if prober == buyer && buyer != "" {
		return nil
	}
	if _, err := sdk.AccAddressFromBech32(prober); err != nil {
		return fmt.Errorf("%w: %s header: not an address", ErrProbeRefused, hdrProber)
	}
	ok, err := a.isMonitor(ctx, prober)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s is neither the job's buyer nor a registered SLA monitor", ErrProbeRefused, prober)
	}
	return nil
}

// check verifies a probe (under domain) of the job or session id whose
// buyer is buyer.
func (a *probeAuth) check(ctx context.Context, r *http.Request, domain string, id uint64, buyer string, body []byte, now time.Time) (string, error) {
	prober := r.Header.Get(hdrProber)
	if _, err := sdk.AccAddressFromBech32(prober); err != nil {
		return "", fmt.Errorf("%w: %s header: not an address", ErrProbeRefused, hdrProber)
	}
	unix, err := strconv.ParseInt(r.Header.Get(hdrProbeTime), 10, 64)
	if err != nil {
		return prober, fmt.Errorf("%w: %s header: not unix seconds", ErrProbeRefused, hdrProbeTime)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > probeSkew || d < -probeSkew {
		return prober, fmt.Errorf("%w: signed %s from now (at most %s)", ErrProbeRefused, d.Round(time.Second), probeSkew)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(hdrProbeSig))
	if err != nil || len(sig) == 0 {
		return prober, fmt.Errorf("%w: %s header: not base64", ErrProbeRefused, hdrProbeSig)
	}
	if prober != buyer {
		ok, err := a.isMonitor(ctx, prober)
		if err != nil {
			return prober, err
		}
		if !ok {
			return prober, fmt.Errorf("%w: %s is neither the job's buyer nor a registered SLA monitor", ErrProbeRefused, prober)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(r.Header.Get(hdrProbeKey))
	if err != nil || len(raw) != secp256k1.PubKeySize {
		return prober, fmt.Errorf("%w: %s header: not a compressed secp256k1 key", ErrProbeRefused, hdrProbeKey)
	}
	pk := &secp256k1.PubKey{Key: raw}
	if !sdk.AccAddress(pk.Address()).Equals(sdk.MustAccAddressFromBech32(prober)) {
		return prober, fmt.Errorf("%w: the key is not %s's", ErrProbeRefused, prober)
	}
	if !pk.VerifySignature(probeDigest(domain, id, prober, unix, body), sig) {
		return prober, fmt.Errorf("%w: bad signature", ErrProbeRefused)
	}
	return prober, nil
}

// isMonitor reads the registered monitors at most once a minute, or once
// every few seconds when a prober is not among them (a monitor registered
// a moment ago); when the chain cannot be asked, the list last read holds.
func (a *probeAuth) isMonitor(ctx context.Context, addr string) (bool, error) {
	// one query at a time: concurrent misses wait for it and read its answer
	a.mu.Lock()
	defer a.mu.Unlock()
	age, tried := time.Since(a.readAt), time.Since(a.triedAt)
	known := slices.Contains(a.monitors, addr)
	if (age < monitorsTTL && (known || age < monitorsRetry)) || tried < monitorsRetry {
		if a.monitors == nil && a.readAt.IsZero() {
			return false, errors.New("SLA monitors: not read yet")
		}
		return known, nil
	}
	a.triedAt = time.Now()
	res, err := a.chain.SLA.Monitors(ctx, &slatypes.QueryMonitorsRequest{})
	if err != nil {
		if !a.readAt.IsZero() {
			return known, nil // the list last read holds
		}
		return false, fmt.Errorf("SLA monitors: %w", err)
	}
	a.monitors, a.readAt = res.Monitors, time.Now()
	return slices.Contains(res.Monitors, addr), nil
}
