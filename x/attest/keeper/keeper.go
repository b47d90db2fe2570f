// Package keeper implements x/attest: TEE attestation of providers
// verified on-chain at block time (Intel TDX, AMD SEV-SNP), governance's
// policy and measurement allowlist, Intel collateral stored once per FMSPC,
// and the benefits an attested provider gets through x/jobs and x/dispute:
// eligibility for require_tee jobs, a shorter challenge window and a lower
// audit rate for enclave-signed results.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/types"
	"github.com/verdict-chain/verdict/x/internal/settle"
)

// MeasurementKey is (TEE type, measurement).
type MeasurementKey = collections.Pair[int32, []byte]

// CollateralKey is (kind, key): FMSPC for TCB info, CA for a PCK CRL.
type CollateralKey = collections.Pair[int32, string]

// Keeper owns the x/attest state. The module holds no coins.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	jobs         types.JobsKeeper
	testVerifier verifier

	Schema       collections.Schema
	Params       collections.Item[types.Params]
	Policy       collections.Item[types.Policy]
	Measurements collections.Map[MeasurementKey, types.Measurement]
	Attestations collections.Map[sdk.AccAddress, types.Attestation]
	Collaterals  collections.Map[CollateralKey, types.Collateral]
	// Nonces: the hashes of the last nonce_max_age_blocks blocks.
	Nonces collections.Map[uint64, []byte]
	// Cooldowns: providers that may not attest before a time (their enclave
	// signed a wrong result).
	Cooldowns collections.Map[sdk.AccAddress, types.Cooldown]
	// ExpiryQueue: (expires_at, operator) of every attestation, cleaned up
	// in EndBlock (reads never trust a record past its expiry anyway).
	ExpiryQueue *settle.Queue[sdk.AccAddress]
}

// NewKeeper builds the keeper. authority is the gov module address.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string, jk types.JobsKeeper) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, jobs: jk,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Policy:       collections.NewItem(sb, types.PolicyKey, "policy", codec.CollValue[types.Policy](cdc)),
		Measurements: collections.NewMap(sb, types.MeasurementsKey, "measurements", collections.PairKeyCodec(collections.Int32Key, collections.BytesKey), codec.CollValue[types.Measurement](cdc)),
		Attestations: collections.NewMap(sb, types.AttestationsKey, "attestations", sdk.AccAddressKey, codec.CollValue[types.Attestation](cdc)),
		Collaterals:  collections.NewMap(sb, types.CollateralsKey, "collaterals", collections.PairKeyCodec(collections.Int32Key, collections.StringKey), codec.CollValue[types.Collateral](cdc)),
		Nonces:       collections.NewMap(sb, types.NoncesKey, "nonces", collections.Uint64Key, collections.BytesValue),
		Cooldowns:    collections.NewMap(sb, types.CooldownsKey, "cooldowns", sdk.AccAddressKey, codec.CollValue[types.Cooldown](cdc)),
		ExpiryQueue:  settle.New(sb, types.ExpiryQueueKey, types.ExpiryDeadLettersKey, "expiry", sdk.AccAddressKey),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	k.ExpiryQueue.Handle(k.settleExpiry, func(ctx context.Context, due time.Time, op sdk.AccAddress, cause error) error {
		return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSettlementDeadLettered{
			Queue: "expiry", Entry: k.str(op), Due: due, Error: cause.Error(),
		})
	})
	return k
}

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// Logger returns a module logger.
func (k *Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// SetPolicy validates and stores the policy.
func (k *Keeper) SetPolicy(ctx context.Context, p types.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := k.Policy.Set(ctx, p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPolicyUpdated{})
}

func (k *Keeper) addr(field, a string) (sdk.AccAddress, error) {
	b, err := k.addressCodec.StringToBytes(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, types.ErrInvalidAddress.Wrap(err.Error()))
	}
	return b, nil
}

func (k *Keeper) str(a sdk.AccAddress) string {
	s, _ := k.addressCodec.BytesToString(a)
	return s
}
