package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/reputation/types"
)

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if _, err := s.k.addressCodec.StringToBytes(msg.Authority); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "authority: %v", err)
	}
	if msg.Authority != s.k.authority {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	// Records store evidence, not scores: a new half-life or prior applies
	// from now on without rewriting any record.
	return &types.MsgUpdateParamsResponse{}, s.k.Params.Set(ctx, msg.Params)
}
