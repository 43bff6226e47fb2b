module hello-wagi

go 1.21
