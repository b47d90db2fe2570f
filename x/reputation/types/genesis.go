package types

import (
	"fmt"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// DefaultGenesis has default params and no records.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks params and records: valid address and class, one record
// per (provider, class), evidence within bounds.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, r := range gs.Records {
		if _, err := ac.StringToBytes(r.Provider); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "record provider %q: %v", r.Provider, err)
		}
		if _, ok := jobstypes.WorkloadClass_name[int32(r.Class)]; !ok || r.Class == jobstypes.WorkloadClass_WORKLOAD_CLASS_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "record %s: class %d", r.Provider, r.Class)
		}
		key := fmt.Sprintf("%s/%d", r.Provider, r.Class)
		if seen[key] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate record %s", key)
		}
		seen[key] = true
		if r.GoodEvidence > MaxEvidence || r.BadEvidence > MaxEvidence {
			return errorsmod.Wrapf(ErrInvalidGenesis, "record %s: evidence above %d", key, MaxEvidence)
		}
	}
	return nil
}
