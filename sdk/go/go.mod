module webcontainer.dev/sdk/go

go 1.19
