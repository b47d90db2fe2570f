package app

import (
	"net/url"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/utilities"
	"github.com/stretchr/testify/require"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// REST query parameters of enum type take the value's name or its number,
// as the OpenAPI document advertises the names.
func TestGatewayEnumQueryParameters(t *testing.T) {
	registerGatewayEnums()
	parse := func(status string) (jobstypes.JobStatus, error) {
		var req jobstypes.QueryJobsRequest
		err := runtime.PopulateQueryParameters(&req, url.Values{"status": {status}}, utilities.NewDoubleArray(nil))
		return req.Status, err
	}
	for _, in := range []string{"JOB_STATUS_FINALIZED", "5"} {
		got, err := parse(in)
		require.NoError(t, err, in)
		require.Equal(t, jobstypes.JobStatus_JOB_STATUS_FINALIZED, got, in)
	}
	for _, bad := range []string{"FINALIZED", "job_status_finalized", "99"} {
		_, err := parse(bad)
		require.Error(t, err, bad)
	}
	var dreq disputetypes.QueryDisputesRequest
	require.NoError(t, runtime.PopulateQueryParameters(&dreq, url.Values{"status": {"DISPUTE_STATUS_PROVIDER_LOST"}}, utilities.NewDoubleArray(nil)))
	require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, dreq.Status)
}
