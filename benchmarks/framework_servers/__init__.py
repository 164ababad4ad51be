"""The servers gateway_frameworks.py compares, one per module, each run as its own process
(`python -m benchmarks.framework_servers.<module> PORT [UPSTREAM]`), so each imports only its
own framework."""
