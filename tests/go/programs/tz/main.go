// Time zones: the local zone (from TZ, which the harness sets), a fixed instant shown in it,
// UTC, and a named zone loaded from the zoneinfo database (granted read-only).
package main

import (
	"fmt"
	"time"
)

func main() {
	name, offset := time.Now().Zone()
	fmt.Printf("local zone now: %s %d\n", name, offset)
	fmt.Println("unix 0 local:", time.Unix(0, 0).In(time.Local).Format("2006-01-02 15:04:05 -0700 MST"))
	fmt.Println("fixed instant local:", time.Date(2021, 1, 15, 12, 0, 0, 0, time.UTC).In(time.Local).Format(time.RFC3339))
	utc, err := time.LoadLocation("UTC")
	fmt.Println("load UTC:", utc, err)
	fmt.Println("unix 0 UTC:", time.Unix(0, 0).In(utc).Format(time.RFC1123Z))
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		fmt.Println("load Asia/Tokyo:", err)
	} else {
		fmt.Println("unix 1e9 Tokyo:", time.Unix(1e9, 0).In(tokyo).Format("2006-01-02 15:04:05 MST"))
	}
	_, err = time.LoadLocation("Not/AZone")
	fmt.Println("load Not/AZone:", err)
	fixed := time.FixedZone("X", -(3*3600 + 30*60))
	fmt.Println("fixed zone:", time.Unix(0, 0).In(fixed).Format(time.RFC822Z))
	p, err := time.Parse(time.RFC3339, "2024-02-29T23:59:59+05:30")
	fmt.Println("parse:", p.UTC(), err)
}
