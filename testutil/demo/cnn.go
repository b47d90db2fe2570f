package demo

import (
	"fmt"
	"strconv"
	"strings"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// cnnScene: a LeNet-5 job, proven by its provider as it serves, is
// challenged and the proof wins. Its circuit is version 3 (cnn3-<arch>): the
// model's commitment is computed with the circuit's commitment key, which
// `zk setup` wrote beside its proving key. Its own provider (registered for
// the CNN circuit only), buyer and challenger let it run beside the other
// scenes.
func cnnScene(s *S) {
	cnn := s.cfg.circuitCNN()
	provider := s.Account("provider-cnn", 3_000_000_000)
	buyer := s.Account("buyer-cnn", 1_000_000_000)
	challenger := s.Account("challenger-cnn", 1_000_000_000)
	s.registerProvider("provider-cnn", "gpu-c", "--circuit-ids", cnn, "--prices", priceJSON(price, false),
		"--declared-latency-ms", "20", "--declared-bandwidth-mbps", "1000")

	s.Say("Dispute D: a CNN job (%s); the provider proves as it serves, and wins the challenge", cnn)
	model, input := s.File("cnn.vmdl"), s.File("cnn-input.vten")
	s.Zk("", "example-model", model, "--arch", s.cfg.CNNArch, "--seed", "demo")
	dims := strings.Split(strings.SplitN(s.cfg.CNNArch, "-", 2)[0], "x")
	size := 1
	for _, d := range dims {
		n, err := strconv.Atoi(d)
		s.Must(err, "CNN input shape")
		size *= n
	}
	s.Zk("", "example-input", input, "--size", strconv.Itoa(size), "--seed", "demo-cnn")
	// version 3: the model's commitment is made with the circuit's key,
	// checked against the hash the chain registered with it (--node asks)
	modelC, inC := s.Zk("pedersen", "commit", "--keys", s.cfg.ZKDir, "--node", s.c.Node(), model), s.Zk("pedersen", "commit", input)
	// the localnet's longest time limit: the proof comes first, and under
	// the other lanes' load a version 2 LeNet-5 proof has taken over a
	// minute (version 3: seconds)
	jd := s.JobID(s.Tx("buyer-cnn", "jobs", "submit-job", "inference", modelC, inC, strconv.Itoa(units), u(maxPrice), "120s",
		"--circuit-id", cnn, "--provider", provider, "--input-uri", "ipfs://demo-cnn-input"))
	s.Record("job", jd)
	s.Info("the provider runs the CNN and proves the result before posting it (a proof is ready before any window opens):")
	proof := s.Prove("the provider", "pedersen", model, input, jd)
	p0, b0, x0, c0 := s.Gross(provider), s.Gross(buyer), s.Gross(challenger), s.Pool()
	s.Tx("provider-cnn", "jobs", "post-result", id(jd), s.Zk("pedersen", "infer", model, input), strconv.Itoa(used), "--output-uri", "ipfs://demo-output")
	s.Expect(fmt.Sprintf("job %d status", jd), s.Job(jd).Status, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED)
	s.Tx("challenger-cnn", "dispute", "challenge", id(jd))
	s.Tx("provider-cnn", "dispute", "submit-proof", id(jd), "provider", proof, "--gas", "600000")
	s.expectProviderWon(jd, provider, buyer, challenger, p0, b0, x0, c0)
	s.Tx("provider-cnn", "jobs", "pause-provider")
}
