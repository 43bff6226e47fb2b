module example.org/samples/wagi

go 1.21
