module webcontainer.dev/examples/go/httpserve

go 1.19

require webcontainer.dev/sdk/go v0.0.0

replace webcontainer.dev/sdk/go => ../../../sdk/go
