package cmd_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/cmd/verdictd/cmd"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// run executes `verdictd zk <args>` and returns stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	c := cmd.ZKCmd()
	var out, errb bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&errb)
	c.SetArgs(args)
	err := c.Execute()
	return strings.TrimSpace(out.String()), err
}

// The whole offline flow under each scheme: setup writes keys named after
// the circuit id, commitments differ between schemes, a proof made under
// one scheme verifies with its own key and commitments only.
func TestZKFlowPerScheme(t *testing.T) {
	dir := t.TempDir()
	model, input := filepath.Join(dir, "m.vmdl"), filepath.Join(dir, "in.vten")
	_, err := run(t, "example-model", model, "--shape", "16-16-4", "--seed", "s")
	require.NoError(t, err)
	_, err = run(t, "example-input", input, "--size", "16", "--seed", "s")
	require.NoError(t, err)

	commits := map[string]string{}
	for _, scheme := range []string{"mimc", "poseidon2"} {
		keys := filepath.Join(dir, scheme)
		_, err := run(t, "setup", "--shape", "16-16-4", "--out", keys, "--scheme", scheme)
		require.NoError(t, err)
		id := map[string]string{"mimc": "mlp-16-16-4", "poseidon2": "mlp2-16-16-4"}[scheme]
		for _, ext := range []string{".pk", ".vk"} {
			_, err := os.Stat(filepath.Join(keys, id+ext))
			require.NoError(t, err, "%s%s", id, ext)
		}
		mc, err := run(t, "commit", model, "--scheme", scheme)
		require.NoError(t, err)
		require.Len(t, mc, 64)
		commits[scheme] = mc

		proofFile := filepath.Join(dir, scheme+".proof")
		_, err = run(t, "prove", "--keys", keys, model, input, "--job-id", "9", "--out", proofFile, "--scheme", scheme)
		require.NoError(t, err)
		output := filepath.Join(dir, scheme+".out.vten")
		_, err = run(t, "infer", model, input, "--out", output, "--scheme", scheme)
		require.NoError(t, err)
		msg, err := run(t, "verify", "--vk", filepath.Join(keys, id+".vk"), "--proof", proofFile, "--job-id", "9",
			"--model", model, "--input", input, "--output", output, "--scheme", scheme)
		require.NoError(t, err)
		require.Contains(t, msg, "proof valid for job 9")

		// the other scheme's commitments do not verify
		other := map[string]string{"mimc": "poseidon2", "poseidon2": "mimc"}[scheme]
		_, err = run(t, "verify", "--vk", filepath.Join(keys, id+".vk"), "--proof", proofFile, "--job-id", "9",
			"--model", model, "--input", input, "--output", output, "--scheme", other)
		require.Error(t, err)
	}
	require.NotEqual(t, commits["mimc"], commits["poseidon2"])
	def, err := run(t, "commit", model)
	require.NoError(t, err)
	require.Equal(t, commits["mimc"], def, "version 1 stays the default")
	_, err = run(t, "commit", model, "--scheme", "sha256")
	require.Error(t, err)
}

// A CNN through the same offline flow: setup by circuit id, version 2
// commitments, prove and verify; version 1 commitments are refused.
func TestZKFlowCNN(t *testing.T) {
	dir := t.TempDir()
	const arch, id = "1x10x10-2k3-3k3-5-4", "cnn-1x10x10-2k3-3k3-5-4"
	model, input := filepath.Join(dir, "m.vmdl"), filepath.Join(dir, "in.vten")
	_, err := run(t, "example-model", model, "--arch", arch, "--seed", "c")
	require.NoError(t, err)
	_, err = run(t, "example-input", input, "--size", "100", "--seed", "c")
	require.NoError(t, err)
	keys := filepath.Join(dir, "keys")
	_, err = run(t, "setup", "--circuit", id, "--out", keys)
	require.NoError(t, err)
	proofFile := filepath.Join(dir, "cnn.proof")
	_, err = run(t, "prove", "--keys", keys, model, input, "--job-id", "3", "--out", proofFile, "--scheme", "poseidon2")
	require.NoError(t, err)
	output := filepath.Join(dir, "out.vten")
	_, err = run(t, "infer", model, input, "--out", output, "--scheme", "poseidon2")
	require.NoError(t, err)
	msg, err := run(t, "verify", "--vk", filepath.Join(keys, id+".vk"), "--proof", proofFile, "--job-id", "3",
		"--model", model, "--input", input, "--output", output, "--scheme", "poseidon2")
	require.NoError(t, err)
	require.Contains(t, msg, "proof valid for job 3")

	fp, err := run(t, "fingerprint", id)
	require.NoError(t, err)
	recorded, err := os.ReadFile(filepath.Join(keys, id+".ccs.sha256"))
	require.NoError(t, err)
	require.Equal(t, fp, strings.TrimSpace(string(recorded)), "setup records the circuit it made keys for")
	other, err := run(t, "fingerprint", "mlp2-16-16-4")
	require.NoError(t, err)
	require.NotEqual(t, fp, other)
	_, err = run(t, "fingerprint", "cnn-nonsense")
	require.Error(t, err)

	_, err = run(t, "commit", model) // version 1 by default: not for a CNN
	require.ErrorContains(t, err, "version 2")
	_, err = run(t, "setup", "--circuit", "cnn-1x10x10-2k4-5", "--out", keys) // odd convolution output
	require.Error(t, err)
}

// A batch through the offline tools: example inputs and their root, the
// outputs and theirs, one item extracted, and one item proven with its
// evidence — which the chain's own check (CheckItem) accepts against the
// two roots, and which verifies under the circuit's key.
func TestZKBatchFlow(t *testing.T) {
	dir := t.TempDir()
	model, inputs, outputs, keys := filepath.Join(dir, "m.vmdl"), filepath.Join(dir, "in.vbat"), filepath.Join(dir, "out.vbat"), filepath.Join(dir, "keys")
	_, err := run(t, "example-model", model, "--shape", "16-16-4", "--seed", "b")
	require.NoError(t, err)
	inRoot, err := run(t, "example-batch", inputs, "--items", "300", "--size", "16", "--seed", "b")
	require.NoError(t, err)
	again, err := run(t, "batch-root", inputs)
	require.NoError(t, err)
	require.Equal(t, inRoot, again)
	outRoot, err := run(t, "infer-batch", model, inputs, outputs)
	require.NoError(t, err)
	o2, err := run(t, "batch-root", outputs, "--kind", "output")
	require.NoError(t, err)
	require.Equal(t, outRoot, o2)
	_, err = run(t, "batch-root", outputs, "--kind", "sideways")
	require.Error(t, err)

	_, err = run(t, "batch-item", inputs, "299", "--out", filepath.Join(dir, "item.vten"))
	require.NoError(t, err)
	_, err = run(t, "batch-item", inputs, "300", "--out", filepath.Join(dir, "none.vten"))
	require.ErrorIs(t, err, batch.ErrIndex)

	_, err = run(t, "setup", "--shape", "16-16-4", "--out", keys)
	require.NoError(t, err)
	ev := filepath.Join(dir, "ev.flags")
	proofHex, err := run(t, "prove-item", "--keys", keys, "--job-id", "5", "--item", "123", "--evidence", ev, model, inputs, outputs)
	require.NoError(t, err)
	flags, err := os.ReadFile(ev)
	require.NoError(t, err)
	msg := &disputetypes.MsgSubmitProof{}
	f := strings.Fields(string(flags))
	for k := 0; k+1 < len(f); k += 2 {
		bz, err := hex.DecodeString(f[k+1])
		require.NoError(t, err)
		switch f[k] {
		case "--item-input":
			msg.ItemInput = bz
		case "--item-output":
			msg.ItemOutput = bz
		case "--input-path":
			msg.InputPath = append(msg.InputPath, bz)
		case "--output-path":
			msg.OutputPath = append(msg.OutputPath, bz)
		}
	}
	require.Len(t, msg.InputPath, 9, "a tree of 300 items is 9 levels deep")
	m, err := zkml.ReadModel(model)
	require.NoError(t, err)
	mc, err := zkml.ModelCommitment(m)
	require.NoError(t, err)
	ir, _ := hex.DecodeString(inRoot)
	or, _ := hex.DecodeString(outRoot)
	j := jobstypes.Job{Id: 5, Items: 300, Units: 300, CircuitId: "mlp-16-16-4", ModelCommitment: mc[:], InputCommitment: ir, Result: &jobstypes.Result{OutputCommitment: or}}
	ic, oc, err := disputetypes.CheckItem(j, 123, msg)
	require.NoError(t, err)
	public, err := disputetypes.PublicInputsItem(j, 123, ic[:], oc[:])
	require.NoError(t, err)
	vkb, err := os.ReadFile(filepath.Join(keys, "mlp-16-16-4.vk"))
	require.NoError(t, err)
	vk, err := disputetypes.ParseVK(vkb, 1<<20)
	require.NoError(t, err)
	proof, err := hex.DecodeString(proofHex)
	require.NoError(t, err)
	require.NoError(t, zkverify.Verify(vk, proof, public))
	// the same proof is no other item's
	other, err := disputetypes.PublicInputsItem(j, 124, ic[:], oc[:])
	require.NoError(t, err)
	require.Error(t, zkverify.Verify(vk, proof, other))
}
