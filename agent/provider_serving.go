package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cosmos/cosmos-sdk/types/query"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// The provider's serving sessions on the chain's side: which sessions it
// answers (its own, open, under its serving key, of a model it fetched and
// checked), their checkpoints, and the proofs of their receipts when one
// is disputed or audited. Server (serving.go) answers the requests.

// LoadKeyFile reads the ed25519 key at path (its 32-byte seed, hex: a
// provider's serving key, a buyer's session key), creating it (mode 0600)
// if absent.
func LoadKeyFile(path string) (ed25519.PrivateKey, error) {
	bz, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		_, key, gerr := ed25519.GenerateKey(nil)
		if gerr != nil {
			return nil, gerr
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		return key, os.WriteFile(path, []byte(hex.EncodeToString(key.Seed())+"\n"), 0o600)
	}
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(bz)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("serving key %s: want %d hex bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// startServing answers sessions with key (NewProvider, when a key is set).
func (p *Provider) startServing(key ed25519.PrivateKey) error {
	var err error
	if p.serve, err = NewServer(key, p.Store, p.Metrics); err != nil {
		return err
	}
	p.serve.Delay = p.cfg.Delay
	p.serve.Lookup = p.lookupSession
	if n := p.cfg.ServeWrongAt; n > 0 {
		p.serve.Tamper = func(_, seq uint64, out []int8) []int8 {
			if seq != n {
				return out
			}
			wrong := append([]int8(nil), out...)
			wrong[0]++
			return wrong
		}
	}
	if n := p.cfg.ServeEquivocateAt; n > 0 {
		p.serve.Equivocate = func(_, seq uint64) bool { return seq == n }
	}
	p.serve.Routes(p.Mux)
	p.Mux.HandleFunc("POST "+sessionsPath+"{id}/probe", p.serveSessionProbe)
	return nil
}

// lookupSession reads session id from the chain and fetches its model: a
// session of this provider, open, opened under this agent's serving key.
func (p *Provider) lookupSession(ctx context.Context, id uint64) (*ServedSession, error) {
	res, err := p.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: id})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownSess, err)
	}
	s := res.Session
	if s.Provider != p.Me {
		return nil, fmt.Errorf("%w: session %d is another provider's", ErrUnknownSess, id)
	}
	if !jobstypes.SessionIsOpen(s.Status) {
		return nil, fmt.Errorf("%w: session %d is %s", ErrSessionOver, id, s.Status)
	}
	if !bytes.Equal(s.ProviderKey, p.serve.PublicKey()) {
		return nil, fmt.Errorf("%w: session %d was opened under serving key %x, this agent signs with %x", ErrSessionOver, id, s.ProviderKey, []byte(p.serve.PublicKey()))
	}
	sc := SchemeOf(jobstypes.Job{CircuitId: s.CircuitId})
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := p.Fetch.Model(fctx, sc, s.ModelUri, s.ModelCommitment)
	if err != nil {
		return nil, fmt.Errorf("%w: session %d: %v", ErrSessionOver, id, err)
	}
	if got := m.CircuitID(sc); got != s.CircuitId {
		return nil, fmt.Errorf("%w: session %d names circuit %s, its model is %s", ErrSessionOver, id, s.CircuitId, got)
	}
	return &ServedSession{Session: s, Model: m, Until: jobstypes.SessionEnd(s).Add(-p.cfg.SessionMargin)}, nil
}

// loadSession starts answering a session opened with this provider (or
// updates its end after the buyer's close); one it cannot serve is
// declined while it may be, at no cost to either side.
func (p *Provider) loadSession(ctx context.Context, id uint64) error {
	ss, err := p.lookupSession(ctx, id)
	if err == nil {
		_, err = p.serve.Add(ss)
		if err == nil {
			p.Log.Info("serving session", "session", id, "buyer", ss.Session.Buyer, "max_requests", ss.Session.MaxRequests, "until", ss.Until.Format(time.RFC3339))
		}
		return err
	}
	res, qerr := p.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: id})
	if qerr != nil || res.Session.Provider != p.Me || res.Session.Status != jobstypes.SessionStatus_SESSION_STATUS_OPEN ||
		res.Session.Checkpointed > 0 || !time.Now().Before(res.Session.DeclineUntil) {
		return err
	}
	p.Log.Warn("declining a session this agent cannot serve", "session", id, "err", err)
	if _, derr := p.Signer.Send(ctx, "decline_session", &jobstypes.MsgDeclineSession{Provider: p.Me, SessionId: id}); derr != nil {
		return errors.Join(err, derr)
	}
	return nil
}

// catchUpSessions starts answering every open session of this provider.
func (p *Provider) catchUpSessions(ctx context.Context) error {
	var key []byte
	for page := 0; page < 1000; page++ {
		res, err := p.Chain.Jobs.Sessions(ctx, &jobstypes.QuerySessionsRequest{Provider: p.Me, Pagination: &query.PageRequest{Key: key, Limit: 200}})
		if err != nil {
			return err
		}
		for _, s := range res.Sessions {
			if jobstypes.SessionIsOpen(s.Status) {
				p.sessionQ.push(s.Id)
			}
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return nil
		}
		key = res.Pagination.NextKey
	}
	return errors.New("session listing longer than 200,000 entries")
}

// onSessionEvent follows the sessions of this provider.
func (p *Provider) onSessionEvent(ev any) {
	if p.serve == nil {
		return
	}
	switch e := ev.(type) {
	case *jobstypes.EventSessionOpened:
		if e.Provider == p.Me {
			p.sessionQ.push(e.SessionId)
		}
	case *jobstypes.EventSessionClosing:
		for _, id := range p.serve.Sessions() {
			if id == e.SessionId {
				p.sessionQ.push(id) // its end moved earlier
			}
		}
	case *jobstypes.EventSessionClosed:
		p.serve.End(e.SessionId)
	}
}

// checkpointSessions posts the checkpoints that are due, one transaction
// per session.
func (p *Provider) checkpointSessions(ctx context.Context) {
	if p.serve == nil {
		return
	}
	ids := p.serve.Sessions()
	if len(ids) == 0 {
		return
	}
	maxItems := p.maxItems(ctx)
	for _, id := range ids {
		first, count, ok := p.serve.Due(id, time.Now(), p.cfg.CheckpointEvery, p.cfg.CheckpointInterval, maxItems)
		if !ok {
			continue
		}
		done := first - 1
		msg, err := p.serve.CheckpointMsg(p.Me, id, first, count, ReceiptsURI(p.cfg.PublicURL, id, first, count))
		if err == nil {
			var res *jobstypes.QuerySessionResponse
			if res, err = p.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: id}); err == nil && res.Session.Checkpointed >= count {
				done = res.Session.Checkpointed // a checkpoint sent before a restart landed
			} else if err == nil {
				_, err = p.Signer.Send(ctx, "checkpoint", msg)
				if err == nil {
					done = count
				}
			}
		}
		p.serve.Checkpointed(id, done)
		if err != nil {
			p.Metrics.Checkpoints.WithLabelValues("failed").Inc()
			p.Log.Warn("checkpoint failed; the session is read again", "session", id, "requests", fmt.Sprintf("%d..%d", first, count), "err", err)
			p.sessionQ.push(id)
			continue
		}
		p.Metrics.Checkpoints.WithLabelValues("posted").Inc()
		p.Log.Info("checkpoint posted", "session", id, "requests", fmt.Sprintf("%d..%d", first, count))
	}
	now := time.Now()
	for _, id := range ids {
		switch {
		case p.serve.Suspect(id) && p.serve.Waiting(id) == 0:
			p.closeServed(ctx, id, "closing a session whose answers a machine crash may have lost (what was kept is checkpointed)")
		case p.serve.StopIdle(id, now, p.cfg.SessionIdle):
			p.closeServed(ctx, id, "closing an idle session: the capacity it holds goes back to the market")
		}
	}
}

// closeServed closes a session this provider stopped answering, once what
// it answered is checkpointed: one that may have lost answers in a machine
// crash (answering it on could mean answering a request twice), or one
// idle for --session-idle (an open session holds the provider's capacity
// until it closes; the buyer, refunded what it did not use, may open
// another). Until the close lands it is tried again every second.
func (p *Provider) closeServed(ctx context.Context, id uint64, why string) {
	p.Log.Warn(why, "session", id)
	if _, err := p.Signer.Send(ctx, "close_session", &jobstypes.MsgCloseSession{Signer: p.Me, SessionId: id}); err != nil {
		res, qerr := p.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: id})
		if qerr != nil || jobstypes.SessionIsOpen(res.Session.Status) {
			p.Log.Warn("closing the session failed; trying again", "session", id, "err", err)
			p.serve.Retry(id)
			return
		}
	}
	p.serve.End(id)
	if err := p.serve.Forget(id); err != nil {
		p.Log.Warn("forgetting the suspect mark", "session", id, "err", err)
	}
}

// maxItems is x/jobs' max_items (the most requests one checkpoint takes).
func (p *Provider) maxItems(ctx context.Context) uint64 {
	res, err := p.Chain.Jobs.Params(ctx, &jobstypes.QueryParamsRequest{})
	if err != nil || res.Params.MaxItems == 0 {
		return 1000
	}
	return res.Params.MaxItems
}

// proveReceipt answers a dispute of one request of a checkpoint: the
// receipt kept for it and its path in the checkpoint's tree, and the proof
// of that inference. Nothing is sent when the kept receipts are not the
// checkpoint's, the dispute is about another receipt than the one kept, or
// the kept answer is not the model's: no proof could verify.
func (p *Provider) proveReceipt(ctx context.Context, j jobstypes.Job, d disputetypes.Dispute) error {
	if p.serve == nil {
		return fmt.Errorf("dispute of checkpoint job %d: this agent serves no sessions (no serving key)", j.Id)
	}
	cp := j.Checkpoint
	seq := cp.First + d.Item
	leaves, kept, err := p.serve.Leaves(cp.SessionId, cp.First, cp.First+j.Items-1)
	if err != nil {
		return fmt.Errorf("dispute of checkpoint job %d request %d: %w", j.Id, seq, err)
	}
	root, err := batch.Root(batch.KindReceipt, leaves)
	if err != nil || j.Result == nil || !bytes.Equal(root[:], j.Result.OutputCommitment) {
		p.Metrics.Proofs.WithLabelValues("cannot").Inc()
		p.Log.Warn("the kept receipts are not the checkpoint's: no proof can verify; not submitting", "job", j.Id, "request", seq)
		return nil
	}
	k := kept[d.Item]
	if d.Receipt != nil && !bytes.Equal(d.Receipt, k.Receipt.Body()) {
		p.Metrics.Proofs.WithLabelValues("cannot").Inc()
		p.Log.Error("the dispute carries a receipt of this request that is not the one kept: nothing to prove", "job", j.Id, "request", seq)
		return nil
	}
	path, err := batch.Path(leaves, d.Item)
	if err != nil {
		return err
	}
	res, err := p.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: cp.SessionId})
	var m *zkml.Model
	sc := SchemeOf(j)
	if err == nil {
		m, err = p.Fetch.Model(ctx, sc, res.Session.ModelUri, j.ModelCommitment)
	} else {
		m, err = p.Fetch.Model(ctx, sc, j.ModelUri, j.ModelCommitment) // the session is pruned; its job names the model
	}
	if err != nil {
		return fmt.Errorf("dispute of checkpoint job %d: the model: %w", j.Id, err)
	}
	p.Log.Info("dispute: proving a served request", "job", j.Id, "session", cp.SessionId, "request", seq, "left", time.Until(d.ProofDeadline).Round(time.Millisecond))
	return p.proveAndSubmit(ctx, j, d, sc, m, k.Input, k.Output, &disputetypes.MsgSubmitProof{
		Submitter: p.Me, JobId: j.Id, Claim: disputetypes.Claim_CLAIM_PROVIDER,
		Receipt: k.Receipt.Body(), InputPath: batch.PathBytes(path), ItemInput: zkml.Raw(k.Input), ItemOutput: zkml.Raw(k.Output),
	})
}

// serveSessionProbe answers an SLA probe of a serving session (see
// probe.go): from a registered monitor, signed for this session, one at a
// time per prober, with the model's output and no receipt. The answer takes what a request's does (--delay included), so
// what the monitor measures is what the buyer gets.
func (p *Provider) serveSessionProbe(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "session id expected", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	_, m, err := p.serve.Probed(ctx, id)
	switch {
	case errors.Is(err, ErrSessionOver):
		http.Error(w, err.Error(), http.StatusGone)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	// registered monitors only: a session's buyer has its paid requests,
	// and a probe of its own would be free inference
	p.answerProbe(w, r, sessionProbeDomain, id, "", m)
}
