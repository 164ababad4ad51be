"""Developer tooling: the local stack (scripts.stack) and its `make run` entry point."""
