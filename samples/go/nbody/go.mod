module example.org/samples/nbody

go 1.21
