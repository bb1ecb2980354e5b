module webcontainer.dev/examples/go/tcppingpong

go 1.19

require webcontainer.dev/sdk/go v0.0.0

replace webcontainer.dev/sdk/go => ../../../sdk/go
