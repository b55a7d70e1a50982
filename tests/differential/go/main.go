// grpcgw-transcoding: grpc-gateway v2 in front of a cordwire gRPC server serving the transcoding
// conformance service (tests/protos/transcoding/v1), for the differential run in
// tests/differential. Its Register…HandlerFromEndpoint comes from protoc-gen-grpc-gateway, run on
// that proto by tests/differential/build.py into the build cache (never committed).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	transcodingv1 "cordbench/gen/transcoding/v1"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "HTTP address")
	upstream := flag.String("upstream", "", "cordwire gRPC address")
	flag.Parse()
	// Proto field names and every field printed, as cordwire answers, so that only real
	// differences remain; unknown JSON fields are refused, as cordwire refuses them.
	json := &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: json}),
	)
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := transcodingv1.RegisterTranscodingHandlerFromEndpoint(context.Background(), mux, *upstream, opts); err != nil {
		log.Fatal(err)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	// The test reads this line to learn the port.
	fmt.Fprintf(os.Stdout, "listening on %s\n", listener.Addr())
	log.Fatal(http.Serve(listener, mux))
}
