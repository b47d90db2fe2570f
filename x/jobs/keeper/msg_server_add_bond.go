package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) AddBond(ctx context.Context, msg *types.MsgAddBond) (*types.MsgAddBondResponse, error) {
	op, err := m.k.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgAddBondResponse{}, m.k.AddBond(ctx, op, msg.Amount)
}
