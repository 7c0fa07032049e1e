package testnet

// RawCodec is a gRPC codec (grpc-go's encoding.Codec: pass it to
// grpc.ForceCodec or grpc.ForceServerCodec) whose messages are *[]byte
// taken as they are, so that tests call and serve gRPC without generated
// protobuf code. It does not import grpc: non-test packages must not.
type RawCodec struct{}

// Marshal returns the bytes v (a *[]byte) points to.
func (RawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }

// Unmarshal stores a copy of b in v (a *[]byte).
func (RawCodec) Unmarshal(b []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), b...)
	return nil
}

// Name returns the codec's name, "raw".
func (RawCodec) Name() string { return "raw" }
