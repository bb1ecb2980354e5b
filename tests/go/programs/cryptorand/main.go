// crypto/rand: two 32-byte reads, not all zero and different; math/rand seeded the same
// way gives the same sequence everywhere.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	mrand "math/rand"
)

func main() {
	a := make([]byte, 32)
	b := make([]byte, 32)
	na, erra := rand.Read(a)
	nb, errb := rand.Read(b)
	fmt.Println("read:", na, erra, nb, errb)
	fmt.Println("a all zero:", bytes.Equal(a, make([]byte, 32)))
	fmt.Println("a == b:", bytes.Equal(a, b))
	// 65536 bytes: the most one crypto.getRandomValues call may fill (Go 1.19 passes the
	// whole buffer in one call; Node's Web Crypto throws above that).
	big1 := make([]byte, 65536)
	n, err := rand.Read(big1)
	distinct := map[byte]bool{}
	for _, c := range big1 {
		distinct[c] = true
	}
	fmt.Println("65536 bytes:", n, err, "distinct values > 200:", len(distinct) > 200)
	x, err := rand.Int(rand.Reader, big.NewInt(1000))
	fmt.Println("rand.Int in range:", err == nil && x.Sign() >= 0 && x.Cmp(big.NewInt(1000)) < 0)
	r := mrand.New(mrand.NewSource(42))
	fmt.Println("math/rand seed 42:", r.Intn(1000), r.Intn(1000), r.Intn(1000))
	sum := sha256.Sum256([]byte("webcontainer"))
	fmt.Println("sha256:", hex.EncodeToString(sum[:]))
}
