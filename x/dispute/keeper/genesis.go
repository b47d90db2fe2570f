package keeper

import (
	"context"
	"crypto/sha256"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// InitGenesis loads the state. Every verifying key is parsed and validated
// as at registration; the deadline queue and the bond total are rebuilt from
// the open disputes.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, c := range gs.Circuits {
		if err := checkCircuitText(c.Id, c.Name, c.Description); err != nil {
			return err
		}
		// A key registered under an earlier, larger max_vk_bytes stays
		// valid (as at run time): only the absolute cap applies here.
		vk, err := types.ParseVK(c.VerifyingKey, types.AbsMaxVKBytes)
		if err != nil {
			return errorsmod.Wrapf(err, "genesis circuit %q", c.Id)
		}
		c.PublicInputs = append([]string{}, types.PublicInputNames...)
		if err := k.Circuits.Set(ctx, c.Id, c); err != nil {
			return err
		}
		k.vks.put(sha256.Sum256(c.VerifyingKey), vk)
	}
	// x/jobs' genesis runs first: every DISPUTED job must have exactly one
	// open dispute here, or it would never settle.
	disputed, err := k.jobs.JobIDsByStatus(ctx, jobstypes.JobStatus_JOB_STATUS_DISPUTED)
	if err != nil {
		return err
	}
	open := map[uint64]bool{}
	for _, d := range gs.Disputes {
		if err := k.Disputes.Set(ctx, d.JobId, d); err != nil {
			return err
		}
		if d.Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			if d.Resolution != nil {
				if err := k.PruneQueue.Push(ctx, d.Resolution.ResolvedAt.Add(gs.Params.Retention), d.JobId); err != nil {
					return err
				}
			}
			continue
		}
		open[d.JobId] = true
		// an open dispute names an item its job has (none for a single
		// input): a proof of any other could never answer it
		j, err := k.jobs.GetJob(ctx, d.JobId)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "open dispute for job %d: %v", d.JobId, err)
		}
		if d.Item >= jobstypes.Items(j) {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "open dispute for job %d names item %d of %d", d.JobId, d.Item, jobstypes.Items(j))
		}
		// a batch's dispute opens with window time left (MarkDisputed) and
		// gives it back when an item is proven right: with none recorded, a
		// proof of one honest item would finalize the batch at once, shutting
		// out every challenge of its other items
		if jobstypes.IsBatch(j) && d.WindowLeft <= 0 {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "open dispute for batch job %d has no window_left (%s) to resume", d.JobId, d.WindowLeft)
		}
		if err := k.DeadlineQueue.Push(ctx, d.ProofDeadline, d.JobId); err != nil {
			return err
		}
		if d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
			if err := k.addBonds(ctx, d.Bond.Amount); err != nil {
				return err
			}
		}
	}
	for _, id := range disputed {
		if !open[id] {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "job %d is DISPUTED in x/jobs but has no open dispute", id)
		}
		delete(open, id)
	}
	for _, d := range gs.Disputes { // in document order: a deterministic error
		if open[d.JobId] {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "open dispute for job %d, which x/jobs does not hold as DISPUTED", d.JobId)
		}
		if err := k.checkGenesisReceipt(ctx, d); err != nil {
			return err
		}
	}
	// Validate checked each backlog's open work against the open disputes
	for _, b := range gs.ProvingBacklogs {
		op, err := k.addressCodec.StringToBytes(b.Provider)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "proving backlog of %q: %v", b.Provider, err)
		}
		b.Provider = ""
		if err := k.ProvingBacklog.Set(ctx, op, b); err != nil {
			return err
		}
	}
	// Validate checked each deferred audit waits on an open dispute; only a
	// batch job's lottery is ever postponed (a single job's proof never
	// reads the set: an entry there would outlive its dispute)
	for _, id := range gs.DeferredAudits {
		j, err := k.jobs.GetJob(ctx, id)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "deferred audit of job %d: %v", id, err)
		}
		if !jobstypes.IsBatch(j) {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "deferred audit of job %d, which is not a batch job", id)
		}
		if err := k.DeferredAudits.Set(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes the state out.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Circuits.Walk(ctx, nil, func(_ string, c types.Circuit) (bool, error) {
		gs.Circuits = append(gs.Circuits, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Disputes.Walk(ctx, nil, func(_ uint64, d types.Dispute) (bool, error) {
		gs.Disputes = append(gs.Disputes, d)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.ProvingBacklog.Walk(ctx, nil, func(op sdk.AccAddress, b types.ProvingBacklog) (bool, error) {
		s, err := k.addressCodec.BytesToString(op)
		if err != nil {
			return true, err
		}
		b.Provider = s
		gs.ProvingBacklogs = append(gs.ProvingBacklogs, b)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.DeferredAudits.Walk(ctx, nil, func(id uint64) (bool, error) {
		gs.DeferredAudits = append(gs.DeferredAudits, id)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}

// checkGenesisReceipt: a dispute carrying a receipt is of a serving
// checkpoint, and the receipt is of the disputed request (what
// CheckChallengeReceipt checked when it opened), or no reveal could ever
// answer it.
func (k *Keeper) checkGenesisReceipt(ctx context.Context, d types.Dispute) error {
	if len(d.Receipt) == 0 {
		return nil
	}
	j, err := k.jobs.GetJob(ctx, d.JobId)
	if err != nil {
		return errorsmod.Wrapf(types.ErrInvalidGenesis, "dispute of job %d with a receipt: %v", d.JobId, err)
	}
	r, err := serving.ParseBody(d.Receipt)
	if err != nil || j.Checkpoint == nil || r.Seq != j.Checkpoint.First+d.Item {
		return errorsmod.Wrapf(types.ErrInvalidGenesis, "dispute of job %d carries a receipt that is not of its item %d of a serving checkpoint", d.JobId, d.Item)
	}
	return nil
}
