module example.org/samples/sha256

go 1.21
