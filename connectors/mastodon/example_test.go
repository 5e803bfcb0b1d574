package mastodon_test

import (
	"fmt"

	"github.com/rythmehq/rythme/connectors/mastodon"
)

// Mastodon counts any URL as 23 characters and a remote mention as the
// local part only.
func ExampleLength() {
	fmt.Println(mastodon.Length("Read https://example.com/a/very/long/path/to/an/article?utm_source=rythme"))
	fmt.Println(mastodon.Length("Thanks @alice@mastodon.example!"))
	// Output:
	// 28
	// 14
}

func ExampleNormalizeInstanceURL() {
	u, err := mastodon.NormalizeInstanceURL("Mastodon.Social/")
	fmt.Println(u, err)
	_, err = mastodon.NormalizeInstanceURL("http://192.168.1.20")
	fmt.Println(err)
	// Output:
	// https://mastodon.social <nil>
	// invalid: instance_url: must be a public server (private and link-local addresses are refused)
}
