// Package sourcetree reads the project's own Go sources, for tests that
// check a rule holds across the whole tree (one place for Vietnam's time
// zone, one catalogue of words).
package sourcetree

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GoFiles returns every non-test Go file below root, by slash-separated
// path relative to root, leaving out generated code, test data and the
// outputs of make (bin, data).
func GoFiles(root string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "gen", "testdata", ".git", "bin", "data":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(src)
		return nil
	})
	return files, err
}
