module example.org/samples/binarytrees

go 1.21
