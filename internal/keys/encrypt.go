package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// A key encrypted at rest is a PEM block of this type whose bytes are the
// PKCS #8 key sealed with AES-256-GCM under a key derived from the
// passphrase with PBKDF2-HMAC-SHA256; salt, nonce and iteration count are
// headers. Both are in the standard library, so the format needs no
// dependency and any language can read it.
const (
	encryptedPEMType = "ESTAMP ENCRYPTED PRIVATE KEY"
	kdfHeader        = "KDF"
	kdfName          = "PBKDF2-HMAC-SHA256"
	iterHeader       = "Iterations"
	saltHeader       = "Salt"
	nonceHeader      = "Nonce"
	// iterations follows the OWASP 2023 advice for PBKDF2-HMAC-SHA256.
	iterations = 600_000
	maxIter    = 10_000_000
)

// ErrPassphrase means the passphrase does not open the key.
var ErrPassphrase = errors.New("wrong passphrase or damaged key")

func aead(passphrase, salt []byte, iter int) (cipher.AEAD, error) {
	key, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iter, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encrypt seals block's bytes in place. The Created header is bound to the
// ciphertext as associated data, so it cannot be changed unnoticed.
func encrypt(block *pem.Block, passphrase []byte, rand io.Reader) error {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return err
	}
	gcm, err := aead(passphrase, salt, iterations)
	if err != nil {
		return err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return err
	}
	block.Type = encryptedPEMType
	block.Bytes = gcm.Seal(nil, nonce, block.Bytes, []byte(block.Headers[createdHeader]))
	block.Headers[kdfHeader] = kdfName
	block.Headers[iterHeader] = strconv.Itoa(iterations)
	block.Headers[saltHeader] = hex.EncodeToString(salt)
	block.Headers[nonceHeader] = hex.EncodeToString(nonce)
	return nil
}

func decrypt(block *pem.Block, passphrase []byte) ([]byte, error) {
	h := block.Headers
	if h[kdfHeader] != kdfName {
		return nil, fmt.Errorf("unsupported %s %q", kdfHeader, h[kdfHeader])
	}
	iter, err := strconv.Atoi(h[iterHeader])
	if err != nil || iter < 1 || iter > maxIter {
		return nil, fmt.Errorf("bad %s header", iterHeader)
	}
	salt, err1 := hex.DecodeString(h[saltHeader])
	nonce, err2 := hex.DecodeString(h[nonceHeader])
	if err1 != nil || err2 != nil || len(salt) == 0 {
		return nil, fmt.Errorf("bad %s or %s header", saltHeader, nonceHeader)
	}
	gcm, err := aead(passphrase, salt, iter)
	if err != nil {
		return nil, err
	}
	if len(nonce) != gcm.NonceSize() {
		return nil, fmt.Errorf("bad %s header", nonceHeader)
	}
	der, err := gcm.Open(nil, nonce, block.Bytes, []byte(h[createdHeader]))
	if err != nil {
		return nil, ErrPassphrase
	}
	return der, nil
}
