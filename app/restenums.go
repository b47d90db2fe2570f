package app

import (
	"strings"
	"sync"

	gogoproto "github.com/cosmos/gogoproto/proto"
	golangproto "github.com/golang/protobuf/proto" //nolint:staticcheck // grpc-gateway v1 reads enum names from this registry
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoimpl"

	"github.com/verdict-chain/verdict/app/protoreg"
)

var gatewayEnumsOnce sync.Once

// registerGatewayEnums lets REST query parameters name enum values
// (`?status=JOB_STATUS_FINALIZED`) as well as number them (`?status=5`).
// grpc-gateway v1 looks enum names up in golang/protobuf's legacy enum
// registry, which gogoproto-generated code does not fill; this copies every
// gogoproto-registered enum of the app's protobuf packages into it, once.
func registerGatewayEnums() {
	gatewayEnumsOnce.Do(func() {
		files, err := protoreg.Files()
		if err != nil {
			return // the interface registry reports the same error
		}
		files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
			if !strings.HasPrefix(string(fd.Package()), "verdict.") {
				return true
			}
			eachEnum(fd.Enums(), fd.Messages(), func(ed protoreflect.EnumDescriptor) {
				name := protoimpl.X.LegacyEnumName(ed)
				if golangproto.EnumValueMap(name) != nil { //nolint:staticcheck // the registry grpc-gateway v1 reads
					return
				}
				values := gogoproto.EnumValueMap(name)
				if values == nil {
					return
				}
				names := make(map[int32]string, len(values))
				for k, v := range values {
					names[v] = k
				}
				golangproto.RegisterEnum(name, names, values) //nolint:staticcheck // the registry grpc-gateway v1 reads
			})
			return true
		})
	})
}

func eachEnum(enums protoreflect.EnumDescriptors, msgs protoreflect.MessageDescriptors, f func(protoreflect.EnumDescriptor)) {
	for i := 0; i < enums.Len(); i++ {
		f(enums.Get(i))
	}
	for i := 0; i < msgs.Len(); i++ {
		eachEnum(msgs.Get(i).Enums(), msgs.Get(i).Messages(), f)
	}
}
