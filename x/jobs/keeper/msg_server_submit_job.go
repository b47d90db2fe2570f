package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) SubmitJob(ctx context.Context, msg *types.MsgSubmitJob) (*types.MsgSubmitJobResponse, error) {
	buyer, err := m.k.addr("buyer", msg.Buyer)
	if err != nil {
		return nil, err
	}
	j, err := m.k.SubmitJob(ctx, buyer, msg) // the buyer pays its own escrow
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitJobResponse{JobId: j.Id, Provider: j.Provider}, nil
}
