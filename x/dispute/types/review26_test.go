package types_test

import (
	"crypto/sha256"
	"testing"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/zkml"
)

// review26Scheme is the scheme zkml (and so the agents: agent.SchemeOf,
// the prover, the fetcher's key lookup) gives a circuit id, or 0 when it
// names no reference circuit.
func review26Scheme(id string) zkml.Scheme {
	if _, sc, err := zkml.NewCircuitByID(id); err == nil {
		return sc
	}
	return 0
}

// ATTACK (question 3): an id the chain and zkml read differently. The
// chain requires commitment_key_hash exactly for the ids it calls version
// 3 (zkverify.NeedsCommitmentKey, by prefix); zkml proves an id under
// Pedersen exactly when its own parser says so. A reference id that zkml
// proves under version 3 while the chain registers it without a key hash
// would leave the agents' key check nothing to compare with (and the
// buyer's commitment unauthenticated); the reverse would make a version 1
// or 2 circuit unregistrable. Prefix look-alikes, case, digits in the
// shape or arch are tried. Safe: for every id zkml proves, the chain's
// view agrees (key hash required iff Pedersen, the tensor scheme the same),
// and every version 1 and 2 id registers without a hash.
func TestReview26CircuitIDsAgree(t *testing.T) {
	h := sha256.Sum256([]byte("a key"))
	rests := []string{"16-16-4", "3-16-4", "64-64-10", "1x10x10-2k3-3k3-5-4", "3x8x8-3k3-6", "1x32x32-6k5-16k5-120-84-10", "2x8x8-3k3-6"}
	prefixes := []string{"mlp-", "mlp2-", "mlp3-", "cnn-", "cnn3-", "cnn2-", "mlp4-", "mlp33-", "cnn33-", "mlp-3-", "cnn-3", "mlp3", "cnn3", "Mlp3-", "CNN3-", "mlp3--", "cnn3-cnn-", "mlp3-mlp-", "mlp-mlp3-", " mlp3-", "mlp3-+", "mlp3-0", "cnn3-0"}
	proven := 0
	for _, p := range prefixes {
		for _, r := range rests {
			id := p + r
			sc := review26Scheme(id)
			v3 := zkverify.NeedsCommitmentKey(id)
			if sc == 0 {
				continue // no reference circuit: the agents refuse its jobs (CheckProvable)
			}
			if m, _, _, err := zkml.ExampleForID(id, "ids"); err != nil || m.CircuitID(sc) != id {
				// not canonical ("mlp3-+16-16-4", "mlp3-016-…"): the model's
				// id differs from the job's, so agent.CheckProvable refuses
				// its jobs before any key is looked up
				continue
			}
			proven++
			require.Equal(t, sc == zkml.Pedersen, v3, "%q: zkml scheme %v, chain version 3 %v", id, sc, v3)
			if sc == zkml.Pedersen {
				require.NoError(t, types.ValidateCommitmentKeyHash(id, h[:]), id)
				require.Error(t, types.ValidateCommitmentKeyHash(id, nil), id)
			} else {
				require.NoError(t, types.ValidateCommitmentKeyHash(id, nil), "%q (version %d) no longer registers", id, sc)
				require.Error(t, types.ValidateCommitmentKeyHash(id, h[:]), id)
			}
			ts, err := zkverify.SchemeOfCircuit(id)
			require.NoError(t, err, id)
			want := zkverify.Scheme(sc)
			if sc == zkml.Pedersen {
				want = zkverify.SchemePoseidon2
			}
			require.Equal(t, want, ts, "%q: tensor scheme", id)
		}
	}
	require.Greater(t, proven, 10)
}

// ATTACK (question 3, registration): the new fields must be in the
// descriptors the transaction decoder and the sign modes resolve
// (app/protoreg: gogoproto's merged registry). A descriptor without them
// would make the decoder refuse a MsgRegisterCircuit carrying the hash as
// an unknown field (no version 3 circuit registrable by governance), or
// the amino-JSON sign document leave the hash out (a signature that does
// not cover it). Safe: both fields resolve, with their numbers.
func TestReview26DescriptorsCarryTheKeyHash(t *testing.T) {
	files, err := gogoproto.MergedRegistry()
	require.NoError(t, err)
	for name, num := range map[string]protoreflect.FieldNumber{
		"verdict.dispute.v1.MsgRegisterCircuit": 7,
		"verdict.dispute.v1.Circuit":            9,
	} {
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err, name)
		f := d.(protoreflect.MessageDescriptor).Fields().ByName("commitment_key_hash")
		require.NotNil(t, f, "%s has no commitment_key_hash", name)
		require.Equal(t, num, f.Number(), name)
		require.Equal(t, protoreflect.BytesKind, f.Kind(), name)
	}
}
