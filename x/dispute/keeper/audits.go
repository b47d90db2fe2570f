package keeper

import (
	"context"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/internal/blockrand"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// AuditDraw is the audit lottery: the first 8 bytes of
// sha256("verdict/audit/v1" | block hash | height | job id), mod 10^6.
// A result is audited when the draw is below audit_rate_ppm.
func AuditDraw(blockHash []byte, height int64, jobID uint64) uint32 {
	return blockrand.PPM("verdict/audit/v1", blockHash, height, jobID)
}

// AuditItem is the item an audit of job j drawn in this block names: one of
// a batch job's items, uniformly (a provider that filled a fraction of a
// batch is caught in proportion), from the same block data as the draw;
// 0 for a single-input job.
func AuditItem(blockHash []byte, height int64, j jobstypes.Job) uint64 {
	if !jobstypes.IsBatch(j) {
		return 0
	}
	return blockrand.Uniform("verdict/audit-item/v1", blockHash, height, j.Id, j.Items)
}

// drawAudits runs the lottery for every result posted in this block (and
// every batch whose window resumed in it), with this block's hash (unknown
// to anyone before the block is built), then empties the pending set.
//
// A batch job with an item already disputed is not drawn: its lottery is
// postponed, undrawn, to the block its window resumes in (providerWins puts
// it back in PendingAudits; a failed job needs no audit). Drawing it now
// would either lose the audit (a challenge of the one honest item would buy
// the batch out of it) or reveal it while its provider and a challenger
// can still choose how the item dispute ends; and the draw never happens
// inside a transaction, whose sender could retry it until it fell on an
// honest item.
func (k *Keeper) drawAudits(ctx context.Context, p types.Params) error {
	var ids []uint64
	if err := k.PendingAudits.Walk(ctx, nil, func(id uint64) (bool, error) {
		ids = append(ids, id)
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.PendingAudits.Clear(ctx, nil); err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	hi := sdkCtx.HeaderInfo()
	for _, id := range ids {
		j, err := k.jobs.GetJob(ctx, id)
		if err != nil {
			k.Logger(ctx).Error("posted job not found; not audited", "job", id, "err", err)
			continue
		}
		if jobstypes.IsBatch(j) && j.Status == jobstypes.JobStatus_JOB_STATUS_DISPUTED {
			if err := k.DeferredAudits.Set(ctx, id); err != nil {
				return err
			}
			continue
		}
		rate, err := k.auditRate(ctx, p, j)
		if err != nil {
			k.Logger(ctx).Error("audit rate unavailable; job not audited", "job", id, "err", err)
			continue
		}
		if AuditDraw(hi.Hash, hi.Height, id) >= rate {
			continue
		}
		cacheCtx, write := sdkCtx.CacheContext()
		if err := k.audit(cacheCtx, p, j); err != nil {
			k.Logger(ctx).Error("audit not opened", "job", id, "err", err)
			continue
		}
		write()
	}
	return nil
}

// auditRate is audit_rate_ppm scaled by each audit weigher's factor for the
// job (x/reputation: higher for low scores; x/attest: lower for
// enclave-signed results), then raised to the deterrence floor (DeterrenceRatePPM), capped at 100%. audit_rate_ppm = 0
// turns audits off.
func (k *Keeper) auditRate(ctx context.Context, p types.Params, j jobstypes.Job) (uint32, error) {
	if p.AuditRatePpm == 0 {
		return 0, nil
	}
	rate := p.AuditRatePpm
	for _, aw := range k.auditWeighers {
		w, err := aw.AuditWeightPPM(ctx, j)
		if err != nil {
			return 0, err
		}
		rate = uint32(min(uint64(rate)*uint64(w)/types.MaxPpm, types.MaxPpm))
	}
	op, err := k.addressCodec.StringToBytes(j.Provider)
	if err != nil {
		return 0, err
	}
	prov, err := k.jobs.GetProvider(ctx, op)
	if err != nil {
		return 0, err
	}
	return max(rate, types.DeterrenceRatePPM(p, jobstypes.Payment(j), types.FraudSlash(p, prov.Bond.Amount, j))), nil
}

func (k *Keeper) audit(ctx context.Context, p types.Params, j jobstypes.Job) error {
	if k.disputable(ctx, j) != nil {
		return nil // challenged, cancelled or otherwise moved on in this block
	}
	hi := sdk.UnwrapSDKContext(ctx).HeaderInfo()
	item := AuditItem(hi.Hash, hi.Height, j)
	d, err := k.open(ctx, j, p, types.DisputeKind_DISPUTE_KIND_AUDIT, "", sdk.NewCoin(j.Escrow.Denom, math.ZeroInt()), nil, item, nil)
	if err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAudited{
		JobId: j.Id, Provider: j.Provider, ProofDeadline: d.ProofDeadline, Item: item,
	})
}
