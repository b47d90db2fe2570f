package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

type msgServer struct{ k *Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/jobs Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

func (m msgServer) addr(field, s string) (sdk.AccAddress, error) {
	if s == "" {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s is required", field)
	}
	b, err := m.k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return b, nil
}

func (m msgServer) RegisterProvider(ctx context.Context, msg *types.MsgRegisterProvider) (*types.MsgRegisterProviderResponse, error) {
	op, err := m.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if has, err := m.k.Providers.Has(ctx, op); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrProviderExists, "%s", msg.Operator)
	}
	offer := ProviderOffer{msg.Moniker, msg.Endpoint, msg.Region, msg.Hardware, msg.Classes, msg.CircuitIds, msg.Prices}
	if err := ValidateOffer(offer, params.Denom); err != nil {
		return nil, err
	}
	if err := m.k.checkCircuits(ctx, types.ErrInvalidProvider, msg.CircuitIds...); err != nil {
		return nil, err
	}
	if msg.Bond.Denom != params.Denom {
		return nil, errorsmod.Wrapf(types.ErrInvalidDenom, "bond: want %s, got %q", params.Denom, msg.Bond.Denom)
	}
	if msg.Bond.Amount.IsNil() || msg.Bond.Amount.LT(params.MinProviderBond.Amount) {
		return nil, errorsmod.Wrapf(types.ErrBondTooLow, "bond %s < min %s", msg.Bond, params.MinProviderBond)
	}
	if err := m.k.bankKeeper.SendCoinsFromAccountToModule(ctx, op, types.ModuleName, sdk.NewCoins(msg.Bond)); err != nil {
		return nil, err
	}
	if err := m.k.addTotal(ctx, m.k.TotalBonds, msg.Bond.Amount); err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p := types.Provider{
		Operator:         msg.Operator,
		Moniker:          msg.Moniker,
		Endpoint:         msg.Endpoint,
		Region:           msg.Region,
		Hardware:         msg.Hardware,
		Classes:          msg.Classes,
		CircuitIds:       msg.CircuitIds,
		Prices:           msg.Prices,
		Bond:             msg.Bond,
		Network:          types.NetworkProfile{DeclaredLatencyMs: msg.DeclaredLatencyMs, DeclaredBandwidthMbps: msg.DeclaredBandwidthMbps},
		Status:           types.ProviderStatus_PROVIDER_STATUS_ACTIVE,
		RegisteredHeight: sdkCtx.BlockHeight(),
	}
	if err := m.k.setProvider(ctx, p); err != nil {
		return nil, err
	}
	return &types.MsgRegisterProviderResponse{}, sdkCtx.EventManager().EmitTypedEvent(&types.EventProviderRegistered{Operator: p.Operator, Bond: p.Bond})
}

func (m msgServer) UpdateProvider(ctx context.Context, msg *types.MsgUpdateProvider) (*types.MsgUpdateProviderResponse, error) {
	op, err := m.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	p, err := m.k.GetProvider(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.Status == types.ProviderStatus_PROVIDER_STATUS_UNBONDING {
		return nil, errorsmod.Wrap(types.ErrInvalidStatus, "an unbonding provider cannot change its offer")
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	offer := ProviderOffer{msg.Moniker, msg.Endpoint, msg.Region, msg.Hardware, msg.Classes, msg.CircuitIds, msg.Prices}
	if err := ValidateOffer(offer, params.Denom); err != nil {
		return nil, err
	}
	if err := m.k.checkCircuits(ctx, types.ErrInvalidProvider, msg.CircuitIds...); err != nil {
		return nil, err
	}
	p.Moniker, p.Endpoint, p.Region, p.Hardware = msg.Moniker, msg.Endpoint, msg.Region, msg.Hardware
	p.Classes, p.CircuitIds, p.Prices = msg.Classes, msg.CircuitIds, msg.Prices
	p.Network.DeclaredLatencyMs, p.Network.DeclaredBandwidthMbps = msg.DeclaredLatencyMs, msg.DeclaredBandwidthMbps
	if err := m.k.setProvider(ctx, p); err != nil {
		return nil, err
	}
	return &types.MsgUpdateProviderResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUpdated{Operator: p.Operator})
}

func (m msgServer) PauseProvider(ctx context.Context, msg *types.MsgPauseProvider) (*types.MsgPauseProviderResponse, error) {
	p, err := m.providerFor(ctx, msg.Operator)
	if err != nil {
		return nil, err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "only an ACTIVE provider can pause; it is %s", p.Status)
	}
	_, err = m.k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_PAUSED)
	return &types.MsgPauseProviderResponse{}, err
}

func (m msgServer) ResumeProvider(ctx context.Context, msg *types.MsgResumeProvider) (*types.MsgResumeProviderResponse, error) {
	p, err := m.providerFor(ctx, msg.Operator)
	if err != nil {
		return nil, err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_PAUSED {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "only a PAUSED provider can resume; it is %s", p.Status)
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if p.Bond.Amount.LT(params.MinProviderBond.Amount) {
		return nil, errorsmod.Wrapf(types.ErrBondTooLow, "bond %s < min %s", p.Bond, params.MinProviderBond)
	}
	_, err = m.k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_ACTIVE)
	return &types.MsgResumeProviderResponse{}, err
}

func (m msgServer) DeregisterProvider(ctx context.Context, msg *types.MsgDeregisterProvider) (*types.MsgDeregisterProviderResponse, error) {
	p, err := m.providerFor(ctx, msg.Operator)
	if err != nil {
		return nil, err
	}
	if p.Status == types.ProviderStatus_PROVIDER_STATUS_UNBONDING {
		return nil, errorsmod.Wrap(types.ErrInvalidStatus, "already unbonding")
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	p.UnbondingEnd = sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.UnbondingPeriod)
	op, _ := m.k.addressCodec.StringToBytes(p.Operator)
	if err := m.k.UnbondingQueue.Set(ctx, collections.Join(p.UnbondingEnd, sdk.AccAddress(op))); err != nil {
		return nil, err
	}
	_, err = m.k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_UNBONDING)
	return &types.MsgDeregisterProviderResponse{}, err
}

func (m msgServer) providerFor(ctx context.Context, operator string) (types.Provider, error) {
	op, err := m.addr("operator", operator)
	if err != nil {
		return types.Provider{}, err
	}
	return m.k.GetProvider(ctx, op)
}

func (m msgServer) SubmitJob(ctx context.Context, msg *types.MsgSubmitJob) (*types.MsgSubmitJobResponse, error) {
	buyer, err := m.addr("buyer", msg.Buyer)
	if err != nil {
		return nil, err
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidateSubmitJob(msg, params); err != nil {
		return nil, err
	}
	if err := m.k.checkCircuits(ctx, types.ErrInvalidJob, msg.CircuitId); err != nil {
		return nil, err
	}
	var direct *types.Provider
	if msg.Provider != "" {
		op, err := m.addr("provider", msg.Provider)
		if err != nil {
			return nil, err
		}
		p, err := m.k.GetProvider(ctx, op)
		if err != nil {
			return nil, err
		}
		direct = &p
	}
	// max price and units both fit in uint64, so the product cannot overflow.
	escrow := sdk.NewCoin(params.Denom, msg.MaxPricePerUnit.Amount.Mul(math.NewIntFromUint64(msg.Units)))
	id, err := m.k.JobSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	j := types.Job{
		Id:              id,
		Buyer:           msg.Buyer,
		Class:           msg.Class,
		ModelCommitment: msg.ModelCommitment,
		InputCommitment: msg.InputCommitment,
		InputUri:        msg.InputUri,
		CircuitId:       msg.CircuitId,
		Sla:             msg.Sla,
		Parallel:        msg.Parallel,
		Units:           msg.Units,
		MaxPricePerUnit: msg.MaxPricePerUnit,
		Escrow:          escrow,
		PricePerUnit:    sdk.NewCoin(params.Denom, math.ZeroInt()),
		Status:          types.JobStatus_JOB_STATUS_SUBMITTED,
		SubmittedAt:     now,
		Deadline:        now.Add(msg.TimeLimit),
	}
	if direct != nil {
		// Fail before moving coins when the direct order cannot be served.
		if err := CheckEligible(*direct, j); err != nil {
			return nil, err
		}
	}
	if err := m.k.bankKeeper.SendCoinsFromAccountToModule(ctx, buyer, types.ModuleName, sdk.NewCoins(escrow)); err != nil {
		return nil, err
	}
	if err := m.k.addTotal(ctx, m.k.TotalEscrow, escrow.Amount); err != nil {
		return nil, err
	}
	if err := m.k.saveJob(ctx, j); err != nil {
		return nil, err
	}
	if err := m.k.DeadlineQueue.Set(ctx, collections.Join(j.Deadline, j.Id)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventJobSubmitted{
		JobId: j.Id, Buyer: j.Buyer, Class: j.Class, Escrow: escrow, Deadline: j.Deadline,
	}); err != nil {
		return nil, err
	}

	switch {
	case direct != nil:
		j, err = m.k.assign(ctx, j, *direct, "direct")
	case j.Parallel != nil:
		ps, ok := m.k.scheduler.(types.PlacementScheduler)
		if !ok {
			return nil, errorsmod.Wrap(types.ErrInvalidJob, "this chain's scheduler cannot place multi-node jobs")
		}
		var nodes []sdk.AccAddress
		var eff uint32
		if nodes, eff, err = ps.SelectPlacement(ctx, j); err != nil {
			return nil, err // the whole submission fails: nothing escrowed
		}
		j, err = m.k.assignPlacement(ctx, j, nodes, eff)
	default:
		var chosen sdk.AccAddress
		chosen, err = m.k.scheduler.SelectProvider(ctx, j)
		if err == nil && chosen != nil {
			var p types.Provider
			if p, err = m.k.GetProvider(ctx, chosen); err == nil {
				j, err = m.k.assign(ctx, j, p, "scheduler")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitJobResponse{JobId: id, Provider: j.Provider}, nil
}

func (m msgServer) AcceptJob(ctx context.Context, msg *types.MsgAcceptJob) (*types.MsgAcceptJobResponse, error) {
	p, err := m.providerFor(ctx, msg.Provider)
	if err != nil {
		return nil, err
	}
	j, err := m.k.GetJob(ctx, msg.JobId)
	if err != nil {
		return nil, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s, only an open job can be accepted", j.Id, j.Status)
	}
	if j.Parallel != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidJob, "job %d is multi-node: the scheduler places it", j.Id)
	}
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(j.Deadline) {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job %d deadline %s", j.Id, j.Deadline)
	}
	_, err = m.k.assign(ctx, j, p, "accepted")
	return &types.MsgAcceptJobResponse{}, err
}

func (m msgServer) CancelJob(ctx context.Context, msg *types.MsgCancelJob) (*types.MsgCancelJobResponse, error) {
	if _, err := m.addr("buyer", msg.Buyer); err != nil {
		return nil, err
	}
	j, err := m.k.GetJob(ctx, msg.JobId)
	if err != nil {
		return nil, err
	}
	if j.Buyer != msg.Buyer {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "only the buyer of job %d may cancel it", j.Id)
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED && j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s; only a job without a result can be cancelled", j.Id, j.Status)
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	// An assigned provider may have started: it gets cancel_fee_bps of the
	// agreed payment. An open job is refunded in full.
	fee := math.ZeroInt()
	if j.Status == types.JobStatus_JOB_STATUS_ASSIGNED {
		fee = j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units)).MulRaw(int64(params.CancelFeeBps)).QuoRaw(types.MaxFeeBps)
	}
	if err := m.k.DeadlineQueue.Remove(ctx, collections.Join(j.Deadline, j.Id)); err != nil {
		return nil, err
	}
	j, err = m.k.settle(ctx, j, types.JobStatus_JOB_STATUS_CANCELLED, fee, 0)
	if err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobCancelled{
		JobId: j.Id, Buyer: j.Buyer, Settlement: *j.Settlement,
	}); err != nil {
		return nil, err
	}
	return &types.MsgCancelJobResponse{}, m.k.hooks.AfterJobCancelled(ctx, j)
}

func (m msgServer) PostResult(ctx context.Context, msg *types.MsgPostResult) (*types.MsgPostResultResponse, error) {
	if _, err := m.addr("provider", msg.Provider); err != nil {
		return nil, err
	}
	j, err := m.k.GetJob(ctx, msg.JobId)
	if err != nil {
		return nil, err
	}
	if j.Provider != msg.Provider {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "only the assigned provider may post the result of job %d", j.Id)
	}
	if j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return nil, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s; a result can be posted once, on an assigned job", j.Id, j.Status)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	if !now.Before(j.Deadline) {
		return nil, errorsmod.Wrapf(types.ErrDeadlinePassed, "job %d deadline %s", j.Id, j.Deadline)
	}
	if err := ValidatePostResult(msg, j); err != nil {
		return nil, err
	}
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.k.DeadlineQueue.Remove(ctx, collections.Join(j.Deadline, j.Id)); err != nil {
		return nil, err
	}
	j.Result = &types.Result{
		OutputCommitment: msg.OutputCommitment,
		OutputUri:        msg.OutputUri,
		UnitsUsed:        msg.UnitsUsed,
		Metrics:          msg.Metrics,
		PostedAt:         now,
		PostedHeight:     sdkCtx.BlockHeight(),
	}
	j.Status = types.JobStatus_JOB_STATUS_RESULT_POSTED
	j.WindowEnd = now.Add(params.ChallengeWindow)
	if err := m.k.saveJob(ctx, j); err != nil {
		return nil, err
	}
	if err := m.k.WindowQueue.Set(ctx, collections.Join(j.WindowEnd, j.Id)); err != nil {
		return nil, err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventResultPosted{
		JobId: j.Id, Provider: j.Provider, OutputCommitment: msg.OutputCommitment, UnitsUsed: msg.UnitsUsed, WindowEnd: j.WindowEnd,
	}); err != nil {
		return nil, err
	}
	return &types.MsgPostResultResponse{}, m.k.hooks.AfterResultPosted(ctx, j)
}

func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "expected authority %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	old, err := m.k.Params.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if err == nil && old.Denom != msg.Params.Denom {
		// Bonds and escrows are held in the old denom; switching would break them.
		return nil, errorsmod.Wrap(types.ErrInvalidParams, "denom cannot change once set")
	}
	return &types.MsgUpdateParamsResponse{}, m.k.Params.Set(ctx, msg.Params)
}
