package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

func (s msgServer) RegisterCircuit(ctx context.Context, msg *types.MsgRegisterCircuit) (*types.MsgRegisterCircuitResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	c, err := s.k.RegisterCircuit(ctx, types.Circuit{
		Id: msg.CircuitId, Name: msg.Name, Description: msg.Description,
		ProofSystem: msg.ProofSystem, VerifyingKey: msg.VerifyingKey, CommitmentKeyHash: msg.CommitmentKeyHash,
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterCircuitResponse{VkHash: c.VkHash}, nil
}
