package types_test

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// Genesis refuses a version 3 circuit without its commitment key's hash,
// and a hash on a circuit that commits without a key (the keeper's
// RegisterCircuit checks the same: TestRegisterCircuitValidation).
func TestGenesisCommitmentKeyHash(t *testing.T) {
	ac := addresscodec.NewBech32Codec("verdict")
	vk := []byte("a verifying key")
	vh := sha256.Sum256(vk)
	ck := sha256.Sum256([]byte("a commitment key"))
	circuit := func(id string, ckHash []byte) types.GenesisState {
		gs := *types.DefaultGenesis()
		gs.Circuits = []types.Circuit{{Id: id, ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: vk, VkHash: vh[:], CommitmentKeyHash: ckHash}}
		return gs
	}
	require.NoError(t, circuit("mlp3-64-64-10", ck[:]).Validate(ac))
	require.NoError(t, circuit("mlp2-64-64-10", nil).Validate(ac))
	require.ErrorIs(t, circuit("mlp3-64-64-10", nil).Validate(ac), types.ErrInvalidGenesis)
	require.ErrorIs(t, circuit("cnn3-1x32x32-6k5-16k5-120-84-10", ck[:16]).Validate(ac), types.ErrInvalidGenesis)
	require.ErrorIs(t, circuit("cnn-1x32x32-6k5-16k5-120-84-10", ck[:]).Validate(ac), types.ErrInvalidGenesis)
	require.ErrorIs(t, types.ValidateCommitmentKeyHash("mlp3-16-16-4", nil), types.ErrInvalidCircuit)
	require.NoError(t, types.ValidateCommitmentKeyHash("mlp3-16-16-4", ck[:]))
}
