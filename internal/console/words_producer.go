package console

// producerWords are a producer's pages'.
var producerWords = catalogue{
	"nav.producer.home":     {"Tổng quan", "Overview"},
	"nav.producer.products": {"Sản phẩm của tôi", "My products"},
	"nav.producer.batches":  {"Lô tem", "Stamp batches"},
	"nav.producer.scans":    {"Lượt quét", "Scans"},
}
