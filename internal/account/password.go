// Package account holds what the web console knows of people: usernames,
// passwords hashed with Argon2id, one-time passwords the office hands out,
// and browser sessions. API tokens (package auth) stay for machines; an
// account acts with the same role and subject as a token would, through
// the same access table.
package account

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// Params are Argon2id's cost parameters.
type Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams are OWASP's first recommended Argon2id setting (m=19 MiB,
// t=2, p=1), which RFC 9106 §4 allows for memory-constrained servers: a
// sign-in costs about 30 ms of one core and 19 MiB, so that two cores
// still serve scans while the office signs in, and a stolen database
// costs an attacker the same per guess.
var DefaultParams = Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

const (
	saltBytes = 16
	hashBytes = 32
)

// Password limits. Length is what makes a password strong (NIST SP
// 800-63B §5.1.1.2); no composition rules.
const (
	MinPassword = 10
	MaxPassword = 128
)

// Hash returns the Argon2id hash of a password with a fresh salt.
func Hash(password string, p Params, rand io.Reader) (*storagev1.PasswordHash, error) {
	salt := make([]byte, saltBytes)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, fmt.Errorf("account: salt: %w", err)
	}
	return &storagev1.PasswordHash{
		Salt: salt, Time: p.Time, MemoryKib: p.MemoryKiB, Threads: uint32(p.Threads),
		Hash: argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, hashBytes),
	}, nil
}

// Matches checks a password against its stored hash in constant time.
func Matches(password string, h *storagev1.PasswordHash) bool {
	if h == nil || len(h.Hash) != hashBytes || h.Time == 0 || h.MemoryKib == 0 || h.Threads == 0 || h.Threads > 255 {
		return false
	}
	got := argon2.IDKey([]byte(password), h.Salt, h.Time, h.MemoryKib, uint8(h.Threads), hashBytes)
	return subtle.ConstantTimeCompare(got, h.Hash) == 1
}

// dummy is hashed when a username does not exist, so that a sign-in takes
// as long whether or not the account exists.
var dummy = &storagev1.PasswordHash{Salt: make([]byte, saltBytes), Hash: make([]byte, hashBytes), Time: DefaultParams.Time, MemoryKib: DefaultParams.MemoryKiB, Threads: uint32(DefaultParams.Threads)}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// CheckUsername says whether a username is acceptable; field names the
// request field in the error.
func CheckUsername(field, name string) error {
	switch {
	case name == "":
		return ocop.Invalid(field, "bắt buộc", "required")
	case !usernamePattern.MatchString(name):
		return ocop.Invalid(field, "từ 3 đến 64 ký tự: chữ thường, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ hoặc số", "3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return nil
}

// CheckPassword says whether a new password is acceptable.
func CheckPassword(field, password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return ocop.Invalid(field, "không phải văn bản UTF-8 hợp lệ", "not valid UTF-8")
	case n < MinPassword:
		return ocop.Invalid(field, "ít nhất %d ký tự", "at least %d characters", MinPassword)
	case n > MaxPassword:
		return ocop.Invalid(field, "tối đa %d ký tự", "at most %d characters", MaxPassword)
	case strings.EqualFold(strings.TrimSpace(password), username):
		return ocop.Invalid(field, "không được trùng tên đăng nhập", "must not be the username")
	}
	return nil
}

// oneTimeAlphabet has no letters people confuse when reading a password
// aloud or from paper (0/o, 1/l/i).
const oneTimeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewOneTimePassword is a password the office hands out: 15 characters in
// three groups (about 74 bits), easy to read out and to type on a phone.
func NewOneTimePassword(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, 15)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", fmt.Errorf("account: password: %w", err)
	}
	var b strings.Builder
	for i, c := range buf {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		// 256 is not a multiple of 31: the bias is under 1% per
		// character, immaterial for a password changed at first use.
		b.WriteByte(oneTimeAlphabet[int(c)%len(oneTimeAlphabet)])
	}
	return b.String(), nil
}
