// Package auth says who a caller is: the API tokens an admin hands out,
// their roles, and the principal a request carries through the services.
//
// A token is "estamp_" + a 16-hex-digit id + "_" + 43 characters of
// base64url secret (256 bits). The server stores only the SHA-256 of the
// whole token: with that much entropy a fast hash is as good as a slow
// one, and it lets every RPC check a token with one lookup by id.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

const (
	tokenPrefix = "estamp_"
	idBytes     = 8
	secretBytes = 32
)

// ErrMalformed means a string is not a token of ours.
var ErrMalformed = errors.New("auth: not an estamp token")

// NewToken returns a fresh token, its id and the hash to store.
func NewToken(rand io.Reader) (token, id string, hash []byte, err error) {
	buf := make([]byte, idBytes+secretBytes)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return "", "", nil, fmt.Errorf("auth: %w", err)
	}
	id = hex.EncodeToString(buf[:idBytes])
	token = tokenPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(buf[idBytes:])
	return token, id, Hash(token), nil
}

// Hash is what the store keeps of a token.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ParseToken returns the id of a well-formed token.
func ParseToken(token string) (id string, err error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(rest) != 2*idBytes+1+base64.RawURLEncoding.EncodedLen(secretBytes) || rest[2*idBytes] != '_' {
		return "", ErrMalformed
	}
	id = rest[:2*idBytes]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", ErrMalformed
	}
	if _, err := base64.RawURLEncoding.DecodeString(rest[2*idBytes+1:]); err != nil {
		return "", ErrMalformed
	}
	return id, nil
}

// Matches compares a presented token with a stored hash in constant time.
func Matches(token string, stored []byte) bool {
	return subtle.ConstantTimeCompare(Hash(token), stored) == 1
}

// Principal is an authenticated caller: an API token, or a person signed
// in to the console with an account of the same role.
type Principal struct {
	// TokenID is the token's id; empty for an account.
	TokenID string
	// Account is the console account's username; empty for a token.
	Account    string
	Role       estampv1.Role
	ProducerID string
	RetailerID string
}

// Credential names what the caller presented, for budgets kept per
// caller: the token id, or "@" and the account's username.
func (p Principal) Credential() string {
	if p.Account != "" {
		return "@" + p.Account
	}
	return p.TokenID
}

// String names the principal in logs and the audit log, never with the
// secret: "admin/<token id>", "producer HTX-X/<token id>", and for a
// console account "producer HTX-X/@lan".
func (p Principal) String() string {
	role := RoleName(p.Role)
	switch {
	case p.ProducerID != "":
		role += " " + p.ProducerID
	case p.RetailerID != "":
		role += " " + p.RetailerID
	}
	return role + "/" + p.Credential()
}

// RoleName is a role as people type it: "admin", "producer", "retailer".
func RoleName(r estampv1.Role) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of a request; false for a public one.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ServerActor names changes the server makes on its own, such as seeding
// the demo registry.
const ServerActor = "estampd"

// Actor names who makes a change in ctx, for the audit log.
func Actor(ctx context.Context) string {
	if p, ok := FromContext(ctx); ok {
		return p.String()
	}
	return ServerActor
}

// UnauthenticatedError is a request without a usable token: none where
// one is needed, or one that is malformed, unknown or revoked.
type UnauthenticatedError struct{ Reason, ReasonVI string }

// Unauthenticated returns an *UnauthenticatedError: the reason in
// Vietnamese, then in English (package ocop's errors say why both).
func Unauthenticated(vi, en string) error { return &UnauthenticatedError{Reason: en, ReasonVI: vi} }

func (e *UnauthenticatedError) Error() string { return e.Reason }

// Vietnamese is the error for a person.
func (e *UnauthenticatedError) Vietnamese() string { return e.ReasonVI }

// DeniedError is a request whose token may not do what it asks. Its
// message never says whether the thing asked about exists.
type DeniedError struct{ Reason, ReasonVI string }

// Denied returns a *DeniedError, Vietnamese first.
func Denied(vi, en string) error { return &DeniedError{Reason: en, ReasonVI: vi} }

func (e *DeniedError) Error() string { return e.Reason }

// Vietnamese is the error for a person.
func (e *DeniedError) Vietnamese() string { return e.ReasonVI }

// Bearer sends a token with every call of a gRPC connection
// (credentials.PerRPCCredentials).
type Bearer struct {
	Token string
	// TLSOnly refuses to send the token over a connection without TLS.
	TLSOnly bool
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (b Bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (b Bearer) RequireTransportSecurity() bool { return b.TLSOnly }
