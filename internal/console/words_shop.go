package console

// shopWords are a shop's pages'.
var shopWords = catalogue{
	"nav.shop.intake":     {"Nhận hàng", "Receive goods"},
	"nav.shop.deliveries": {"Các lần nhận", "Deliveries"},
}
