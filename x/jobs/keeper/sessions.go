package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/serving"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Serving sessions (types.Session, x/jobs/serving). A buyer opens a session
// with one provider and escrows the price of its most requests; requests
// and answers then go between them off-chain, each request with the
// buyer's voucher, each answer with the provider's receipt. The provider
// checkpoints with the latest voucher and the root of the receipts since
// the last checkpoint: the checkpoint becomes a job of those requests
// (Job.checkpoint), its escrow moved from the session's, RESULT_POSTED at
// once — from there it is a batch job like any other: its challenge
// window, audits and item disputes (x/dispute proves a receipt as a batch
// item), FINALIZED and paid, or FAILED and the buyer refunded. The session
// itself only holds the escrow no checkpoint has taken, which goes back to
// the buyer when the session closes.
//
// Consent: the provider's offer must cover the whole session as it would
// one job of max_requests x units_per_request units (class, circuit,
// price, size, capacity, bond), and it may decline the session at no cost
// until decline_until. The session holds the capacity it was checked
// against: its unclaimed requests' units count in the provider's open units
// (SessionReserved) until it closes, so sessions and jobs together never
// exceed the offer's max_open_units. Each checkpoint moves its units from
// the session to its job, which takes a slot like any job, so the
// provider's exit waits for them.

// GetSession loads a session or returns ErrSessionNotFound.
func (k *Keeper) GetSession(ctx context.Context, id uint64) (types.Session, error) {
	s, err := k.Sessions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return s, errorsmod.Wrapf(types.ErrSessionNotFound, "session %d", id)
	}
	return s, err
}

// sessionDue is the session's entry in SessionQueue: when it stops taking
// checkpoints while open, when it is pruned once closed.
func (k *Keeper) sessionDue(ctx context.Context, s types.Session) (time.Time, error) {
	if types.SessionIsOpen(s.Status) {
		return types.SessionEnd(s), nil
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return s.CloseAt.Add(p.Retention), nil
}

// currentSession loads a session with its times as they stand now: an open
// session's times move by the halts since they were set, as a job's do
// (halts.go), and its queue entry with them.
func (k *Keeper) currentSession(ctx context.Context, id uint64) (types.Session, error) {
	s, err := k.GetSession(ctx, id)
	if err != nil {
		return s, err
	}
	s, moved, err := k.rebaseSession(ctx, s)
	if err != nil || !moved {
		return s, err
	}
	return s, k.Sessions.Set(ctx, s.Id, s)
}

func (k *Keeper) rebaseSession(ctx context.Context, s types.Session) (types.Session, bool, error) {
	credit, err := k.Halt.Credit(ctx)
	if err != nil || !types.SessionIsOpen(s.Status) {
		return s, false, err
	}
	d := credit - s.HaltCredit
	if d <= 0 {
		return s, false, nil
	}
	old := types.SessionEnd(s)
	s.HaltCredit = credit
	for _, t := range []*time.Time{&s.OpenedAt, &s.ExpiresAt, &s.DeclineUntil, &s.CloseAt} {
		if !t.IsZero() {
			*t = t.Add(d)
		}
	}
	if err := k.SessionQueue.Remove(ctx, old, s.Id); err != nil {
		return s, true, err
	}
	return s, true, k.SessionQueue.Push(ctx, types.SessionEnd(s), s.Id)
}

// OpenSession opens a serving session for msg.Buyer, who pays its escrow.
func (k *Keeper) OpenSession(ctx context.Context, msg *types.MsgOpenSession) (types.Session, error) {
	buyerName, err := k.canonical("buyer", msg.Buyer)
	if err != nil {
		return types.Session{}, err
	}
	buyer, err := k.addr("buyer", buyerName)
	if err != nil {
		return types.Session{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.Session{}, err
	}
	if err := types.ValidateOpenSession(msg, params); err != nil {
		return types.Session{}, err
	}
	if err := k.checkCircuits(ctx, types.ErrInvalidSession, msg.CircuitId); err != nil {
		return types.Session{}, err
	}
	op, err := k.addr("provider", msg.Provider)
	if err != nil {
		return types.Session{}, err
	}
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return types.Session{}, err
	}
	if len(p.ServingKey) == 0 {
		return types.Session{}, errorsmod.Wrapf(types.ErrNotEligible, "provider %s has no serving key: it takes no sessions", p.Operator)
	}
	units, err := types.SessionUnits(msg.UnitsPerRequest, msg.MaxRequests)
	if err != nil {
		return types.Session{}, err
	}
	// the provider's consent: its offer covers the session as one job of
	// all its units, with the session's duration as its time limit, would
	// be covered
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	whole := types.Job{
		Buyer: buyerName, Class: msg.Class, CircuitId: msg.CircuitId, ModelCommitment: msg.ModelCommitment,
		Units: units, MaxPricePerUnit: msg.MaxPricePerUnit, SubmittedAt: now, Deadline: now.Add(msg.Duration),
		Sla: msg.Sla, // the offer must promise terms at least as tight
	}
	if err := k.checkEligible(ctx, p, whole, params); err != nil {
		return types.Session{}, err
	}
	price, ok := types.PriceFor(p, msg.Class)
	if !ok {
		return types.Session{}, errorsmod.Wrapf(types.ErrNotEligible, "provider %s has no price for %s", p.Operator, msg.Class)
	}
	ledger, err := k.ledger(ctx)
	if err != nil {
		return types.Session{}, err
	}
	if ledger.NextSessionId == 0 {
		ledger.NextSessionId = 1
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	credit, err := k.Halt.Credit(ctx)
	if err != nil {
		return types.Session{}, err
	}
	s := types.Session{
		Id: ledger.NextSessionId, Buyer: buyerName, Provider: p.Operator, Class: msg.Class,
		CircuitId: msg.CircuitId, ModelCommitment: msg.ModelCommitment, UnitsPerRequest: msg.UnitsPerRequest,
		PricePerUnit: price, MaxRequests: msg.MaxRequests, BuyerKey: msg.SessionKey, ProviderKey: p.ServingKey,
		Status: types.SessionStatus_SESSION_STATUS_OPEN, OpenedAt: now, ExpiresAt: now.Add(msg.Duration),
		DeclineUntil: now.Add(min(params.DeclineWindow, msg.Duration/2)), HaltCredit: credit,
		Refund: sdk.NewCoin(params.Denom, math.ZeroInt()), ChainId: sdkCtx.ChainID(), ModelUri: msg.ModelUri,
		Sla: msg.Sla,
	}
	if err := serving.CheckChainID(s.ChainId); err != nil {
		return s, errorsmod.Wrapf(types.ErrInvalidSession, "this chain's id: %v", err)
	}
	s.Escrow = types.RequestsPrice(s, s.MaxRequests)
	ledger.NextSessionId++
	if err := k.takeEscrow(ctx, &ledger, buyer, nil, s.Escrow); err != nil {
		return s, err
	}
	if err := k.Ledger.Set(ctx, ledger); err != nil {
		return s, err
	}
	if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
		return s, err
	}
	if err := k.SessionQueue.Push(ctx, s.ExpiresAt, s.Id); err != nil {
		return s, err
	}
	if err := k.addOpenSession(ctx, op, 1); err != nil { // its provider's exit waits for it
		return s, err
	}
	if err := k.addOpenUnits(ctx, op, s.Class, units); err != nil { // the capacity it was checked against
		return s, err
	}
	return s, sdkCtx.EventManager().EmitTypedEvent(&types.EventSessionOpened{
		SessionId: s.Id, Buyer: s.Buyer, Provider: s.Provider, MaxRequests: s.MaxRequests,
		PricePerRequest: types.RequestsPrice(s, 1), Escrow: s.Escrow, ExpiresAt: s.ExpiresAt, Sla: s.Sla,
	})
}

// Checkpoint turns the requests the buyer's voucher counts beyond the last
// checkpoint into a job of the session's provider, its result the root of
// their receipts, posted now.
func (k *Keeper) Checkpoint(ctx context.Context, msg *types.MsgCheckpoint) (types.Job, error) {
	if err := types.ValidateCheckpoint(msg); err != nil {
		return types.Job{}, err
	}
	s, err := k.currentSession(ctx, msg.SessionId)
	if err != nil {
		return types.Job{}, err
	}
	if signer, err := k.canonical("provider", msg.Provider); err != nil || signer != s.Provider {
		return types.Job{}, errorsmod.Wrapf(types.ErrUnauthorized, "only the provider of session %d may checkpoint it", s.Id)
	}
	if !types.SessionIsOpen(s.Status) {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidStatus, "session %d is %s", s.Id, s.Status)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	if end := types.SessionEnd(s); !now.Before(end) {
		return types.Job{}, errorsmod.Wrapf(types.ErrWindowClosed, "session %d took its last checkpoint at %s", s.Id, end)
	}
	if msg.Count <= s.Checkpointed {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidVoucher, "the voucher counts %d requests; %d are checkpointed already", msg.Count, s.Checkpointed)
	}
	if msg.Count > s.MaxRequests {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidVoucher, "the voucher counts %d requests; session %d pays for at most %d", msg.Count, s.Id, s.MaxRequests)
	}
	v := serving.Voucher{Session: s.Id, Count: msg.Count, Signature: msg.VoucherSignature}
	copy(v.Input[:], msg.LastInput)
	if err := serving.VerifyVoucher(s.BuyerKey, s.ChainId, v); err != nil {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidVoucher, "session %d: %v", s.Id, err)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.Job{}, err
	}
	n := msg.Count - s.Checkpointed
	if n > params.MaxItems {
		return types.Job{}, errorsmod.Wrapf(types.ErrInvalidSession, "a checkpoint of %d requests: the chain takes at most %d (max_items); checkpoint more often", n, params.MaxItems)
	}
	op, err := k.addr("provider", s.Provider)
	if err != nil {
		return types.Job{}, err
	}
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return types.Job{}, err
	}
	units, err := types.SessionUnits(s.UnitsPerRequest, n)
	if err != nil {
		return types.Job{}, err
	}
	amount := types.RequestsPrice(s, n)
	if amount.Amount.GT(s.Escrow.Amount) {
		return types.Job{}, errorsmod.Wrapf(types.ErrAccounting, "session %d: %s for %d requests exceeds its escrow %s", s.Id, amount, n, s.Escrow)
	}
	ledger, err := k.ledger(ctx)
	if err != nil {
		return types.Job{}, err
	}
	credit, err := k.Halt.Credit(ctx)
	if err != nil {
		return types.Job{}, err
	}
	j := types.Job{
		Id: ledger.NextJobId, Buyer: s.Buyer, Class: s.Class, ModelCommitment: s.ModelCommitment,
		InputCommitment: msg.ReceiptsRoot, InputUri: msg.ReceiptsUri, CircuitId: s.CircuitId, ModelUri: s.ModelUri,
		Units: units, Items: n, MaxPricePerUnit: s.PricePerUnit, Escrow: amount, Provider: s.Provider,
		PricePerUnit: s.PricePerUnit, Status: types.JobStatus_JOB_STATUS_RESULT_POSTED,
		SubmittedAt: now, Deadline: now, AssignedAt: now, AssignedVia: "session", HaltCredit: credit, Sla: s.Sla,
		Checkpoint: &types.SessionCheckpoint{SessionId: s.Id, First: s.Checkpointed + 1, ProviderKey: s.ProviderKey, ChainId: s.ChainId, BuyerKey: s.BuyerKey},
	}
	j.Result = &types.Result{
		OutputCommitment: msg.ReceiptsRoot, OutputUri: msg.ReceiptsUri, UnitsUsed: units,
		PostedAt: now, PostedHeight: sdkCtx.BlockHeight(), ProveTime: types.ResultProveTime(params, p, s.CircuitId),
	}
	window, err := k.challengeWindowFor(ctx, p, j, params.ChallengeWindow)
	if err != nil {
		return j, err
	}
	j.WindowEnd = now.Add(window)
	ledger.NextJobId++
	if err := k.Ledger.Set(ctx, ledger); err != nil { // the escrow total is unchanged: it moves from the session to the job
		return j, err
	}
	// the job takes a slot; its units move from the session's reservation
	// to it, so the provider's open units stay as they are — and must hold
	// them (a reservation missing from OpenUnits is an accounting fault,
	// refused here rather than at the job's settlement: review 27)
	u, err := k.OpenUnitsOf(ctx, op, j.Class)
	if err != nil {
		return j, err
	}
	if u < j.Units {
		return j, errorsmod.Wrapf(types.ErrAccounting, "provider %s holds %d open units of %s, the checkpoint moves %d from its session's reservation", op, u, j.Class, j.Units)
	}
	if err := k.countOpenJob(ctx, op); err != nil {
		return j, err
	}
	if err := k.writeJob(ctx, j, true); err != nil {
		return j, err
	}
	if err := k.WindowQueue.Push(ctx, j.WindowEnd, j.Id); err != nil {
		return j, err
	}
	s.Escrow = s.Escrow.Sub(amount)
	s.Checkpointed, s.LastCheckpoint = msg.Count, j.Id
	if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
		return j, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventCheckpointPosted{
		SessionId: s.Id, JobId: j.Id, First: j.Checkpoint.First, Count: msg.Count, ReceiptsRoot: msg.ReceiptsRoot, Amount: amount,
	}); err != nil {
		return j, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventResultPosted{
		JobId: j.Id, Provider: j.Provider, OutputCommitment: msg.ReceiptsRoot, UnitsUsed: units, WindowEnd: j.WindowEnd,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterResultPosted(ctx, j)
}

// CloseSession closes a session at the request of its buyer (after the
// notice period, during which the provider may still checkpoint) or of its
// provider (at once: it gives up what it has not checkpointed).
func (k *Keeper) CloseSession(ctx context.Context, signer string, id uint64) (types.Session, error) {
	signer, err := k.canonical("signer", signer)
	if err != nil {
		return types.Session{}, err
	}
	s, err := k.currentSession(ctx, id)
	if err != nil {
		return s, err
	}
	switch signer {
	case s.Provider:
		if !types.SessionIsOpen(s.Status) {
			return s, errorsmod.Wrapf(types.ErrInvalidStatus, "session %d is %s", s.Id, s.Status)
		}
		return k.closeSession(ctx, s, "closed by the provider")
	case s.Buyer:
		if s.Status != types.SessionStatus_SESSION_STATUS_OPEN {
			return s, errorsmod.Wrapf(types.ErrInvalidStatus, "session %d is %s; only an open session can be closed by its buyer", s.Id, s.Status)
		}
	default:
		return s, errorsmod.Wrapf(types.ErrUnauthorized, "only the buyer or the provider of session %d may close it", s.Id)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return s, err
	}
	old := types.SessionEnd(s)
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	s.Status = types.SessionStatus_SESSION_STATUS_CLOSING
	s.CloseAt = sdkCtx.BlockTime().Add(params.SessionNotice)
	if err := k.SessionQueue.Remove(ctx, old, s.Id); err != nil {
		return s, err
	}
	if err := k.SessionQueue.Push(ctx, types.SessionEnd(s), s.Id); err != nil {
		return s, err
	}
	if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
		return s, err
	}
	return s, sdkCtx.EventManager().EmitTypedEvent(&types.EventSessionClosing{SessionId: s.Id, CloseAt: types.SessionEnd(s)})
}

// DeclineSession: the provider refuses a session it has not served, before
// its decline_until; the buyer gets its escrow back in full.
func (k *Keeper) DeclineSession(ctx context.Context, provider string, id uint64) (types.Session, error) {
	provider, err := k.canonical("provider", provider)
	if err != nil {
		return types.Session{}, err
	}
	s, err := k.currentSession(ctx, id)
	if err != nil {
		return s, err
	}
	if s.Provider != provider {
		return s, errorsmod.Wrapf(types.ErrUnauthorized, "only the provider of session %d may decline it", s.Id)
	}
	if s.Status != types.SessionStatus_SESSION_STATUS_OPEN || s.Checkpointed > 0 {
		return s, errorsmod.Wrapf(types.ErrInvalidStatus, "session %d is %s with %d requests checkpointed; only an open session nothing was checkpointed in can be declined", s.Id, s.Status, s.Checkpointed)
	}
	if now := sdk.UnwrapSDKContext(ctx).BlockTime(); !now.Before(s.DeclineUntil) {
		return s, errorsmod.Wrapf(types.ErrWindowClosed, "the decline window of session %d ended at %s", s.Id, s.DeclineUntil)
	}
	return k.closeSession(ctx, s, "declined")
}

// closeSession closes an open session now: the escrow no checkpoint took
// goes back to the buyer, and the record is pruned after the retention.
func (k *Keeper) closeSession(ctx context.Context, s types.Session, reason string) (types.Session, error) {
	old := types.SessionEnd(s)
	buyer, err := k.addr("buyer", s.Buyer)
	if err != nil {
		return s, err
	}
	if err := k.refundSession(ctx, buyer, s.Escrow); err != nil {
		return s, err
	}
	op, err := k.addr("provider", s.Provider)
	if err != nil {
		return s, err
	}
	if err := k.addOpenSession(ctx, op, -1); err != nil {
		return s, err
	}
	reserved, err := types.SessionReserved(s)
	if err != nil {
		return s, err
	}
	if err := k.subOpenUnits(ctx, op, s.Class, reserved); err != nil { // the capacity it held, back
		return s, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	s.Refund = s.Escrow
	s.Escrow = sdk.NewCoin(s.Escrow.Denom, math.ZeroInt())
	s.Status = types.SessionStatus_SESSION_STATUS_CLOSED
	s.CloseAt = sdkCtx.BlockTime()
	if err := k.SessionQueue.Remove(ctx, old, s.Id); err != nil {
		return s, err
	}
	prune, err := k.sessionDue(ctx, s)
	if err != nil {
		return s, err
	}
	if err := k.SessionQueue.Push(ctx, prune, s.Id); err != nil {
		return s, err
	}
	if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
		return s, err
	}
	return s, sdkCtx.EventManager().EmitTypedEvent(&types.EventSessionClosed{
		SessionId: s.Id, Checkpointed: s.Checkpointed, Refund: s.Refund, Reason: reason,
	})
}

// addOpenSession counts a provider's open sessions up or down (absent is
// none): an unbonding provider's bond waits for them as for its open jobs.
func (k *Keeper) addOpenSession(ctx context.Context, op sdk.AccAddress, delta int) error {
	n, err := k.OpenSessions.Get(ctx, op)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	switch {
	case delta > 0:
		n++
	case n == 0:
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s has no open session to close", op)
	default:
		n--
	}
	if n == 0 {
		return k.OpenSessions.Remove(ctx, op)
	}
	return k.OpenSessions.Set(ctx, op, n)
}

// settleSession runs a session's queue entry: an open session past its end
// closes (expired, or its notice ended); a closed one is pruned.
func (k *Keeper) settleSession(ctx context.Context, _ time.Time, id uint64) error {
	s, err := k.Sessions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // already gone
	} else if err != nil {
		return err
	}
	if !types.SessionIsOpen(s.Status) {
		return k.Sessions.Remove(ctx, id)
	}
	s, moved, err := k.rebaseSession(ctx, s)
	if err != nil {
		return err
	}
	if moved {
		if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
			return err
		}
		if sdk.UnwrapSDKContext(ctx).BlockTime().Before(types.SessionEnd(s)) {
			return nil // a halt moved its end: the entry waits at the new time
		}
	}
	reason := "expired"
	if s.Status == types.SessionStatus_SESSION_STATUS_CLOSING {
		reason = "notice ended"
	}
	_, err = k.closeSession(ctx, s, reason)
	return err
}
