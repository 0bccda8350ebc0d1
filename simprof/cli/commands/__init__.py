"""One module per CLI verb (see simprof.cli)."""
