module webcontainer.dev/examples/go/tcplisten

go 1.19
