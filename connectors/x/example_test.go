package x_test

import (
	"fmt"

	"github.com/rythmehq/rythme/connectors/x"
)

// X counts any URL as 23, an emoji sequence as 2 and CJK characters as 2.
func ExampleWeightedLength() {
	fmt.Println(x.WeightedLength("Read https://example.com/a/very/long/path?utm_source=rythme"))
	fmt.Println(x.WeightedLength("Bravo 👩🏽‍💻!"))
	fmt.Println(x.WeightedLength("こんにちは"))
	// Output:
	// 28
	// 9
	// 10
}
