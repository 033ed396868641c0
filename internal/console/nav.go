package console

import (
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// NavItem is one link of the navigation.
type NavItem struct {
	// Key is its catalogue key.
	Key  string
	Path string
	// Current marks the section the page is in.
	Current bool
}

// The home of each role's part of the console: where signing in leads.
const (
	officeHome   = Prefix + "office"
	producerHome = Prefix + "producer"
	shopHome     = Prefix + "shop"
)

// navigation is each role's menu, in order; the first item is its home.
var navigation = map[estampv1.Role][]NavItem{
	estampv1.Role_ROLE_ADMIN: {
		{Key: "nav.office.home", Path: officeHome},
		{Key: "nav.office.producers", Path: officeHome + "/producers"},
		{Key: "nav.office.products", Path: officeHome + "/products"},
		{Key: "nav.office.retailers", Path: officeHome + "/retailers"},
		{Key: "nav.office.accounts", Path: officeHome + "/accounts"},
		{Key: "nav.office.tokens", Path: officeHome + "/tokens"},
		{Key: "nav.office.keys", Path: officeHome + "/keys"},
		{Key: "nav.office.audit", Path: officeHome + "/audit"},
		{Key: "nav.office.revocations", Path: officeHome + "/revocations"},
	},
	estampv1.Role_ROLE_PRODUCER: {
		{Key: "nav.producer.home", Path: producerHome},
		{Key: "nav.producer.products", Path: producerHome + "/products"},
		{Key: "nav.producer.batches", Path: producerHome + "/batches"},
		{Key: "nav.producer.scans", Path: producerHome + "/scans"},
	},
	estampv1.Role_ROLE_RETAILER: {
		{Key: "nav.shop.intake", Path: shopHome},
		{Key: "nav.shop.sale", Path: shopHome + "/sale"},
		{Key: "nav.shop.deliveries", Path: shopHome + "/deliveries"},
	},
}

// homeOf is where a role's person starts.
func homeOf(r estampv1.Role) string {
	if items := navigation[r]; len(items) > 0 {
		return items[0].Path
	}
	return signInPath
}

// navFor is a role's menu with the current section marked: the longest
// item path that the page's path starts with.
func navFor(r estampv1.Role, path string) []NavItem {
	items := append([]NavItem(nil), navigation[r]...)
	best := -1
	for i, it := range items {
		if (path == it.Path || strings.HasPrefix(path, it.Path+"/")) && (best < 0 || len(it.Path) > len(items[best].Path)) {
			best = i
		}
	}
	if best >= 0 {
		items[best].Current = true
	}
	return items
}
