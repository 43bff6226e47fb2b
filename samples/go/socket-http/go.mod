module example.org/samples/socket-http

go 1.22
