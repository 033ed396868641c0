package server

import "path/filepath"

// TrustListPath is where the last good national trust list is kept in a
// data directory, byte for byte as the anchor signed it, so that a
// restart while the list's source is down still trusts the provinces.
func TrustListPath(dataDir string) string { return filepath.Join(dataDir, "trust-list.json") }

// ForeignDir is where the other provinces' revocation lists are kept in a
// data directory, one file a province (ID.json), so that a restart does
// not forget a revocation while its province cannot be reached.
func ForeignDir(dataDir string) string { return filepath.Join(dataDir, "foreign") }
