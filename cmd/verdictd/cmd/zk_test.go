package cmd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/cmd/verdictd/cmd"
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
