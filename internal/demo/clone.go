package demo

import "google.golang.org/protobuf/proto"

// clone keeps the package-level fixtures untouched by normalisation.
func clone[M proto.Message](m M) M { return proto.Clone(m).(M) }
