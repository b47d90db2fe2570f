package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) SubmitCollateral(ctx context.Context, msg *types.MsgSubmitCollateral) (*types.MsgSubmitCollateralResponse, error) {
	if _, err := s.addr("submitter", msg.Submitter); err != nil {
		return nil, err
	}
	if _, err := s.k.SubmitCollateral(ctx, msg); err != nil {
		return nil, err
	}
	return &types.MsgSubmitCollateralResponse{}, nil
}
