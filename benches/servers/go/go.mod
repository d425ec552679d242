module gortbench/servers

go 1.19
