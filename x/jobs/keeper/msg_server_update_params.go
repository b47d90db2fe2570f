package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if _, err := m.k.addr("authority", msg.Authority); err != nil {
		return nil, err
	}
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "expected authority %s, got %s", m.k.authority, msg.Authority)
	}
	return &types.MsgUpdateParamsResponse{}, m.k.SetParams(ctx, msg.Params)
}
