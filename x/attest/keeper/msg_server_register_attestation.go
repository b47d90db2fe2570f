package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) RegisterAttestation(ctx context.Context, msg *types.MsgRegisterAttestation) (*types.MsgRegisterAttestationResponse, error) {
	if _, err := s.addr("operator", msg.Operator); err != nil {
		return nil, err
	}
	a, err := s.k.RegisterAttestation(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterAttestationResponse{ExpiresAt: a.ExpiresAt}, nil
}
