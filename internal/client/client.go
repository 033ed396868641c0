// Package client connects to estampd: the seven API services over one gRPC
// connection, with an API token and TLS as the CLI, the load generator and
// the tests use them.
package client

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
)

// Clients are the API's services over one connection.
type Clients struct {
	Conn         *grpc.ClientConn
	Registry     estampv1.RegistryServiceClient
	Issuance     estampv1.IssuanceServiceClient
	Verification estampv1.VerificationServiceClient
	Labels       estampv1.LabelServiceClient
	Custody      estampv1.CustodyServiceClient
	Admin        estampv1.AdminServiceClient
	Insight      estampv1.InsightServiceClient
}

// Dial connects to the estampd at target: over TLS with tlsConfig, or in
// clear text when it is nil, sending token with every call unless it is
// empty. more adds options (a dialer, call limits). As with
// grpc.NewClient, nothing is sent until the first call, so an unreachable
// server shows there.
//
// The token is sent as it is: a caller that takes it from a person checks
// it first (auth.ParseToken), while tests send malformed ones on purpose.
func Dial(target, token string, tlsConfig *tls.Config, more ...grpc.DialOption) (Clients, error) {
	creds := insecure.NewCredentials()
	if tlsConfig != nil {
		creds = credentials.NewTLS(tlsConfig)
	}
	// gRPC's default receive limit (4 MiB) is enough: batches of codes
	// come as a stream of small messages.
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if token != "" {
		// Without TLS the token travels in clear text: the server allows
		// that only on loopback or behind --insecure-listen. With TLS it
		// is never sent over anything else.
		opts = append(opts, grpc.WithPerRPCCredentials(auth.Bearer{Token: token, TLSOnly: tlsConfig != nil}))
	}
	conn, err := grpc.NewClient(target, append(opts, more...)...)
	if err != nil {
		return Clients{}, err
	}
	return Clients{
		Conn:         conn,
		Registry:     estampv1.NewRegistryServiceClient(conn),
		Issuance:     estampv1.NewIssuanceServiceClient(conn),
		Verification: estampv1.NewVerificationServiceClient(conn),
		Labels:       estampv1.NewLabelServiceClient(conn),
		Custody:      estampv1.NewCustodyServiceClient(conn),
		Admin:        estampv1.NewAdminServiceClient(conn),
		Insight:      estampv1.NewInsightServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c Clients) Close() error { return c.Conn.Close() }

// TLSConfig trusts the PEM certificates in the file caFile, or the
// system's certificate authorities when caFile is empty.
func TLSConfig(caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", caFile)
	}
	return cfg, nil
}
