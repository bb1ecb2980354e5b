module webcontainer.test/goprograms

go 1.19
