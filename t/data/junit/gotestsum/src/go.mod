module example.com/testvis/gofixture

go 1.19
