package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

func (s msgServer) addr(field, a string) (sdk.AccAddress, error) {
	b, err := s.k.addressCodec.StringToBytes(a)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return b, nil
}

func (s msgServer) requireAuthority(a string) error {
	if _, err := s.addr("authority", a); err != nil {
		return err
	}
	if a != s.k.authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, a)
	}
	return nil
}

func (s msgServer) RegisterMonitor(ctx context.Context, msg *types.MsgRegisterMonitor) (*types.MsgRegisterMonitorResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	m, err := s.addr("monitor", msg.Monitor)
	if err != nil {
		return nil, err
	}
	if has, err := s.k.Monitors.Has(ctx, m); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrMonitorExists, "%s", msg.Monitor)
	}
	if err := s.k.Monitors.Set(ctx, m); err != nil {
		return nil, err
	}
	return &types.MsgRegisterMonitorResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMonitorRegistered{Monitor: msg.Monitor})
}

func (s msgServer) RemoveMonitor(ctx context.Context, msg *types.MsgRemoveMonitor) (*types.MsgRemoveMonitorResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	m, err := s.addr("monitor", msg.Monitor)
	if err != nil {
		return nil, err
	}
	if has, err := s.k.Monitors.Has(ctx, m); err != nil {
		return nil, err
	} else if !has {
		return nil, errorsmod.Wrapf(types.ErrMonitorNotFound, "%s", msg.Monitor)
	}
	if err := s.k.Monitors.Remove(ctx, m); err != nil {
		return nil, err
	}
	return &types.MsgRemoveMonitorResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMonitorRemoved{Monitor: msg.Monitor})
}

func (s msgServer) SubmitReport(ctx context.Context, msg *types.MsgSubmitReport) (*types.MsgSubmitReportResponse, error) {
	r, err := s.addr("reporter", msg.Reporter)
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitReportResponse{}, s.k.SubmitReport(ctx, r, msg.JobId, msg.Metrics)
}

func (s msgServer) Unjail(ctx context.Context, msg *types.MsgUnjail) (*types.MsgUnjailResponse, error) {
	op, err := s.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	if err := s.k.jobs.Unjail(ctx, op); err != nil {
		return nil, err
	}
	return &types.MsgUnjailResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUnjailed{Provider: msg.Operator})
}

// UpdateParams: violations are stored with their time, so a new
// violation_window counts exactly from the next assessment on.
func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, s.k.Params.Set(ctx, msg.Params)
}
