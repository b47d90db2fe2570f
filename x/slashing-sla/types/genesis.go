package types

import (
	"fmt"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesis has default params and nothing else.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks addresses, uniqueness and consistency between reports,
// pending gradings and assessments.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	fail := func(format string, args ...any) error { return errorsmod.Wrapf(ErrInvalidGenesis, format, args...) }
	mons := map[string]bool{}
	for _, m := range gs.Monitors {
		if _, err := ac.StringToBytes(m); err != nil {
			return fail("monitor %q: %v", m, err)
		}
		if mons[m] {
			return fail("duplicate monitor %s", m)
		}
		mons[m] = true
	}
	assessed := map[uint64]bool{}
	for _, a := range gs.Assessments {
		if assessed[a.JobId] {
			return fail("duplicate assessment of job %d", a.JobId)
		}
		assessed[a.JobId] = true
	}
	pending := map[uint64]bool{}
	for _, p := range gs.Pending {
		if pending[p.JobId] || assessed[p.JobId] {
			return fail("job %d pending twice or already assessed", p.JobId)
		}
		if _, err := ac.StringToBytes(p.Provider); err != nil {
			return fail("pending grading of job %d: provider %q: %v", p.JobId, p.Provider, err)
		}
		pending[p.JobId] = true
	}
	reports := map[string]bool{}
	for _, r := range gs.Reports {
		if _, err := ac.StringToBytes(r.Reporter); err != nil {
			return fail("report reporter %q: %v", r.Reporter, err)
		}
		key := fmt.Sprintf("%d/%s", r.JobId, r.Reporter)
		if reports[key] {
			return fail("duplicate report %s", key)
		}
		reports[key] = true
		if !pending[r.JobId] {
			return fail("report on job %d, which is not pending assessment", r.JobId)
		}
		if err := ValidateMetrics(r.Metrics); err != nil {
			return fail("report %s: %v", key, err)
		}
	}
	for _, v := range gs.Violations {
		if _, err := ac.StringToBytes(v.Provider); err != nil {
			return fail("violation provider %q: %v", v.Provider, err)
		}
	}
	return nil
}
