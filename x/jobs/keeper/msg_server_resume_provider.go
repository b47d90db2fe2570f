package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) ResumeProvider(ctx context.Context, msg *types.MsgResumeProvider) (*types.MsgResumeProviderResponse, error) {
	op, err := m.k.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgResumeProviderResponse{}, m.k.ResumeProvider(ctx, op)
}
