module example.org/samples/hello

go 1.21
