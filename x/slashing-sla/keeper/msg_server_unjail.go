package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func (s msgServer) Unjail(ctx context.Context, msg *types.MsgUnjail) (*types.MsgUnjailResponse, error) {
	op, err := s.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgUnjailResponse{}, s.k.Unjail(ctx, op)
}
