package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) UpdatePolicy(ctx context.Context, msg *types.MsgUpdatePolicy) (*types.MsgUpdatePolicyResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	return &types.MsgUpdatePolicyResponse{}, s.k.SetPolicy(ctx, msg.Policy)
}
