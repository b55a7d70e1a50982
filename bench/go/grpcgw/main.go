// grpcgw: grpc-gateway v2 in front of cordwire's gRPC server, the bench's "established
// transcoder" peer. Its Register…HandlerFromEndpoint comes from protoc-gen-grpc-gateway run on
// bench/proto at bench time (into the build cache, never committed).
package main

import (
	"context"
	"flag"
	"log"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	benchv1 "cordbench/gen/cordbench/v1"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "HTTP address")
	upstream := flag.String("upstream", "", "cordwire gRPC address")
	flag.Parse()
	// Proto field names out, like cordwire, so both peers send the same bytes back.
	mux := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
	}))
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if err := benchv1.RegisterBenchHandlerFromEndpoint(context.Background(), mux, *upstream, opts); err != nil {
		log.Fatal(err)
	}
	log.Printf("grpc-gateway on %s -> %s", *listen, *upstream)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
