package keeper

import (
	"context"
	"crypto/sha256"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }

// idRune: circuit ids use lower-case letters, digits, '-', '_' and '.'.
func idRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}

func checkCircuitText(id, name, desc string) error {
	if id == "" || len(id) > types.MaxCircuitIDLen {
		return errorsmod.Wrapf(types.ErrInvalidCircuit, "circuit id must be 1..%d bytes", types.MaxCircuitIDLen)
	}
	for _, r := range id {
		if !idRune(r) {
			return errorsmod.Wrapf(types.ErrInvalidCircuit, "circuit id %q: use a-z, 0-9, '-', '_', '.'", id)
		}
	}
	if len(name) > types.MaxNameLen || len(desc) > types.MaxDescriptionLen {
		return errorsmod.Wrapf(types.ErrInvalidCircuit, "name max %d bytes, description max %d bytes", types.MaxNameLen, types.MaxDescriptionLen)
	}
	return nil
}

// RegisterCircuit validates and stores a circuit. Used by the Msg and by
// genesis.
func (k *Keeper) RegisterCircuit(ctx context.Context, c types.Circuit) (types.Circuit, error) {
	if err := checkCircuitText(c.Id, c.Name, c.Description); err != nil {
		return c, err
	}
	if c.ProofSystem != types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254 {
		return c, errorsmod.Wrapf(types.ErrInvalidCircuit, "proof system %s not supported", c.ProofSystem)
	}
	if err := types.ValidateCommitmentKeyHash(c.Id, c.CommitmentKeyHash); err != nil {
		return c, err
	}
	has, err := k.Circuits.Has(ctx, c.Id)
	if err != nil {
		return c, err
	}
	if has {
		return c, errorsmod.Wrapf(types.ErrCircuitExists, "%q", c.Id)
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return c, err
	}
	vk, err := types.ParseVK(c.VerifyingKey, p.MaxVkBytes)
	if err != nil {
		return c, err
	}
	h := sha256.Sum256(c.VerifyingKey)
	c.VkHash = h[:]
	c.PublicInputs = append([]string{}, types.PublicInputNames...)
	c.RegisteredHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.Circuits.Set(ctx, c.Id, c); err != nil {
		return c, err
	}
	k.vks.put(h, vk)
	return c, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventCircuitRegistered{CircuitId: c.Id, VkHash: c.VkHash})
}

// HasCircuit tells x/jobs whether a circuit id is registered.
func (k *Keeper) HasCircuit(ctx context.Context, id string) (bool, error) {
	return k.Circuits.Has(ctx, id)
}

// verifyingKey returns the parsed key of a circuit, from the cache when it
// holds these exact bytes.
func (k *Keeper) verifyingKey(ctx context.Context, id string) (*zkverify.VerifyingKey, error) {
	c, err := k.Circuits.Get(ctx, id)
	if isNotFound(err) {
		return nil, errorsmod.Wrapf(types.ErrCircuitNotFound, "%q", id)
	} else if err != nil {
		return nil, err
	}
	h := sha256.Sum256(c.VerifyingKey)
	if vk, ok := k.vks.get(h); ok {
		return vk, nil
	}
	// Keys were validated at registration; a key registered under larger
	// limits still parses because only the size bound could differ.
	vk, err := types.ParseVK(c.VerifyingKey, types.AbsMaxVKBytes)
	if err != nil {
		return nil, err
	}
	k.vks.put(h, vk)
	return vk, nil
}
