package zkml

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/stretchr/testify/require"
)

// Review 25, question 4: version 3 must not change any version 1 or 2
// constraint system (registered keys would stop verifying). The hashes are
// the serialized constraint systems compiled at 5821763, the commit before
// version 3 (the same test, run in a `git archive 5821763` tree).
var review25BaseCS = map[string]string{
	"mimc 16-16-4":                   "91b34a9da7d009e1d427872ac6c630007ce351210954f96426501ffb6e87bbf1",
	"poseidon2 16-16-4":              "aeed8e6890cbe15891c4f8a3b42fc34ea97aa18008a31402be736bab2104b89b",
	"mimc 8-4":                       "ac7c9a2b68454d5944953086e045d3215317a0effefe68951679527e43736716",
	"poseidon2 8-4":                  "3f37fa5fc2be2c658e6f1cacbdca0eeb64c0c4cce47bb62e355a1f81ba686c9b",
	"mimc 12-7-5-3":                  "91878fe20c2f5155a1f841eb537e77762835635a18bfe798d170b64b0e7a7cda",
	"poseidon2 12-7-5-3":             "cdc40b2aae014f679dd6e06f780c6eb2c7c966f9405c77295c7a828e56989fb9",
	"mimc 64-64-10":                  "2e61b78d3501c80fc06307c7e344765e9cf6ec8c20872b6ba08f4dc77fca11b7",
	"poseidon2 64-64-10":             "8b95aad1c3dd31812789435b42864e0a2b1f1e72132ab6f6cbb87b17369dc799",
	"cnn 1x10x10-2k3-3k3-5-4":        "1de6363a3f1325437fe195d2d1bf9f894c0155e39934039deb79135607ad5001",
	"cnn 2x8x8-3k3-6":                "cc21182033b950302be1b02ca0d27b7544c6fe0300737ac52e11ff09542fe2d3",
	"cnn 1x32x32-6k5-16k5-120-84-10": "9288c73bb57bf7a449ac75678bd18c57b5457ae10e5b8c58217fe9713296bb1c",
}

func TestReview25OldConstraintSystemsUnchanged(t *testing.T) {
	type tc struct {
		name string
		c    frontend.Circuit
	}
	var cases []tc
	for _, sh := range []Shape{{16, 16, 4}, {8, 4}, {12, 7, 5, 3}, {64, 64, 10}} {
		cases = append(cases, tc{"mimc " + sh.String(), MiMC.NewCircuit(sh)}, tc{"poseidon2 " + sh.String(), Poseidon2.NewCircuit(sh)})
	}
	for _, a := range []Arch{
		{Image: Image{1, 10, 10}, Convs: []Conv{{2, 3}, {3, 3}}, Dense: []int{5, 4}},
		{Image: Image{2, 8, 8}, Convs: []Conv{{3, 3}}, Dense: []int{6}},
		{Image: Image{1, 32, 32}, Convs: []Conv{{6, 5}, {16, 5}}, Dense: []int{120, 84, 10}},
	} {
		c, err := Poseidon2.NewCNNCircuit(a)
		require.NoError(t, err)
		cases = append(cases, tc{"cnn " + a.String(), c})
	}
	for _, k := range cases {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, k.c)
		require.NoError(t, err)
		var b bytes.Buffer
		_, err = ccs.WriteTo(&b)
		require.NoError(t, err)
		h := sha256.Sum256(b.Bytes())
		require.Equal(t, review25BaseCS[k.name], hex.EncodeToString(h[:]), "%s: its constraint system changed", k.name)
	}
}
