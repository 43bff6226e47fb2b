module example.org/samples/wasi

go 1.21
