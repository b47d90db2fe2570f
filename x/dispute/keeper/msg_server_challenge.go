package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

func (s msgServer) Challenge(ctx context.Context, msg *types.MsgChallenge) (*types.MsgChallengeResponse, error) {
	challenger, err := s.k.addressCodec.StringToBytes(msg.Challenger)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "challenger: %v", err)
	}
	d, err := s.k.Challenge(ctx, challenger, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgChallengeResponse{Dispute: d}, nil
}
