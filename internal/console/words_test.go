package console

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEveryWordIsInTheCatalogue reads every template for the keys it says
// (.T "key", .Tf "key" …, Title and nav keys are checked by the walk,
// which fails on a page showing a missing key) and checks that each is in
// the catalogue in both languages.
func TestEveryWordIsInTheCatalogue(t *testing.T) {
	c, err := newCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	said := regexp.MustCompile(`\.Tf? "([^"]+)"`)
	n := 0
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		for _, m := range said.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := c[m[1]]; !ok {
				t.Errorf("%s says %q, which is not in the catalogue", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found only %d keys in the templates: the pattern is wrong", n)
	}
	for _, items := range navigation {
		for _, it := range items {
			if _, ok := c[it.Key]; !ok {
				t.Errorf("menu item %s: %q is not in the catalogue", it.Path, it.Key)
			}
		}
	}
	for k, m := range c {
		if m.vi == m.en && !strings.ContainsAny(k, "0123456789") && len(m.vi) > 3 {
			t.Logf("%q reads the same in both languages: %q", k, m.vi)
		}
	}
}

func TestCatalogueRefusesMistakes(t *testing.T) {
	if _, err := newCatalogue(); err != nil {
		t.Fatal(err)
	}
	if got := (catalogue{}).say("vi", "no.such.key"); !strings.Contains(got, "no.such.key") {
		t.Errorf("a missing key says %q", got)
	}
}
