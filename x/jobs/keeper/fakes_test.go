package keeper_test

import (
	"context"
	"fmt"

	"github.com/verdict-chain/verdict/testutil/fakes"
)

// The bank, account and distribution fakes live in testutil/fakes.
type (
	fakeBank     = fakes.Bank
	fakeAccounts = fakes.Accounts
	fakeDistr    = fakes.Distr
)

var newFakeBank = fakes.NewBank

// recordingHooks records the lifecycle hook calls in order.
type recordingHooks struct{ calls []string }

func (h *recordingHooks) add(name string, id uint64) error {
	h.calls = append(h.calls, fmt.Sprintf("%s:%d", name, id))
	return nil
}

func (h *recordingHooks) AfterResultPosted(_ context.Context, j jobT) error {
	return h.add("posted", j.Id)
}

func (h *recordingHooks) AfterJobFinalized(_ context.Context, j jobT) error {
	return h.add("finalized", j.Id)
}

func (h *recordingHooks) AfterJobFailed(_ context.Context, j jobT) error {
	return h.add("failed", j.Id)
}

func (h *recordingHooks) AfterJobExpired(_ context.Context, j jobT) error {
	return h.add("expired", j.Id)
}

func (h *recordingHooks) AfterJobCancelled(_ context.Context, j jobT) error {
	return h.add("cancelled", j.Id)
}
